// The records and the Store contract of containers/storage v1.50.2 (seed 002),
// in Berth's camelCase. Field names of the records are the JSON keys' meaning;
// the JSON encoding itself lives in the record stores.

import type { Readable } from 'node:stream';
import type { Change, Compression } from '../archive/index.js';
import type { DriverName } from './drivers/types.js';

export interface IDMap {
  containerId: number;
  hostId: number;
  size: number;
}

export interface Layer {
  id: string;
  names: string[];
  parent?: string;
  metadata?: string;
  mountLabel?: string;
  /** RFC 3339 with nanoseconds, as Go wrote it (kept as text to keep the nanoseconds). */
  created: string;
  compressedDigest?: string;
  compressedSize?: number;
  uncompressedDigest?: string;
  uncompressedSize?: number;
  compressionType?: Compression;
  uidSet?: number[];
  gidSet?: number[];
  flags?: Record<string, unknown>;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  bigDataNames?: string[];
  /** From mountpoints.json; not in layers.json. */
  mountPoint?: string;
  mountCount: number;
  /** Computed: the layer lives in a read-only (additional) store. */
  readOnly: boolean;
}

export interface Image {
  id: string;
  digest?: string;
  /** Computed: `digest` first, then digests of `manifest*` big data, deduplicated. */
  digests: string[];
  names: string[];
  namesHistory?: string[];
  topLayer?: string;
  mappedTopLayers?: string[];
  metadata?: string;
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
  created: string;
  flags?: Record<string, unknown>;
  readOnly: boolean;
}

export interface Container {
  id: string;
  names: string[];
  /** Image ID, `""` when the container has none. */
  imageId: string;
  layerId: string;
  metadata?: string;
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
  created: string;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  flags?: Record<string, unknown>;
}

export interface LayerOptions {
  /** Created time to record instead of now (RFC 3339). */
  created?: string;
  /** Expected digests of the diff, checked while applying. */
  compressedDigest?: string;
  uncompressedDigest?: string;
  /** Store in volatile-layers.json (written without fsync). */
  volatile?: boolean;
  bigData?: Array<{ key: string; data: Buffer }>;
  flags?: Record<string, unknown>;
}

export interface ImageOptions {
  created?: string;
  digest?: string;
  /** Extra digests to find the image by. */
  digests?: string[];
  metadata?: string;
  namesHistory?: string[];
  flags?: Record<string, unknown>;
  bigData?: Array<{ key: string; data: Buffer; digest?: string }>;
}

export interface ContainerOptions {
  /** Volatile container: its layer goes to volatile-layers.json and is mounted `volatile`. */
  volatile?: boolean;
  mountLabel?: string;
  processLabel?: string;
  mountOpts?: string[];
  flags?: Record<string, unknown>;
  bigData?: Array<{ key: string; data: Buffer }>;
  /** Driver storage options for the RW layer (`size=10G`). */
  storageOpt?: Record<string, string>;
}

export interface DiffOptions {
  /** Compression of the output; default: the layer's own `compression`. */
  compression?: Compression;
}

export interface CheckOptions {
  /** Unreferenced layers older than this (ms) are reported; default 24 h. */
  layerUnreferencedMaximumAge?: number;
  layerDigests?: boolean;
  layerMountable?: boolean;
  layerContents?: boolean;
  layerData?: boolean;
  imageData?: boolean;
  containerData?: boolean;
}

export interface CheckReport {
  /** Layer ID → problems found with it. */
  layers: Record<string, Error[]>;
  /** Layers only the driver knows. */
  rolayers: Record<string, Error[]>;
  images: Record<string, Error[]>;
  roImages: Record<string, Error[]>;
  containers: Record<string, Error[]>;
}

export interface RepairOptions {
  /** Delete containers whose image or layer is damaged (default true). */
  removeContainers?: boolean;
}

export interface StoreOptions {
  runRoot: string;
  graphRoot: string;
  driverName: DriverName;
  driverOptions: string[];
  /** storage.conf `transient_store`. */
  transientStore?: boolean;
  pullOptions?: Record<string, string>;
}

/** The `Store` of seed 002: every method is async because every one may wait for a lock. */
export interface Store {
  readonly runRoot: string;
  readonly graphRoot: string;
  readonly graphDriverName: DriverName;
  readonly graphOptions: string[];

  createLayer(id: string | undefined, parent: string | undefined, names: string[], mountLabel: string, writeable: boolean, options?: LayerOptions): Promise<Layer>;
  putLayer(id: string | undefined, parent: string | undefined, names: string[], mountLabel: string, writeable: boolean, options: LayerOptions | undefined, diff: Readable | undefined): Promise<{ layer: Layer; size: number }>;
  createImage(id: string | undefined, names: string[], layer: string | undefined, metadata: string, options?: ImageOptions): Promise<Image>;
  createContainer(id: string | undefined, names: string[], image: string | undefined, layer: string | undefined, metadata: string, options?: ContainerOptions): Promise<Container>;

