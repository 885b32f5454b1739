// Stores for the benchmarks: named roots under one work dir, a template store
// holding one image (busybox layer) made with the Berth library, and copies of
// it so that every contender starts from the same bytes.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { openTestStore } from '../test/helpers/berth.js';
import type { StoreRoots } from '../test/helpers/go-cli.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../test/helpers/rootfs.js';
import { unmountAllUnder } from '../test/helpers/temp-store.js';

const run = promisify(execFile);

export const BENCH_IMAGE = 'localhost/bench/busybox:latest';

export function storeRoots(workDir: string, name: string): StoreRoots & { dir: string } {
  const dir = join(workDir, name);
  return { dir, graphRoot: join(dir, 'graph'), runRoot: join(dir, 'run') };
}

/** A store at `workDir/name` with one busybox layer and the image BENCH_IMAGE on it. */
export async function makeImageStore(workDir: string, name: string): Promise<StoreRoots & { dir: string }> {
  const roots = storeRoots(workDir, name);
  await makeBusyboxRootfs(join(workDir, `${name}-rootfs`));
  const tar = await tarOfDirectory(join(workDir, `${name}-rootfs`));
  const store = await openTestStore(roots);
  try {
    const { layer } = await store.putLayer(undefined, undefined, [], '', false, undefined, Readable.from([tar]));
    await store.createImage(undefined, [BENCH_IMAGE], layer.id, '');
  } finally {
    await store.close();
  }
  return roots;
}

/** Copies a (closed) store to `workDir/name`, mounts excluded: the contenders then start equal. */
export async function copyStore(from: StoreRoots & { dir: string }, workDir: string, name: string): Promise<StoreRoots & { dir: string }> {
  // A driver may leave its home bind-mounted onto itself; copy the plain tree.
  await unmountAllUnder(from.dir);
  const roots = storeRoots(workDir, name);
  await run('cp', ['-a', from.dir, roots.dir]);
  return roots;
}
