// mount(2)/umount2(2) through the native/mount addon, Go's mount-option
// parsing (flag words become MS_* bits, the rest is fs data), and the
// mount-table questions the drivers ask.

import { readFileSync, statfsSync } from 'node:fs';
import { loadNativeAddon } from '../../util/native-addon.js';
import type { IDMap, IdMappings } from '../../idmap/index.js';
import { isErrno } from '../../util/index.js';
import { DriverError } from './errors.js';

interface MountAddon {
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount2(target: string, flags: number): void;
  fsMount(fstype: string, target: string, params: string[], attrs: number): void;
  usernsFd(uidMap: string, gidMap: string): number;
  idmappedBind(source: string, target: string, usernsFd: number): void;
  isMountRoot(path: string): boolean | null;
}

const addon = loadNativeAddon<MountAddon>('mount');

export const MS_RDONLY = 0x1;
export const MS_BIND = 0x1000;
export const MS_REC = 0x4000;
export const MS_PRIVATE = 0x40000;
export const MNT_DETACH = 0x2;
export const OVERLAYFS_MAGIC = 0x794c7630;

/** Go's pkg/mount flag table: word → [clears the bit?, bits]. */
const FLAG_WORDS: ReadonlyMap<string, [boolean, number]> = new Map([
  ['defaults', [false, 0]], ['ro', [false, MS_RDONLY]], ['rw', [true, MS_RDONLY]],
  ['suid', [true, 0x2]], ['nosuid', [false, 0x2]], ['dev', [true, 0x4]], ['nodev', [false, 0x4]],
  ['exec', [true, 0x8]], ['noexec', [false, 0x8]], ['sync', [false, 0x10]], ['async', [true, 0x10]],
  ['dirsync', [false, 0x80]], ['remount', [false, 0x20]], ['mand', [false, 0x40]], ['nomand', [true, 0x40]],
  ['atime', [true, 0x400]], ['noatime', [false, 0x400]], ['diratime', [true, 0x800]], ['nodiratime', [false, 0x800]],
  ['bind', [false, MS_BIND]], ['rbind', [false, MS_BIND | MS_REC]], ['unbindable', [false, 0x20000]],
  ['runbindable', [false, 0x20000 | MS_REC]], ['private', [false, MS_PRIVATE]], ['rprivate', [false, MS_PRIVATE | MS_REC]],
  ['shared', [false, 0x100000]], ['rshared', [false, 0x100000 | MS_REC]], ['slave', [false, 0x80000]],
  ['rslave', [false, 0x80000 | MS_REC]], ['relatime', [false, 0x200000]], ['norelatime', [true, 0x200000]],
  ['strictatime', [false, 0x1000000]], ['nostrictatime', [true, 0x1000000]],
]);

/** Go's mount.ParseOptions: `nodev,lowerdir=…` → MS_NODEV + `lowerdir=…`. Empty items are dropped. */
export function parseMountOptions(options: string): { flags: number; data: string } {
  let flags = 0;
  const data: string[] = [];
  for (const item of options.split(',')) {
    const word = FLAG_WORDS.get(item);
    if (word !== undefined && word[1] !== 0) {
      flags = word[0] ? flags & ~word[1] : flags | word[1];
    } else if (item !== '' && item !== 'defaults') {
      data.push(item);
    }
  }
  return { flags, data: data.join(',') };
}

export function mountSyscall(source: string, target: string, fstype: string, flags: number, data: string): void {
  try {
    addon.mount(source, target, fstype, flags, data);
  } catch (err) {
    throw new DriverError('mount-failed', `mounting ${fstype} on "${target}": ${(err as Error).message}`, { target, data }, { cause: err });
  }
}

