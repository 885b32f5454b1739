// What one open store is made of: its directories (created as v1.50 creates
// them), lock files, the graph driver and the three record stores.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getLockFile, type LockFile } from '../lock/index.js';
import { ContainerStore } from './container-store.js';
import { createDriver, type Driver } from './drivers/index.js';
import { StorageError } from './errors.js';
import { ImageStore } from './image-store.js';
import { LayerStore } from './layer-store.js';
import { removeStaleStages } from './layer-staging.js';
import type { StoreOptions } from './types.js';

export interface StoreParts {
  readonly options: StoreOptions & { driverOptions: string[] };
  readonly graphRoot: string;
  readonly runRoot: string;
  readonly driver: Driver;
  /** `G/storage.lock`: held across mounts and shutdown, as Go holds it. */
  readonly graphLock: LockFile;
  readonly images: ImageStore;
  readonly containers: ContainerStore;
  /** `R/D-containers`: per-container run directories. */
  readonly containerRunDir: string;
  /** The layer store is made at first use (§1.2: `images`/`containers` never touch it). */
  layers(): LayerStore;
}

/**
 * §1.1: G and R (0700), storage.lock and userns.lock, the driver home (by
 * the driver), images.lock, containers.lock, R/D-containers, R/D-locks.
 * v1.50 makes no G/mounts or G/tmp.
 */
export async function openStoreParts(options: StoreOptions): Promise<StoreParts> {
  if (!options.graphRoot || !options.runRoot || !options.driverName) {
    throw new StorageError('incomplete-options', 'graphRoot, runRoot and driverName are required', { options });
  }
  const graphRoot = resolve(options.graphRoot);
  const runRoot = resolve(options.runRoot);
  options = { ...options, driverOptions: options.driverOptions ?? [] };
  const d = options.driverName;
  for (const dir of [graphRoot, runRoot]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const graphLock = getLockFile(join(graphRoot, 'storage.lock'));
  getLockFile(join(graphRoot, 'userns.lock'));
  const driver = await createDriver(d, { graphRoot, runRoot, options: options.driverOptions ?? [] });

  const imagesDir = join(graphRoot, `${d}-images`);
  mkdirSync(imagesDir, { recursive: true, mode: 0o700 });
  const images = new ImageStore({ lock: getLockFile(join(imagesDir, 'images.lock')), stablePath: join(imagesDir, 'images.json') }, imagesDir);

  // transient_store moves containers.lock and the volatile file to the run root.
  const containersDir = join(graphRoot, `${d}-containers`);
  const containerRunDir = join(runRoot, `${d}-containers`);
  const containersLockDir = options.transientStore ? containerRunDir : containersDir;
  for (const dir of [containersDir, containerRunDir, join(runRoot, `${d}-locks`)]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const containers = new ContainerStore(
    {
      lock: getLockFile(join(containersLockDir, 'containers.lock')),
      stablePath: join(containersDir, 'containers.json'),
      volatilePath: join(containersLockDir, 'volatile-containers.json'),
    },
    containersDir,
  );

  let layerStore: LayerStore | undefined;
  const layers = (): LayerStore => {
    if (layerStore) return layerStore;
    const layersDir = join(graphRoot, `${d}-layers`);
    const mountsDir = join(runRoot, `${d}-layers`);
    for (const dir of [layersDir, mountsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleStages(driver.stagingHome);
    layerStore = new LayerStore(
      {
        lock: getLockFile(join(layersDir, 'layers.lock')),
        stablePath: join(layersDir, 'layers.json'),
        volatilePath: join(options.transientStore ? mountsDir : layersDir, 'volatile-layers.json'),
      },
      { lock: getLockFile(join(mountsDir, 'mountpoints.lock')), path: join(mountsDir, 'mountpoints.json') },
      driver,
      layersDir,
    );
    return layerStore;
  };

  return { options: options as StoreParts['options'], graphRoot, runRoot, driver, graphLock, images, containers, containerRunDir, layers };
}
