// What one open store is made of: its directories (created as v1.50 creates
// them), lock files, the graph driver and the three record stores.

import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { IdMappings } from '../idmap/index.js';
import { getLockFile, getROLockFile, type LockFile } from '../lock/index.js';
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
  /**
   * The images of each additional image store (the driver's, in order): read-only,
   * except the graph root's own when `imageStore` splits the store (Go: rwImageStores).
   */
  readonly roImages: ImageStore[];
  readonly containers: ContainerStore;
  /** `R/D-containers`: per-container run directories. */
  readonly containerRunDir: string;
  /** The layer store is made at first use (§1.2: `images`/`containers` never touch it). */
  layers(): LayerStore;
  /** The read-only layer stores of the additional image stores, made at first use. */
  roLayers(): LayerStore[];
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
  // A split store keeps images, layers and the driver home under its image store
  // root, and reads the graph root's as an additional image store (Go's load()).
  const imageRoot = options.imageStore ? resolve(options.imageStore) : graphRoot;
  let driverOptions = options.driverOptions ?? [];
  if (imageRoot !== graphRoot) {
    mkdirSync(join(imageRoot, d), { recursive: true, mode: 0o700 });
    driverOptions = [...driverOptions, `${d === 'vfs' ? 'vfs.' : ''}imagestore=${graphRoot}`];
  }
  const idMappings = options.uidMap?.length || options.gidMap?.length ? new IdMappings(options.uidMap, options.gidMap) : undefined;
  const driver = await createDriver(d, { graphRoot: imageRoot, runRoot, options: driverOptions, idMappings, disableIdmappedMounts: options.disableIdmappedMounts });

  const imagesDir = join(imageRoot, `${d}-images`);
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

  const roImages = driver.additionalImageStores.map((store) => {
    const dir = join(store, `${d}-images`);
    const writable = store === graphRoot && imageRoot !== graphRoot;
    if (writable) mkdirSync(dir, { recursive: true, mode: 0o700 });
    const lock = writable ? getLockFile(join(dir, 'images.lock')) : getROLockFile(join(dir, 'images.lock'));
    return new ImageStore({ lock, stablePath: join(dir, 'images.json') }, dir);
  });

  const mountsDir = join(runRoot, `${d}-layers`);
  const mountFiles = () => ({ lock: getLockFile(join(mountsDir, 'mountpoints.lock')), path: join(mountsDir, 'mountpoints.json') });
  let layerStore: LayerStore | undefined;
  const layers = (): LayerStore => {
    if (layerStore) return layerStore;
    const layersDir = join(imageRoot, `${d}-layers`);
    for (const dir of [layersDir, mountsDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
    removeStaleStages(driver.stagingHome);
    layerStore = new LayerStore(
      {
        lock: getLockFile(join(layersDir, 'layers.lock')),
        stablePath: join(layersDir, 'layers.json'),
        volatilePath: join(options.transientStore ? mountsDir : layersDir, 'volatile-layers.json'),
      },
      mountFiles(),
      driver,
      layersDir,
    );
    return layerStore;
  };
  // Go's newROLayerStore: the other store's layer records under a read-only
  // lock; mounts are counted in this store's run root.
  let roLayerStores: LayerStore[] | undefined;
  const roLayers = (): LayerStore[] => {
    roLayerStores ??= driver.additionalImageStores.map((store) => {
      const layersDir = join(store, `${d}-layers`);
      mkdirSync(mountsDir, { recursive: true, mode: 0o700 });
      return new LayerStore(
        { lock: getROLockFile(join(layersDir, 'layers.lock')), stablePath: join(layersDir, 'layers.json'), volatilePath: join(layersDir, 'volatile-layers.json') },
        mountFiles(),
        driver,
        layersDir,
      );
    });
    return roLayerStores;
  };

  return { options: options as StoreParts['options'], graphRoot, runRoot, driver, graphLock, images, roImages, containers, containerRunDir, layers, roLayers };
}
