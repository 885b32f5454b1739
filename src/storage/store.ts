// openStore and the Store: one object per open store whose methods take the
// locks in Go's order (storage → layers → images → containers) and delegate
// to the operation files beside it.

import type { Readable } from 'node:stream';
import type { Change } from '../archive/index.js';
import type { DriverName } from './drivers/index.js';
import * as containersOps from './store-containers.js';
import * as imagesOps from './store-images.js';
import * as layersOps from './store-layers.js';
import { mount, mounted, mountImage, shutdown, unmount, unmountImage } from './store-mount.js';
import * as namesOps from './store-names.js';
import { openStoreParts, type StoreParts } from './store-parts.js';
import type {
  CheckOptions, CheckReport, Container, ContainerOptions, DiffOptions, Image, ImageOptions, Layer, LayerOptions,
  RepairOptions, Store, StoreOptions,
} from './types.js';

/**
 * Opens (creating if needed) the store at `options.graphRoot`/`runRoot` with
 * the named driver. Records load lazily, under their locks, at first use.
 */
export async function openStore(options: StoreOptions): Promise<Store> {
  return new BerthStore(await openStoreParts(options));
}

class BerthStore implements Store {
  constructor(private readonly parts: StoreParts) {}

  get runRoot(): string {
    return this.parts.runRoot;
  }
  get graphRoot(): string {
    return this.parts.graphRoot;
  }
  get graphDriverName(): DriverName {
    return this.parts.options.driverName;
  }
  get graphOptions(): string[] {
    return [...this.parts.options.driverOptions];
  }

  // Creation
  async createLayer(id: string | undefined, parent: string | undefined, names: string[], mountLabel: string, _writeable: boolean, options?: LayerOptions): Promise<Layer> {
    return (await layersOps.putLayer(this.parts, id, parent, names, mountLabel, options)).layer;
  }
  putLayer(id: string | undefined, parent: string | undefined, names: string[], mountLabel: string, _writeable: boolean, options: LayerOptions | undefined, diffStream: Readable | undefined): Promise<{ layer: Layer; size: number }> {
    return layersOps.putLayer(this.parts, id, parent, names, mountLabel, options, diffStream);
  }
  createImage(id: string | undefined, names: string[], layer: string | undefined, metadata: string, options?: ImageOptions): Promise<Image> {
    return imagesOps.createImage(this.parts, id, names, layer, metadata, options);
  }
  createContainer(id: string | undefined, names: string[], image: string | undefined, layer: string | undefined, metadata: string, options?: ContainerOptions): Promise<Container> {
    return containersOps.createContainer(this.parts, id, names, image, layer, metadata, options);
  }

  // Any kind of record
  metadata(id: string): Promise<string> {
    return namesOps.metadata(this.parts, id);
  }
  setMetadata(id: string, metadata: string): Promise<void> {
    return namesOps.setMetadata(this.parts, id, metadata);
  }
  exists(id: string): Promise<boolean> {
    return namesOps.exists(this.parts, id);
  }
  lookup(name: string): Promise<string> {
    return namesOps.lookup(this.parts, name);
  }
  names(id: string): Promise<string[]> {
    return namesOps.names(this.parts, id);
  }
  setNames(id: string, names: string[]): Promise<void> {
    return namesOps.updateNames(this.parts, id, names, 'set');
  }
  addNames(id: string, names: string[]): Promise<void> {
    return namesOps.updateNames(this.parts, id, names, 'add');
  }
  removeNames(id: string, names: string[]): Promise<void> {
    return namesOps.updateNames(this.parts, id, names, 'remove');
  }
  delete(id: string): Promise<void> {
    return namesOps.deleteAny(this.parts, id);
  }
  wipe(): Promise<void> {
    return namesOps.wipe(this.parts);
  }

  // Deletion
  deleteLayer(id: string): Promise<void> {
    return layersOps.deleteLayer(this.parts, id);
  }
  deleteImage(id: string, commit: boolean): Promise<string[]> {
    return imagesOps.deleteImage(this.parts, id, commit);
  }
  deleteContainer(id: string): Promise<void> {
    return containersOps.deleteContainer(this.parts, id);
  }

  // Mounts
  mountImage(id: string, mountOptions: string[], mountLabel: string): Promise<string> {
    return mountImage(this.parts, id, mountOptions, mountLabel);
  }
  unmountImage(id: string, force: boolean): Promise<boolean> {
    return unmountImage(this.parts, id, force);
  }
  mount(id: string, mountLabel: string): Promise<string> {
    return mount(this.parts, id, mountLabel);
  }
  unmount(id: string, force: boolean): Promise<boolean> {
    return unmount(this.parts, id, force);
  }
  mounted(id: string): Promise<number> {
    return mounted(this.parts, id);
  }
  shutdown(force: boolean): Promise<string[]> {
    return shutdown(this.parts, force);
  }

  // Layer contents (store-diff, check and repair load archive/ and its
  // compressors; they are imported at first use so that opening a store for
  // any other verb does not pay for them)
  async changes(from: string | undefined, to: string): Promise<Change[]> {
    return (await import('./store-diff.js')).changes(this.parts, from, to);
  }
  async diffSize(from: string | undefined, to: string): Promise<number> {
    return (await import('./store-diff.js')).diffSize(this.parts, from, to);
  }
  async diff(from: string | undefined, to: string, options?: DiffOptions): Promise<Readable> {
    return (await import('./store-diff.js')).diff(this.parts, from, to, options);
  }
  applyDiff(to: string, diffStream: Readable): Promise<number> {
    return layersOps.applyDiff(this.parts, to, diffStream);
  }

