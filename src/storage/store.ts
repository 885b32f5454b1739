// openStore and the Store: one object per open store whose methods take the
// locks in Go's order (storage → layers → images → containers) and delegate
// to the operation files beside it.

import type { Readable } from 'node:stream';
import type { Change } from '../archive/index.js';
import type { DriverName } from './drivers/index.js';
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

/**
 * The operation files load at their first use: a CLI command needs one or
 * two of them, and each module loaded costs start-up time (issue 2's CLI
 * fixed cost). A promise per file, so later calls do not resolve it again.
 */
const layersOps = lazily(() => import('./store-layers.js'));
const imagesOps = lazily(() => import('./store-images.js'));
const containersOps = lazily(() => import('./store-containers.js'));
const namesOps = lazily(() => import('./store-names.js'));
const mountOps = lazily(() => import('./store-mount.js'));
// These four also load archive/ and its compressors.
const diffOps = lazily(() => import('./store-diff.js'));
const checkOps = lazily(() => import('./check.js'));
const repairOps = lazily(() => import('./repair.js'));
const gcOps = lazily(() => import('./gc.js'));

/**
 * Every Store call passes through one of these loaders, so it is also where a
 * call yields to the event loop once: the record saves and overlay create and
 * remove use sync fs calls (measured faster), and without a yield a caller
 * that loops store calls back to back starves timers and I/O callbacks (a
 * 10 ms interval fired 0 times in 241 creates).
 */
