// Go's ChownPathByMaps (drivers/chown_unix.go): every entry below a root (not
// the root itself) moves from one ID mapping to another, as a layer created
// with other mappings than its parent's gets its parent's files.

import { chmodSync, linkSync, lchownSync, lstatSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { IdMappingError, type IdMappings } from '../idmap/index.js';
import { fsPath, readdirEntriesSync } from '../util/index.js';
import { ArchiveError } from './errors.js';
import { xattrAddon } from './native.js';

const CAPABILITY_XATTR = 'security.capability';
const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const S_IFDIR = 0o040000;

/**
 * Each owner is read back to the container's ID through `from` (0:0 that
 * `from` lacks stays 0:0, as Go allows for a parent that should have been
 * mapped and was not), then to the host through `to` (an ID `to` lacks
 * becomes the overflow ID). File capabilities and set-ID bits, which chown
 * drops, are put back. A second name of an inode already moved becomes a
 * hard link to the first again: overlay's copy-up (index=off) gives each
 * name its own inode.
 */
export function chownTreeByMaps(root: string, from: IdMappings, to: IdMappings): void {
  const firstNameOfInode = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirEntriesSync(dir)) {
      const file = join(dir, entry.name);
      const st = lstatSync(fsPath(file), { bigint: true });
      const inode = `${st.dev}:${st.ino}`;
      const first = firstNameOfInode.get(inode);
      if (first !== undefined) {
        unlinkSync(fsPath(file));
        linkSync(fsPath(first), fsPath(file));
        continue;
      }
      firstNameOfInode.set(inode, file);
      chownEntry(file, Number(st.uid), Number(st.gid), Number(st.mode), from, to);
      if ((Number(st.mode) & S_IFMT) === S_IFDIR) visit(file);
    }
  };
  visit(root);
}

function chownEntry(file: string, uid: number, gid: number, mode: number, from: IdMappings, to: IdMappings): void {
  let owner = { uid, gid };
  if (!from.isIdentity) {
    try {
      owner = from.toContainer(owner);
    } catch (err) {
      if (!(err instanceof IdMappingError) || uid !== 0 || gid !== 0) throw unmapped(err, file);
    }
  }
  if (!to.isIdentity) owner = to.toHostOverflow(owner);
  if (owner.uid === uid && owner.gid === gid) return;
  const capability = xattrAddon.lgetxattr(fsPath(file), CAPABILITY_XATTR);
  lchownSync(fsPath(file), owner.uid, owner.gid);
  const isSymlink = (mode & S_IFMT) === S_IFLNK;
  if (!isSymlink && mode & 0o6000) chmodSync(fsPath(file), mode & 0o7777);
  if (capability) xattrAddon.lsetxattr(fsPath(file), CAPABILITY_XATTR, capability);
}

function unmapped(err: unknown, file: string): unknown {
  if (!(err instanceof IdMappingError)) return err;
  return new ArchiveError('id-unmapped', `mapping the owner of ${JSON.stringify(file)}: ${err.message}`, { file, id: err.id });
}
