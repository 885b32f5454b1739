// openStore and the Store: one object per open store whose methods take the
// locks in Go's order (storage → layers → images → containers) and delegate
// to the operation files beside it.

import type { Readable } from 'node:stream';
import type { Change } from '../archive/index.js';
import type { DriverName } from './drivers/index.js';
import { openStoreParts, type StoreParts } from './store-parts.js';
import { withCallSignal } from './call-signal.js';
import { withDiffStream } from './diff-input.js';
import type {
  CallOptions, CheckOptions, CreateStorageLayerOptions, CheckReport, Container, CreateContainerOptions, CreateImageOptions, CreateLayerOptions,
  DeleteImageOptions, DiffOptions, Image, Layer, LayerDiff, LayerDiffOptions, MountImageOptions, MountOptions, PutLayerOptions,
  RepairOptions, SetImageBigDataOptions, StagedLayer, StageLayerOptions, Store, StoreOptions, UnmountOptions,
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
const stagingOps = lazily(() => import('./layer-staging.js'));
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

/**
 * Each method runs its operation with the caller's signal as the call's
 * signal (call-signal.ts), so every lock wait inside it can be given up.
 */
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
  async createLayer(options: CreateLayerOptions = {}): Promise<Layer> {
    return withCallSignal(options.signal, async () => (await (await layersOps()).putLayer(this.parts, options)).layer);
  }
  async putLayer(diff: LayerDiff | undefined, options: PutLayerOptions = {}): Promise<{ layer: Layer; size: number }> {
    return withCallSignal(options.signal, async () => withDiffStream(diff, async (stream) => (await layersOps()).putLayer(this.parts, options, stream)));
  }
  async stageLayer(diff: LayerDiff, options: StageLayerOptions = {}): Promise<StagedLayer> {
    return withCallSignal(options.signal, async () => withDiffStream(diff, async (stream) => (await stagingOps()).stageLayer(this.parts.driver, stream, options)));
  }
  async discardStagedLayer(staged: StagedLayer, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await stagingOps()).discardStagedLayer(this.parts.driver, staged));
  }
  async createImage(options: CreateImageOptions = {}): Promise<Image> {
    return withCallSignal(options.signal, async () => (await imagesOps()).createImage(this.parts, options));
  }
  async createContainer(options: CreateContainerOptions = {}): Promise<Container> {
    return withCallSignal(options.signal, async () => (await containersOps()).createContainer(this.parts, options));
  }

  // Any kind of record
  async metadata(id: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await namesOps()).metadata(this.parts, id));
  }
  async setMetadata(id: string, metadata: string, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).setMetadata(this.parts, id, metadata));
  }
  async exists(id: string, options?: CallOptions): Promise<boolean> {
    return withCallSignal(options?.signal, async () => (await namesOps()).exists(this.parts, id));
  }
  async lookup(name: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await namesOps()).lookup(this.parts, name));
  }
  async names(id: string, options?: CallOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await namesOps()).names(this.parts, id));
  }
  async setNames(id: string, names: string[], options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).updateNames(this.parts, id, names, 'set'));
  }
  async addNames(id: string, names: string[], options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).updateNames(this.parts, id, names, 'add'));
  }
  async removeNames(id: string, names: string[], options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).updateNames(this.parts, id, names, 'remove'));
  }
  async delete(id: string, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).deleteAny(this.parts, id));
  }
  async wipe(options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await namesOps()).wipe(this.parts));
  }

  // Deletion
  async deleteLayer(id: string, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await layersOps()).deleteLayer(this.parts, id));
  }
  async deleteImage(id: string, options?: DeleteImageOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).deleteImage(this.parts, id, options?.commit ?? true));
  }
  async deleteContainer(id: string, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await containersOps()).deleteContainer(this.parts, id));
  }

  // Mounts
  async mountImage(id: string, options?: MountImageOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await mountOps()).mountImage(this.parts, id, options?.mountOptions ?? [], options?.mountLabel ?? ''));
  }
  async unmountImage(id: string, options?: UnmountOptions): Promise<boolean> {
    return withCallSignal(options?.signal, async () => (await mountOps()).unmountImage(this.parts, id, options?.force ?? false));
  }
  async mount(id: string, options?: MountOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await mountOps()).mount(this.parts, id, options?.mountLabel ?? ''));
  }
  async unmount(id: string, options?: UnmountOptions): Promise<boolean> {
    return withCallSignal(options?.signal, async () => (await mountOps()).unmount(this.parts, id, options?.force ?? false));
  }
  async mounted(id: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await mountOps()).mounted(this.parts, id));
  }
  async shutdown(options?: UnmountOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await mountOps()).shutdown(this.parts, options?.force ?? false));
  }

  // Layer contents
  async changes(id: string, options?: LayerDiffOptions): Promise<Change[]> {
    return withCallSignal(options?.signal, async () => (await diffOps()).changes(this.parts, options?.from, id));
  }
  async diffSize(id: string, options?: LayerDiffOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await diffOps()).diffSize(this.parts, options?.from, id));
  }
  async diff(id: string, options: DiffOptions = {}): Promise<Readable> {
    return withCallSignal(options.signal, async () => (await diffOps()).diff(this.parts, options.from, id, options));
  }
  async applyDiff(id: string, diff: LayerDiff, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => withDiffStream(diff, async (stream) => (await layersOps()).applyDiff(this.parts, id, stream)));
  }

  // Layers
  async layersByCompressedDigest(digest: string, options?: CallOptions): Promise<Layer[]> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layersByDigest(this.parts, digest, 'compressed'));
  }
  async layersByUncompressedDigest(digest: string, options?: CallOptions): Promise<Layer[]> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layersByDigest(this.parts, digest, 'uncompressed'));
  }
  async layerSize(id: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layerSize(this.parts, id));
  }
  async layerDriverMetadata(id: string, options?: CallOptions): Promise<Record<string, string> | null> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layerDriverMetadata(this.parts, id));
  }
  async layerParentOwners(id: string, options?: CallOptions): Promise<{ uids: number[]; gids: number[] }> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layerParentOwners(this.parts, id));
  }
  async layers(options?: CallOptions): Promise<Layer[]> {
    return withCallSignal(options?.signal, async () => (await layersOps()).listLayers(this.parts));
  }
  async layer(id: string, options?: CallOptions): Promise<Layer> {
    return withCallSignal(options?.signal, async () => (await layersOps()).getLayer(this.parts, id));
  }
  async listLayerBigData(id: string, options?: CallOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await layersOps()).listLayerBigData(this.parts, id));
  }
  async layerBigData(id: string, key: string, options?: CallOptions): Promise<Readable> {
    return withCallSignal(options?.signal, async () => (await layersOps()).layerBigData(this.parts, id, key));
  }
  async setLayerBigData(id: string, key: string, data: Readable | Buffer, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await layersOps()).setLayerBigData(this.parts, id, key, data));
  }

  // Images
  async images(options?: CallOptions): Promise<Image[]> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).listImages(this.parts));
  }
  async image(id: string, options?: CallOptions): Promise<Image> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).getImage(this.parts, id));
  }
  async imagesByTopLayer(id: string, options?: CallOptions): Promise<Image[]> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).imagesByTopLayer(this.parts, id));
  }
  async imagesByDigest(digest: string, options?: CallOptions): Promise<Image[]> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).imagesByDigest(this.parts, digest));
  }
  async listImageBigData(id: string, options?: CallOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).listImageBigData(this.parts, id));
  }
  async imageBigData(id: string, key: string, options?: CallOptions): Promise<Buffer> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).imageBigData(this.parts, id, key));
  }
  async imageBigDataSize(id: string, key: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await (await imagesOps()).imageBigDataInfo(this.parts, id, key, 'size')) as number);
  }
  async imageBigDataDigest(id: string, key: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await (await imagesOps()).imageBigDataInfo(this.parts, id, key, 'digest')) as string);
  }
  async setImageBigData(id: string, key: string, data: Buffer, options?: SetImageBigDataOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).setImageBigData(this.parts, id, key, data, options?.digestManifest));
  }
  async imageSize(id: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await imagesOps()).imageSize(this.parts, id));
  }

  // Containers
  async containers(options?: CallOptions): Promise<Container[]> {
    return withCallSignal(options?.signal, async () => (await containersOps()).listContainers(this.parts));
  }
  async eachContainer(visit: (container: Readonly<Container>) => void, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await containersOps()).visitContainers(this.parts, visit));
  }
  async container(id: string, options?: CallOptions): Promise<Container> {
    return withCallSignal(options?.signal, async () => (await containersOps()).getContainer(this.parts, id));
  }
  async containerByLayer(id: string, options?: CallOptions): Promise<Container> {
    return withCallSignal(options?.signal, async () => (await containersOps()).containerByLayer(this.parts, id));
  }
  async listContainerBigData(id: string, options?: CallOptions): Promise<string[]> {
    return withCallSignal(options?.signal, async () => (await containersOps()).listContainerBigData(this.parts, id));
  }
  async containerBigData(id: string, key: string, options?: CallOptions): Promise<Buffer> {
    return withCallSignal(options?.signal, async () => (await containersOps()).containerBigData(this.parts, id, key));
  }
  async containerBigDataSize(id: string, key: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await (await containersOps()).containerBigDataInfo(this.parts, id, key, 'size')) as number);
  }
  async containerBigDataDigest(id: string, key: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await (await containersOps()).containerBigDataInfo(this.parts, id, key, 'digest')) as string);
  }
  async setContainerBigData(id: string, key: string, data: Buffer, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await containersOps()).setContainerBigData(this.parts, id, key, data));
  }
  async containerSize(id: string, options?: CallOptions): Promise<number> {
    return withCallSignal(options?.signal, async () => (await containersOps()).containerSize(this.parts, id));
  }
  async containerDirectory(id: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await containersOps()).containerDirectory(this.parts, id, 'graph'));
  }
  async setContainerDirectoryFile(id: string, file: string, data: Buffer, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await containersOps()).setContainerDirectoryFile(this.parts, id, 'graph', file, data));
  }
  async fromContainerDirectory(id: string, file: string, options?: CallOptions): Promise<Buffer> {
    return withCallSignal(options?.signal, async () => (await containersOps()).fromContainerDirectory(this.parts, id, 'graph', file));
  }
  async containerRunDirectory(id: string, options?: CallOptions): Promise<string> {
    return withCallSignal(options?.signal, async () => (await containersOps()).containerDirectory(this.parts, id, 'run'));
  }
  async setContainerRunDirectoryFile(id: string, file: string, data: Buffer, options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await containersOps()).setContainerDirectoryFile(this.parts, id, 'run', file, data));
  }
  async fromContainerRunDirectory(id: string, file: string, options?: CallOptions): Promise<Buffer> {
    return withCallSignal(options?.signal, async () => (await containersOps()).fromContainerDirectory(this.parts, id, 'run', file));
  }

  // The graph driver below the records
  async storageLayers(_options?: CallOptions): Promise<string[]> {
    return this.parts.driver.listLayers();
  }
  async createStorageLayer(options: CreateStorageLayerOptions): Promise<void> {
    return withCallSignal(options.signal, async () => (await layersOps()).createStorageLayer(this.parts, options));
  }

  // Whole store
  async status(_options?: CallOptions): Promise<Array<[string, string]>> {
    return this.parts.driver.status();
  }
  /** Go's Store.Version returns no pairs; the CLI prints its own version lines. */
  async version(_options?: CallOptions): Promise<Array<[string, string]>> {
    return [];
  }
  async garbageCollect(options?: CallOptions): Promise<void> {
    return withCallSignal(options?.signal, async () => (await gcOps()).garbageCollect(this.parts));
  }
  async check(options?: CheckOptions): Promise<CheckReport> {
    return withCallSignal(options?.signal, async () => (await checkOps()).check(this.parts, options));
  }
  async repair(report: CheckReport, options?: RepairOptions): Promise<Error[]> {
    return withCallSignal(options?.signal, async () => (await repairOps()).repair(this.parts, report, options));
  }
  /** Lock files stay open for the process (closing an fd would drop other holders' locks). */
  async close(): Promise<void> {}
}
