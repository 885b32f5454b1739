// Root filesystems for test images, built from what is on this machine: the
// static busybox binary (package busybox-static) is enough to run a container.

import { copyFile, mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { runToolOk } from './run-tool.js';

export const BUSYBOX = '/bin/busybox';

/** A rootfs at `dir` with /bin/busybox, an `sh` link and the dirs podman mounts over. */
export async function makeBusyboxRootfs(dir: string): Promise<void> {
  for (const sub of ['bin', 'etc', 'tmp', 'proc', 'sys', 'dev']) await mkdir(join(dir, sub), { recursive: true });
  await copyFile(BUSYBOX, join(dir, 'bin', 'busybox'));
  await symlink('busybox', join(dir, 'bin', 'sh'));
}

/** An uncompressed PAX tar of `dir`'s contents (`./…` names), sorted and with fixed owners. */
export async function tarOfDirectory(dir: string): Promise<Buffer> {
  const { stdout } = await runToolOk('tar', ['--format=pax', '--sort=name', '--numeric-owner', '--owner=0', '--group=0', '-C', dir, '-cf', '-', '.']);
  return stdout;
}
