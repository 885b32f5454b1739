// Sizes of layer contents as the Go drivers report them (DiffSize).

import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '../util/index.js';
import { ChangeKind, type Change } from './types.js';

/**
 * Go's archive.ChangesSize: the sizes of the added and modified non-directories
 * as found under `root`, each hard-linked inode counted once; entries gone
 * since the changes were listed are skipped.
 */
export async function changesSize(root: string, changes: Change[]): Promise<number> {
  const seenInodes = new Set<bigint>();
  let size = 0;
  for (const change of changes) {
    if (change.kind === ChangeKind.Delete) continue;
    let st;
    try {
      st = await lstat(path.join(root, change.path), { bigint: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) continue;
      throw err;
    }
    if (st.isDirectory()) continue;
    if (st.nlink > 1n) {
      if (seenInodes.has(st.ino)) continue;
      seenInodes.add(st.ino);
    }
    size += Number(st.size);
  }
  return size;
}

/**
 * Go's directory.Size: the sizes of every non-directory under `dir`, each inode
 * counted once (hard links), directories themselves not counted.
 */
export async function directorySize(dir: string): Promise<number> {
  const seenInodes = new Set<bigint>();
  let size = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let names: string[];
    try {
      names = await readdir(current);
    } catch (err) {
      // Like Go, an entry that vanished mid-walk is ignored, the top directory is not.
      if (current !== dir && isErrno(err, 'ENOENT')) continue;
      throw err;
    }
    const stats = await Promise.all(names.map((name) => lstat(path.join(current, name), { bigint: true }).catch((err: unknown) => {
      if (isErrno(err, 'ENOENT')) return null;
      throw err;
    })));
    for (let i = 0; i < names.length; i++) {
      const st = stats[i];
      if (st === null || st === undefined || seenInodes.has(st.ino)) continue;
      seenInodes.add(st.ino);
      if (st.isDirectory()) pending.push(path.join(current, names[i]!));
      else size += Number(st.size);
    }
  }
  return size;
}