  metadata(id: string): Promise<string>;
  setMetadata(id: string, metadata: string): Promise<void>;
  exists(id: string): Promise<boolean>;
  status(): Promise<Array<[string, string]>>;
  delete(id: string): Promise<void>;
  deleteLayer(id: string): Promise<void>;
  /** With `commit` false it only reports which layers would go (dry run). */
  deleteImage(id: string, commit: boolean): Promise<string[]>;
  deleteContainer(id: string): Promise<void>;
  wipe(): Promise<void>;

  mountImage(id: string, mountOptions: string[], mountLabel: string): Promise<string>;
  unmountImage(id: string, force: boolean): Promise<boolean>;
  /** Mounts a layer or a container's layer; reference-counted across processes. */
  mount(id: string, mountLabel: string): Promise<string>;
  /** Returns whether the layer is still mounted afterwards. */
  unmount(id: string, force: boolean): Promise<boolean>;
  mounted(id: string): Promise<number>;

  changes(from: string | undefined, to: string): Promise<Change[]>;
  diffSize(from: string | undefined, to: string): Promise<number>;
  diff(from: string | undefined, to: string, options?: DiffOptions): Promise<Readable>;
  applyDiff(to: string, diff: Readable): Promise<number>;

  layersByCompressedDigest(digest: string): Promise<Layer[]>;
  layersByUncompressedDigest(digest: string): Promise<Layer[]>;
  layerSize(id: string): Promise<number>;
  layerParentOwners(id: string): Promise<{ uids: number[]; gids: number[] }>;
  layers(): Promise<Layer[]>;
  images(): Promise<Image[]>;
  containers(): Promise<Container[]>;

  names(id: string): Promise<string[]>;
  setNames(id: string, names: string[]): Promise<void>;
  addNames(id: string, names: string[]): Promise<void>;
  removeNames(id: string, names: string[]): Promise<void>;

  listImageBigData(id: string): Promise<string[]>;
  imageBigData(id: string, key: string): Promise<Buffer>;
  imageBigDataSize(id: string, key: string): Promise<number>;
  imageBigDataDigest(id: string, key: string): Promise<string>;
  /** `digestManifest` computes the digest recorded for `manifest*` keys (default sha256 of the bytes). */
  setImageBigData(id: string, key: string, data: Buffer, digestManifest?: (data: Buffer) => string): Promise<void>;
  imageSize(id: string): Promise<number>;

  listLayerBigData(id: string): Promise<string[]>;
  layerBigData(id: string, key: string): Promise<Readable>;
  setLayerBigData(id: string, key: string, data: Readable | Buffer): Promise<void>;

  listContainerBigData(id: string): Promise<string[]>;
  containerBigData(id: string, key: string): Promise<Buffer>;
  containerBigDataSize(id: string, key: string): Promise<number>;
  containerBigDataDigest(id: string, key: string): Promise<string>;
  setContainerBigData(id: string, key: string, data: Buffer): Promise<void>;
  containerSize(id: string): Promise<number>;

  layer(id: string): Promise<Layer>;
  image(id: string): Promise<Image>;
  imagesByTopLayer(id: string): Promise<Image[]>;
  imagesByDigest(digest: string): Promise<Image[]>;
  container(id: string): Promise<Container>;
  containerByLayer(id: string): Promise<Container>;

  containerDirectory(id: string): Promise<string>;
  setContainerDirectoryFile(id: string, file: string, data: Buffer): Promise<void>;
  fromContainerDirectory(id: string, file: string): Promise<Buffer>;
  containerRunDirectory(id: string): Promise<string>;
  setContainerRunDirectoryFile(id: string, file: string, data: Buffer): Promise<void>;
  fromContainerRunDirectory(id: string, file: string): Promise<Buffer>;

  /** Resolves a name, ID or unique ID prefix of a layer, image or container to its ID. */
  lookup(name: string): Promise<string>;
  /** Unmounts every mounted layer (all of them with `force`); returns those still mounted. */
  shutdown(force: boolean): Promise<string[]>;
  version(): Promise<Array<[string, string]>>;
  garbageCollect(): Promise<void>;
  check(options?: CheckOptions): Promise<CheckReport>;
  repair(report: CheckReport, options?: RepairOptions): Promise<Error[]>;
  /** Releases this process's hold on the store (lock files stay open until exit). */
  close(): Promise<void>;
}