/** MS_* flag → MOUNT_ATTR_* bit of fsmount(2), for the flags a mount attribute expresses. */
const MOUNT_ATTRS: ReadonlyArray<[number, number]> = [
  [MS_RDONLY, 0x1], [0x2, 0x2], [0x4, 0x4], [0x8, 0x8], [0x400, 0x10], [0x1000000, 0x20], [0x800, 0x80],
];
/** MS_RELATIME is fsmount's default (MOUNT_ATTR_RELATIME is 0). */
const MS_RELATIME = 0x200000;

/**
 * The new mount API (fsopen → fsconfig per parameter → fsmount → move_mount):
 * `params` are `key=value` or flag words of the filesystem, in order; `flags`
 * the MS_* bits parseMountOptions gave, which must all be mount attributes.
 */
export function fsMountSyscall(fstype: string, target: string, params: string[], flags: number): void {
  let attrs = 0;
  let rest = flags & ~MS_RELATIME;
  for (const [ms, attr] of MOUNT_ATTRS) {
    if (rest & ms) attrs |= attr;
    rest &= ~ms;
  }
  if (rest !== 0) throw new DriverError('invalid-option', `mount flags 0x${rest.toString(16)} have no fsmount attribute`, { target, flags });
  try {
    addon.fsMount(fstype, target, params, attrs);
  } catch (err) {
    throw new DriverError('mount-failed', `mounting ${fstype} on "${target}": ${(err as Error).message}`, { target, params }, { cause: err });
  }
}

/**
 * A file descriptor of a new user namespace with these maps (Go's
 * CreateUsernsProcess; the helper process is gone when this returns). The
 * caller closes it.
 */
export function userNamespaceFd(maps: IdMappings): number {
  const text = (ranges: readonly IDMap[]) => ranges.map((m) => `${m.containerId} ${m.hostId} ${m.size}\n`).join('');
  try {
    return addon.usernsFd(text(maps.uids), text(maps.gids));
  } catch (err) {
    throw new DriverError('idmap-failed', `creating a user namespace for the maps: ${(err as Error).message}`, { uidMap: maps.uids, gidMap: maps.gids }, { cause: err });
  }
}

/** Go's CreateIDMappedMount: `source`'s mount, cloned and idmapped through the namespace `usernsFd`, attached on `target` (made 0700). */
export function idmappedBind(source: string, target: string, usernsFd: number): void {
  try {
    addon.idmappedBind(source, target, usernsFd);
  } catch (err) {
    throw new DriverError('idmap-failed', `creating an idmapped mount of "${source}" on "${target}": ${(err as Error).message}`, { source, target }, { cause: err });
  }
}

/** umount2 with MNT_DETACH; "not mounted" (EINVAL) and "gone" (ENOENT) are not errors, as in Go. */
export function detachMount(target: string): void {
  try {
    addon.umount2(target, MNT_DETACH);
  } catch (err) {
    if (isErrno(err, 'EINVAL', 'ENOENT')) return;
    throw new DriverError('mount-failed', `unmounting "${target}": ${(err as Error).message}`, { target }, { cause: err });
  }
}

/** Whether `dir` is the root of an overlay mount (statfs magic; a plain dir reports its backing fs). */
export async function isOverlayMounted(dir: string): Promise<boolean> {
  try {
    return statfsSync(dir).type === OVERLAYFS_MAGIC;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}

/**
 * Whether `dir` is a mount point: the kernel's answer (statx), else whether
 * it appears as one in /proc/self/mountinfo (octal escapes decoded), where a
 * kernel before 5.8 or a failed statx leaves the question. Synchronous: asked
 * at every overlay start-up (see OverlayDriver.init).
 */
export function isMountPoint(dir: string): boolean {
  try {
    const root = addon.isMountRoot(dir);
    if (root !== null) return root;
  } catch {
    // The table below answers for a path statx cannot reach, as it always did.
  }
  const table = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const line of table.split('\n')) {
    const mountPoint = line.split(' ')[4];
    if (mountPoint !== undefined && decodeMountinfoPath(mountPoint) === dir) return true;
  }
  return false;
}

function decodeMountinfoPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}
