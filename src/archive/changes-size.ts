// Sizes of layer contents as the Go drivers report them (DiffSize).

import { join } from 'node:path';
import { readdirNamesSync } from '../util/index.js';
import { ChangeKind, type Change } from './types.js';
import { statIfExists, WalkPacer } from './changes-fs.js';

/**
 * Go's archive.ChangesSize: the sizes of the added and modified non-directories
 * as found under `root`, each hard-linked inode counted once; entries gone
 * since the changes were listed are skipped.
 */
export async function changesSize(root: string, changes: Change[]): Promise<number> {
  const seenInodes = new Set<bigint>();
  const pacer = new WalkPacer();
  let size = 0;
  for (const change of changes) {
    if (change.kind === ChangeKind.Delete) continue;
    await pacer.tick();
    const st = statIfExists(join(root, change.path), false);
    if (st === null || st.isDirectory()) continue;
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
 * counted once (hard links), directories themselves not counted. Entries that
 * vanish mid-walk are ignored, the top directory missing is an error.
 */
export async function directorySize(dir: string): Promise<number> {
  const seenInodes = new Set<bigint>();
  const pacer = new WalkPacer();
  let size = 0;
  const pending = [dir];
  while (pending.length > 0) {
    const current = pending.pop()!;
    let names: string[];
    try {
      names = readdirNamesSync(current);
    } catch (err) {
      if (current !== dir && (err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    for (const name of names) {
      await pacer.tick();
      const st = statIfExists(join(current, name), false);
      if (st === null || seenInodes.has(st.ino)) continue;
      seenInodes.add(st.ino);
      if (st.isDirectory()) pending.push(join(current, name));
      else size += Number(st.size);
    }
  }
  return size;
}