function lazily<T>(load: () => Promise<T>): () => Promise<T> {
  let loading: Promise<T> | undefined;
  return async () => {
    await new Promise<void>((resolve) => setImmediate(resolve));
    return (loading ??= load());
  };
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
    return (await (await layersOps()).putLayer(this.parts, id, parent, names, mountLabel, options)).layer;
  }
  async putLayer(id: string | undefined, parent: string | undefined, names: string[], mountLabel: string, _writeable: boolean, options: LayerOptions | undefined, diffStream: Readable | undefined): Promise<{ layer: Layer; size: number }> {
    return (await layersOps()).putLayer(this.parts, id, parent, names, mountLabel, options, diffStream);
  }
  async createImage(id: string | undefined, names: string[], layer: string | undefined, metadata: string, options?: ImageOptions): Promise<Image> {
    return (await imagesOps()).createImage(this.parts, id, names, layer, metadata, options);
  }
  async createContainer(id: string | undefined, names: string[], image: string | undefined, layer: string | undefined, metadata: string, options?: ContainerOptions): Promise<Container> {
    return (await containersOps()).createContainer(this.parts, id, names, image, layer, metadata, options);
  }

  // Any kind of record
  async metadata(id: string): Promise<string> {
    return (await namesOps()).metadata(this.parts, id);
  }
  async setMetadata(id: string, metadata: string): Promise<void> {
    return (await namesOps()).setMetadata(this.parts, id, metadata);
  }
  async exists(id: string): Promise<boolean> {
    return (await namesOps()).exists(this.parts, id);
  }
  async lookup(name: string): Promise<string> {
    return (await namesOps()).lookup(this.parts, name);
  }
  async names(id: string): Promise<string[]> {
    return (await namesOps()).names(this.parts, id);
  }
  async setNames(id: string, names: string[]): Promise<void> {
    return (await namesOps()).updateNames(this.parts, id, names, 'set');
  }
  async addNames(id: string, names: string[]): Promise<void> {
    return (await namesOps()).updateNames(this.parts, id, names, 'add');
  }
  async removeNames(id: string, names: string[]): Promise<void> {
    return (await namesOps()).updateNames(this.parts, id, names, 'remove');
  }
  async delete(id: string): Promise<void> {
    return (await namesOps()).deleteAny(this.parts, id);
  }
  async wipe(): Promise<void> {
    return (await namesOps()).wipe(this.parts);
  }

  // Deletion
  async deleteLayer(id: string): Promise<void> {
    return (await layersOps()).deleteLayer(this.parts, id);
  }
  async deleteImage(id: string, commit: boolean): Promise<string[]> {
    return (await imagesOps()).deleteImage(this.parts, id, commit);
  }
  async deleteContainer(id: string): Promise<void> {
    return (await containersOps()).deleteContainer(this.parts, id);
  }

  // Mounts
  async mountImage(id: string, mountOptions: string[], mountLabel: string): Promise<string> {
    return (await mountOps()).mountImage(this.parts, id, mountOptions, mountLabel);
  }
  async unmountImage(id: string, force: boolean): Promise<boolean> {
    return (await mountOps()).unmountImage(this.parts, id, force);
  }
  async mount(id: string, mountLabel: string): Promise<string> {
    return (await mountOps()).mount(this.parts, id, mountLabel);
  }
  async unmount(id: string, force: boolean): Promise<boolean> {
    return (await mountOps()).unmount(this.parts, id, force);
  }
  async mounted(id: string): Promise<number> {
    return (await mountOps()).mounted(this.parts, id);
  }
  async shutdown(force: boolean): Promise<string[]> {
    return (await mountOps()).shutdown(this.parts, force);
  }

  // Layer contents
  async changes(from: string | undefined, to: string): Promise<Change[]> {
    return (await diffOps()).changes(this.parts, from, to);
  }
  async diffSize(from: string | undefined, to: string): Promise<number> {
    return (await diffOps()).diffSize(this.parts, from, to);
  }
  async diff(from: string | undefined, to: string, options?: DiffOptions): Promise<Readable> {
    return (await diffOps()).diff(this.parts, from, to, options);
  }
  async applyDiff(to: string, diffStream: Readable): Promise<number> {
    return (await layersOps()).applyDiff(this.parts, to, diffStream);
  }

  // Layers
  async layersByCompressedDigest(digest: string): Promise<Layer[]> {
    return (await layersOps()).layersByDigest(this.parts, digest, 'compressed');
  }
  async layersByUncompressedDigest(digest: string): Promise<Layer[]> {
    return (await layersOps()).layersByDigest(this.parts, digest, 'uncompressed');
  }
  async layerSize(id: string): Promise<number> {
    return (await layersOps()).layerSize(this.parts, id);
  }
  async layerParentOwners(id: string): Promise<{ uids: number[]; gids: number[] }> {
    return (await layersOps()).layerParentOwners(this.parts, id);
  }
  async layers(): Promise<Layer[]> {
    return (await layersOps()).listLayers(this.parts);
  }
  async layer(id: string): Promise<Layer> {
    return (await layersOps()).getLayer(this.parts, id);
  }
  async listLayerBigData(id: string): Promise<string[]> {
    return (await layersOps()).listLayerBigData(this.parts, id);
  }
  async layerBigData(id: string, key: string): Promise<Readable> {
    return (await layersOps()).layerBigData(this.parts, id, key);
  }
  async setLayerBigData(id: string, key: string, data: Readable | Buffer): Promise<void> {
    return (await layersOps()).setLayerBigData(this.parts, id, key, data);
  }

  // Images
  async images(): Promise<Image[]> {
    return (await imagesOps()).listImages(this.parts);
  }
  async image(id: string): Promise<Image> {
    return (await imagesOps()).getImage(this.parts, id);
  }
  async imagesByTopLayer(id: string): Promise<Image[]> {
    return (await imagesOps()).imagesByTopLayer(this.parts, id);
  }
  async imagesByDigest(digest: string): Promise<Image[]> {
    return (await imagesOps()).imagesByDigest(this.parts, digest);
  }
  async listImageBigData(id: string): Promise<string[]> {
    return (await imagesOps()).listImageBigData(this.parts, id);
  }
  async imageBigData(id: string, key: string): Promise<Buffer> {
    return (await imagesOps()).imageBigData(this.parts, id, key);
  }
  async imageBigDataSize(id: string, key: string): Promise<number> {
    return (await (await imagesOps()).imageBigDataInfo(this.parts, id, key, 'size')) as number;
  }
  async imageBigDataDigest(id: string, key: string): Promise<string> {
    return (await (await imagesOps()).imageBigDataInfo(this.parts, id, key, 'digest')) as string;
  }
  async setImageBigData(id: string, key: string, data: Buffer, digestManifest?: (data: Buffer) => string): Promise<void> {
    return (await imagesOps()).setImageBigData(this.parts, id, key, data, digestManifest);
  }
  async imageSize(id: string): Promise<number> {
    return (await imagesOps()).imageSize(this.parts, id);
  }

  // Containers
  async containers(): Promise<Container[]> {
    return (await containersOps()).listContainers(this.parts);
  }
  async container(id: string): Promise<Container> {
    return (await containersOps()).getContainer(this.parts, id);
  }
  async containerByLayer(id: string): Promise<Container> {
    return (await containersOps()).containerByLayer(this.parts, id);
  }
  async listContainerBigData(id: string): Promise<string[]> {
    return (await containersOps()).listContainerBigData(this.parts, id);
  }
  async containerBigData(id: string, key: string): Promise<Buffer> {
    return (await containersOps()).containerBigData(this.parts, id, key);
  }
  async containerBigDataSize(id: string, key: string): Promise<number> {
    return (await (await containersOps()).containerBigDataInfo(this.parts, id, key, 'size')) as number;
  }
  async containerBigDataDigest(id: string, key: string): Promise<string> {
    return (await (await containersOps()).containerBigDataInfo(this.parts, id, key, 'digest')) as string;
  }
  async setContainerBigData(id: string, key: string, data: Buffer): Promise<void> {
    return (await containersOps()).setContainerBigData(this.parts, id, key, data);
  }
  async containerSize(id: string): Promise<number> {
    return (await containersOps()).containerSize(this.parts, id);
  }
  async containerDirectory(id: string): Promise<string> {
    return (await containersOps()).containerDirectory(this.parts, id, 'graph');
  }
  async setContainerDirectoryFile(id: string, file: string, data: Buffer): Promise<void> {
    return (await containersOps()).setContainerDirectoryFile(this.parts, id, 'graph', file, data);
  }
  async fromContainerDirectory(id: string, file: string): Promise<Buffer> {
    return (await containersOps()).fromContainerDirectory(this.parts, id, 'graph', file);
  }
  async containerRunDirectory(id: string): Promise<string> {
    return (await containersOps()).containerDirectory(this.parts, id, 'run');
  }
  async setContainerRunDirectoryFile(id: string, file: string, data: Buffer): Promise<void> {
    return (await containersOps()).setContainerDirectoryFile(this.parts, id, 'run', file, data);
  }
  async fromContainerRunDirectory(id: string, file: string): Promise<Buffer> {
    return (await containersOps()).fromContainerDirectory(this.parts, id, 'run', file);
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
    return (await gcOps()).garbageCollect(this.parts);
  }
  async check(options?: CheckOptions): Promise<CheckReport> {
    return (await checkOps()).check(this.parts, options);
  }
  async repair(report: CheckReport, options?: RepairOptions): Promise<Error[]> {
    return (await repairOps()).repair(this.parts, report, options);
  }
  /** Lock files stay open for the process (closing an fd would drop other holders' locks). */
  async close(): Promise<void> {}
}
