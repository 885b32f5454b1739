// The backing filesystem's name as Go's drivers print it (`Backing Filesystem: extfs`).

import { statfsSync } from 'node:fs';

/** Go's graphdriver.FsNames, by statfs f_type. */
const FS_NAMES: ReadonlyMap<number, string> = new Map([
  [0x61756673, 'aufs'], [0x9123683e, 'btrfs'], [0x28cd3d45, 'cramfs'], [0xf15f, 'ecryptfs'],
  [0xef53, 'extfs'], [0xf2f52010, 'f2fs'], [0x47504653, 'gpfs'], [0x72b6, 'jffs2'],
  [0x3153464a, 'jfs'], [0x6969, 'nfs'], [0x794c7630, 'overlayfs'], [0x858458f6, 'ramfs'],
  [0x52654973, 'reiserfs'], [0x517b, 'smb'], [0x73717368, 'squashfs'], [0x01021994, 'tmpfs'],
  [0xa501fcf5, 'vxfs'], [0x58465342, 'xfs'], [0x2fc12fc1, 'zfs'],
]);

export interface BackingFs {
  magic: number;
  /** Go's name, or `<unknown>` like Go when the magic is not in its table. */
  name: string;
}

/** Synchronous: one syscall at driver start-up (see OverlayDriver.init). */
export function backingFsOf(dir: string): BackingFs {
  const magic = statfsSync(dir).type;
  return { magic, name: FS_NAMES.get(magic) ?? '<unknown>' };
}
