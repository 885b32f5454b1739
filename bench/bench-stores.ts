// Stores for the benchmarks: named roots under one work dir, a template store
// holding one image (busybox layer) made with the Berth library, a cached store
// with thousands of containers, and copies so every contender starts from the
// same bytes.

import { execFile } from 'node:child_process';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { openTestStore } from '../test/helpers/berth.js';
import type { StoreRoots } from '../test/helpers/go-cli.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../test/helpers/rootfs.js';
import { removeTree, unmountAllUnder } from '../test/helpers/temp-store.js';
import { BENCH_CACHE_DIR } from './cache-dir.js';

const run = promisify(execFile);

export const BENCH_IMAGE = 'localhost/bench/busybox:latest';
const CACHE_VERSION = 1;

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
    const { layer } = await store.putLayer(Readable.from([tar]));
    await store.createImage({ names: [BENCH_IMAGE], layer: layer.id });
  } finally {
    await store.close();
  }
  return roots;
}

/**
 * Copies a (closed) store to `workDir/name`, mounts excluded, and syncs: the
 * contenders then start equal, and the copy's writeback (the 10,000-container
 * store is ~10,000 layer dirs) is not billed to whoever runs right after it.
 */
export async function copyStore(from: StoreRoots & { dir: string }, workDir: string, name: string): Promise<StoreRoots & { dir: string }> {
  // A driver may leave its home bind-mounted onto itself; copy the plain tree.
  await unmountAllUnder(from.dir);
  const roots = storeRoots(workDir, name);
  await run('cp', ['-a', from.dir, roots.dir]);
  await run('sync');
  return roots;
}

/**
 * A store holding BENCH_IMAGE and `count` containers made through the library,
 * cached in BENCH_CACHE_DIR across runs: filling it takes minutes. It is plain
 * containers/storage data, valid whatever version of Berth wrote it; remove
 * the dir (or bump CACHE_VERSION) to make it again. A cache that lost its
 * image or container records is made again. Returns the roots and whether the
 * cache was hit.
 */
export async function cachedContainerStore(workDir: string, count: number): Promise<{ roots: StoreRoots & { dir: string }; cached: boolean; fillMs: number }> {
  const cacheParent = join(BENCH_CACHE_DIR, 'stores');
  const name = `containers-${count}-v${CACHE_VERSION}`;
  const roots = storeRoots(cacheParent, name);
  const intact = await Promise.all([
    join(cacheParent, `${name}.complete`),
    join(roots.graphRoot, 'overlay-images', 'images.json'),
    join(roots.graphRoot, 'overlay-containers', 'containers.json'),
  ].map((file) => access(file).then(() => true, () => false)));
  if (intact.every(Boolean)) return { roots, cached: true, fillMs: 0 };

  await removeTree(cacheParent);
  await mkdir(cacheParent, { recursive: true });
  const template = await makeImageStore(workDir, 'fill-template');
  await copyStore(template, cacheParent, name);
  const start = Date.now();
  const store = await openTestStore(roots);
  try {
    for (let i = 0; i < count; i++) {
      await store.createContainer({ names: [`fill-${i}`], image: BENCH_IMAGE });
      if ((i + 1) % 1000 === 0) process.stderr.write(`  filled ${i + 1}/${count} containers in ${((Date.now() - start) / 1000).toFixed(0)} s\n`);
    }
  } finally {
    await store.close();
  }
  await unmountAllUnder(roots.dir);
  await writeFile(join(cacheParent, `${name}.complete`), '');
  return { roots, cached: false, fillMs: Date.now() - start };
}
