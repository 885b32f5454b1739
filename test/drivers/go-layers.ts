// Layers made and edited by the Go `containers-storage` CLI, the reference the
// drivers' and the archive's changes/diff tests compare Berth against, plus
// helpers to read tars and change lists in comparable forms.

import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseHeaderBlock, parsePaxRecords, TarEntryType, type Change, ChangeKind } from '../../src/archive/index.js';
import { goQuote } from '../../src/util/index.js';
import { goStorage, type StoreRoots } from '../helpers/go-cli.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const run = promisify(execFile);

/** `create-layer [parent]` by the Go CLI; resolves the new layer's ID. */
export async function goCreateLayer(roots: StoreRoots, parent?: string): Promise<string> {
  const { stdout } = await goStorage(roots, ['create-layer', ...(parent ? [parent] : [])]);
  const lines = stdout.toString().trim().split('\n');
  return lines[lines.length - 1]!.trim();
}

/** Mounts the layer with the Go CLI, lets `edit` change its tree, unmounts it. */
export async function goEditLayer(roots: StoreRoots, id: string, edit: (root: string) => Promise<void>): Promise<void> {
  const root = (await goStorage(roots, ['mount', id])).stdout.toString().trim();
  try {
    await edit(root);
  } finally {
    await goStorage(roots, ['unmount', id]);
  }
}

/** Runs a shell script with `$R` set to `root`. */
export async function sh(root: string, script: string): Promise<void> {
  await run('sh', ['-euc', script], { env: { ...process.env, R: root } });
}

/** Sets an xattr on the path itself (python3's os.setxattr; no xattr tool is installed). */
export async function setXattr(file: string, name: string, valueHex: string): Promise<void> {
  await run('python3', ['-c', 'import os,sys; os.setxattr(sys.argv[1], sys.argv[2], bytes.fromhex(sys.argv[3]), follow_symlinks=False)', file, name, valueHex]);
}

/** A file capability (v2): cap_net_bind_service, effective. */
export const NET_BIND_CAPABILITY_HEX = '0100000200040000000000000000000000000000';

/** The change list as the Go CLI prints it: `Add "/path"` lines. */
export function formatChanges(changes: Change[]): string {
  const words = { [ChangeKind.Modify]: 'Modify', [ChangeKind.Add]: 'Add', [ChangeKind.Delete]: 'Delete' };
  return changes.map((c) => `${words[c.kind]} ${goQuote(c.path)}\n`).join('');
}

/** The Go CLI's `changes` output for `id` (against `from` when given). */
export async function goChangesText(roots: StoreRoots, id: string, from?: string): Promise<string> {
  return (await goStorage(roots, ['changes', id, ...(from ? [from] : [])])).stdout.toString();
}

export interface TarEntrySummary {
  name: string;
  type: string;
  /** The mode field as written, type bits included. */
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  xattrs: Record<string, string>;
  contentSha256: string;
}

/** Every entry of an uncompressed tar, PAX records applied, content digested. */
export function listTarEntries(tar: Buffer): TarEntrySummary[] {
  const entries: TarEntrySummary[] = [];
  let offset = 0;
  let pax = new Map<string, Buffer>();
  while (offset + 512 <= tar.length) {
    if (tar.subarray(offset, offset + 512).every((b) => b === 0)) break;
    const block = parseHeaderBlock(tar, offset);
    const dataStart = offset + 512;
    offset = dataStart + Math.ceil(block.size / 512) * 512;
    const data = tar.subarray(dataStart, dataStart + block.size);
    if (block.type === TarEntryType.PaxHeader) {
      pax = parsePaxRecords(data);
      continue;
    }
    const xattrs: Record<string, string> = {};
    for (const [key, value] of pax) if (key.startsWith('SCHILY.xattr.')) xattrs[key.slice(13)] = value.toString('hex');
    entries.push({
      name: pax.get('path')?.toString() ?? block.name,
      type: block.type,
      mode: block.mode,
      uid: block.uid,
      gid: block.gid,
      uname: block.uname,
      gname: block.gname,
      size: block.size,
      mtime: block.mtime,
      linkname: pax.get('linkpath')?.toString() ?? block.linkname,
      devmajor: block.devmajor,
      devminor: block.devminor,
      xattrs,
      contentSha256: createHash('sha256').update(data).digest('hex'),
    });
    pax = new Map();
  }
  return entries;
}

