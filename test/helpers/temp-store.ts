// Temporary store roots for tests and benchmarks: a graph root and a run root
// under one mkdtemp dir, and a disposal that unmounts whatever the Go tools,
// podman or Berth left mounted under it before removing the tree.

import { execFile } from 'node:child_process';
import { lstatSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface TempStore {
  /** The mkdtemp dir holding both roots (and anything else the test puts there). */
  dir: string;
  graphRoot: string;
  runRoot: string;
  /** Unmounts every mount under `dir`, deepest first, then removes `dir`. */
  dispose(): Promise<void>;
}

/** A store under a fresh mkdtemp dir in `parent` (default: the OS temp dir). */
export async function makeTempStore(prefix = 'berth-store-', parent = tmpdir()): Promise<TempStore> {
  const dir = await mkdtemp(join(parent, prefix));
  return {
    dir,
    graphRoot: join(dir, 'graph'),
    runRoot: join(dir, 'run'),
    dispose: () => removeTree(dir),
  };
}

/** Unmounts all mounts at or below `dir` and removes it. */
export async function removeTree(dir: string): Promise<void> {
  await unmountAllUnder(dir);
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * The Go overlay driver bind-mounts its home onto itself and leaves it mounted
 * when the CLI exits; container layers may still be mounted after a failed
 * test. A lazy unmount (MNT_DETACH) is what containers/storage itself uses.
 */
export async function unmountAllUnder(dir: string): Promise<void> {
  for (let round = 0; round < 5; round++) {
    const mounts = await mountPointsUnder(dir);
    if (mounts.length === 0) return;
    // Deepest first so that a bind mount of a parent does not hide a child mount.
    mounts.sort((a, b) => b.length - a.length);
    for (const target of mounts) {
      await run('umount', ['-l', target]).catch(() => undefined);
    }
  }
}

/** Mount points at or below `dir`, from /proc/self/mountinfo (field 5, octal-escaped). */
export async function mountPointsUnder(dir: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const found = new Set<string>();
  for (const line of info.split('\n')) {
    const field = line.split(' ')[4];
    if (field === undefined) continue;
    const target = field.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
    if (target === dir || target.startsWith(prefix)) found.add(target);
  }
  return [...found];
}

/** `uid:gid` of `path` (of a symlink itself with `noFollow`), for checking owners on disk. */
export function ownerOf(path: string, options: { noFollow?: boolean } = {}): string {
  const st = (options.noFollow ? lstatSync : statSync)(path);
  return `${st.uid}:${st.gid}`;
}