  // Layers
  layersByCompressedDigest(digest: string): Promise<Layer[]> {
    return layersOps.layersByDigest(this.parts, digest, 'compressed');
  }
  layersByUncompressedDigest(digest: string): Promise<Layer[]> {
    return layersOps.layersByDigest(this.parts, digest, 'uncompressed');
  }
  layerSize(id: string): Promise<number> {
    return layersOps.layerSize(this.parts, id);
  }
  layerParentOwners(id: string): Promise<{ uids: number[]; gids: number[] }> {
    return layersOps.layerParentOwners(this.parts, id);
  }
  layers(): Promise<Layer[]> {
    return layersOps.listLayers(this.parts);
  }
  layer(id: string): Promise<Layer> {
    return layersOps.getLayer(this.parts, id);
  }
  listLayerBigData(id: string): Promise<string[]> {
    return layersOps.listLayerBigData(this.parts, id);
  }
  layerBigData(id: string, key: string): Promise<Readable> {
    return layersOps.layerBigData(this.parts, id, key);
  }
  setLayerBigData(id: string, key: string, data: Readable | Buffer): Promise<void> {
    return layersOps.setLayerBigData(this.parts, id, key, data);
  }

  // Images
  images(): Promise<Image[]> {
    return imagesOps.listImages(this.parts);
  }
  image(id: string): Promise<Image> {
    return imagesOps.getImage(this.parts, id);
  }
  imagesByTopLayer(id: string): Promise<Image[]> {
    return imagesOps.imagesByTopLayer(this.parts, id);
  }
  imagesByDigest(digest: string): Promise<Image[]> {
    return imagesOps.imagesByDigest(this.parts, digest);
  }
  listImageBigData(id: string): Promise<string[]> {
    return imagesOps.listImageBigData(this.parts, id);
  }
  imageBigData(id: string, key: string): Promise<Buffer> {
    return imagesOps.imageBigData(this.parts, id, key);
  }
  async imageBigDataSize(id: string, key: string): Promise<number> {
    return (await imagesOps.imageBigDataInfo(this.parts, id, key, 'size')) as number;
  }
  async imageBigDataDigest(id: string, key: string): Promise<string> {
    return (await imagesOps.imageBigDataInfo(this.parts, id, key, 'digest')) as string;
  }
  setImageBigData(id: string, key: string, data: Buffer, digestManifest?: (data: Buffer) => string): Promise<void> {
    return imagesOps.setImageBigData(this.parts, id, key, data, digestManifest);
  }
  imageSize(id: string): Promise<number> {
    return imagesOps.imageSize(this.parts, id);
  }

  // Containers
  containers(): Promise<Container[]> {
    return containersOps.listContainers(this.parts);
  }
  container(id: string): Promise<Container> {
    return containersOps.getContainer(this.parts, id);
  }
  containerByLayer(id: string): Promise<Container> {
    return containersOps.containerByLayer(this.parts, id);
  }
  listContainerBigData(id: string): Promise<string[]> {
    return containersOps.listContainerBigData(this.parts, id);
  }
  containerBigData(id: string, key: string): Promise<Buffer> {
    return containersOps.containerBigData(this.parts, id, key);
  }
  async containerBigDataSize(id: string, key: string): Promise<number> {
    return (await containersOps.containerBigDataInfo(this.parts, id, key, 'size')) as number;
  }
  async containerBigDataDigest(id: string, key: string): Promise<string> {
    return (await containersOps.containerBigDataInfo(this.parts, id, key, 'digest')) as string;
  }
  setContainerBigData(id: string, key: string, data: Buffer): Promise<void> {
    return containersOps.setContainerBigData(this.parts, id, key, data);
  }
  containerSize(id: string): Promise<number> {
    return containersOps.containerSize(this.parts, id);
  }
  containerDirectory(id: string): Promise<string> {
    return containersOps.containerDirectory(this.parts, id, 'graph');
  }
  setContainerDirectoryFile(id: string, file: string, data: Buffer): Promise<void> {
    return containersOps.setContainerDirectoryFile(this.parts, id, 'graph', file, data);
  }
  fromContainerDirectory(id: string, file: string): Promise<Buffer> {
    return containersOps.fromContainerDirectory(this.parts, id, 'graph', file);
  }
  containerRunDirectory(id: string): Promise<string> {
    return containersOps.containerDirectory(this.parts, id, 'run');
  }
  setContainerRunDirectoryFile(id: string, file: string, data: Buffer): Promise<void> {
    return containersOps.setContainerDirectoryFile(this.parts, id, 'run', file, data);
  }
  fromContainerRunDirectory(id: string, file: string): Promise<Buffer> {
    return containersOps.fromContainerDirectory(this.parts, id, 'run', file);
  }

  // Whole store
  status(): Promise<Array<[string, string]>> {
    return this.parts.driver.status();
  }
  /** Go's Store.Version returns no pairs; the CLI prints its own version lines. */
  async version(): Promise<Array<[string, string]>> {
    return [];
  }
  async garbageCollect(): Promise<void> {
    return (await import('./gc.js')).garbageCollect(this.parts);
  }
  async check(options?: CheckOptions): Promise<CheckReport> {
    return (await import('./check.js')).check(this.parts, options);
  }
  async repair(report: CheckReport, options?: RepairOptions): Promise<Error[]> {
    return (await import('./repair.js')).repair(this.parts, report, options);
  }
  /** Lock files stay open for the process (closing an fd would drop other holders' locks). */
  async close(): Promise<void> {}
}