/** A temp store on `driver` holding the Go CLI's layer chain (buildGoLayerChain); the caller disposes `store`. */
export async function makeGoLayerChainStore(driver: 'overlay' | 'vfs', prefix: string): Promise<{ store: TempStore; roots: StoreRoots; ids: string[] }> {
  const store = await makeTempStore(prefix);
  const roots: StoreRoots = { graphRoot: store.graphRoot, runRoot: store.runRoot, driver };
  return { store, roots, ids: await buildGoLayerChain(roots) };
}

/**
 * Three layers edited through Go mounts, covering what changes and diffs must
 * get right: files, hard links, symlinks, fifos, devices, xattrs and a file
 * capability; deletions of files and directories, an opaque directory, a mode
 * change, a content change, an mtime-only change and untouched directories.
 * Returns the IDs bottom first.
 */
export async function buildGoLayerChain(roots: StoreRoots): Promise<string[]> {
  const base = await goCreateLayer(roots);
  await goEditLayer(roots, base, async (root) => {
    await sh(root, `
      mkdir -p $R/etc $R/d/sub $R/keep $R/opq/inner $R/deep/a/b $R/same
      echo hello > $R/etc/a; ln $R/etc/a $R/etc/hl; ln -s ../etc/a $R/d/ln; mkfifo $R/d/fifo
      echo x > $R/d/sub/f; echo keep > $R/keep/x; echo old > $R/opq/old; echo in > $R/opq/inner/f
      echo c > $R/deep/a/b/c; echo s > $R/same/s; mknod $R/d/null c 1 3; chown 1000:1001 $R/keep/x
      touch -d '2020-01-02 03:04:05.678' $R/deep/a/b/c`);
    await setXattr(`${root}/keep/x`, 'user.note', '6b656570');
  });
  const middle = await goCreateLayer(roots, base);
  await goEditLayer(roots, middle, async (root) => {
    await sh(root, `
      rm $R/etc/a; rm -rf $R/d/sub; mkdir $R/d/sub; echo y > $R/d/sub/g; chmod 700 $R/d
      echo new > $R/new; mkdir -p $R/wh/gone; echo z > $R/wh/gone/z`);
  });
  const top = await goCreateLayer(roots, middle);
  await goEditLayer(roots, top, async (root) => {
    await sh(root, `
      echo changed > $R/keep/x; touch -d '2020-01-02 03:04:05' $R/deep/a/b/c
      rm -rf $R/opq; mkdir $R/opq; echo fresh > $R/opq/fresh; rm -rf $R/wh/gone; rm $R/d/ln
      echo one > $R/h1; ln $R/h1 $R/h2; mkdir -p $R/brand/new/tree; echo t > $R/brand/new/tree/t
      ln -s /absolute/target $R/abs-link; head -c 70000 /dev/zero | tr '\\0' 'q' > $R/big
      mkdir -p $R/very/long/path/name/that/goes/past/one/hundred/bytes/for/the/ustar/name/field/to/need/a/prefix/split
      echo deep > $R/very/long/path/name/that/goes/past/one/hundred/bytes/for/the/ustar/name/field/to/need/a/prefix/split/file-with-a-long-name`);
    await setXattr(`${root}/new`, 'user.added', '01ff00');
    await sh(root, `cp /bin/true $R/captrue`);
    await setXattr(`${root}/captrue`, 'security.capability', NET_BIND_CAPABILITY_HEX);
  });
  return [base, middle, top];
}
