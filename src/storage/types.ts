// The records and the Store contract of containers/storage v1.50.2 (seed 002),
// in Berth's camelCase. Field names of the records are the JSON keys' meaning;
// the JSON encoding itself lives in the record stores.

import type { Readable } from 'node:stream';
import type { Change, Compression } from '../archive/index.js';
import type { DriverName } from './drivers/types.js';
import type { IDMap } from '../idmap/index.js';

export type { IDMap } from '../idmap/index.js';

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

/** Every Store call may wait for a lock another process holds; `signal` gives up waiting. */
export interface CallOptions {
  /** Aborts a wait for a lock (`AbortSignal.timeout(ms)` for a deadline); the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** A user namespace made from the `containers` user's ranges in /etc/subuid and /etc/subgid (seed: AutoUserNsOptions). */
export interface AutoUserNsOptions {
  /** Size of the namespace; default: what the image's files need, at least `initialSize`. */
  size?: number;
  /** Smallest size when `size` is not given (storage.conf `auto-userns-min-size`). */
  initialSize?: number;
  /** A passwd file whose IDs must fit in the namespace. */
  passwdFile?: string;
  /** A group file whose IDs must fit in the namespace. */
  groupFile?: string;
  additionalUidMappings?: IDMap[];
  additionalGidMappings?: IDMap[];
}

/** How a layer's or container's IDs map to the host's (seed: IDMappingOptions). */
export interface IDMappingOptions {
  /** Use the host's UIDs unmapped, whatever the store's default map says. */
  hostUidMapping?: boolean;
  /** Use the host's GIDs unmapped, whatever the store's default map says. */
  hostGidMapping?: boolean;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /** Allocate a free range for this container's user namespace. */
  autoUserNs?: boolean;
  autoUserNsOpts?: AutoUserNsOptions;
}

export interface LayerBigDataOption {
  key: string;
  data: Buffer | Readable;
}

export interface CreateLayerOptions extends IDMappingOptions, CallOptions {
  /** 64 hex digits; default: a random ID. */
  id?: string;
  /** ID, name or unique ID prefix of the parent layer. */
  parent?: string;
  names?: string[];
  mountLabel?: string;
  /** Default true; Go's `writeable` argument (kept for API parity, as in Go it changes nothing on disk). */
  writeable?: boolean;
  /** Created time to record instead of now (RFC 3339; a Date is written with millisecond precision). */
  created?: string | Date;
  /** Record the layer in volatile-layers.json (written without fsync). */
  volatile?: boolean;
  bigData?: LayerBigDataOption[];
  /** Named flags stored with the layer. */
  flags?: Record<string, unknown>;
}

export interface PutLayerOptions extends CreateLayerOptions {
  /** Digest of the diff as given (compressed), when the caller reliably knows it; checked while applying. */
  originalDigest?: string;
  /** Digest of the uncompressed diff (the DiffID); checked while applying. */
  uncompressedDigest?: string;
  /** A layer stageLayer applied: its files become the new layer's (pass no diff stream then). */
  staged?: StagedLayer;
}

export interface StageLayerOptions extends CallOptions {
  /** Digest of the diff as given (compressed); a mismatch rejects the stage and leaves nothing. */
  originalDigest?: string;
  /** Digest of the uncompressed diff (the DiffID); a mismatch rejects the stage and leaves nothing. */
  uncompressedDigest?: string;
}

/**
 * A diff applied by stageLayer into a staging directory of the store, not yet
 * a layer: putLayer(undefined, { staged }) makes it one, discardStagedLayer
 * removes it. Stages of a process that died are removed when a later process
 * first uses the store's layers.
 */
export interface StagedLayer {
  /** The staging directory (under the driver's home). */
  readonly directory: string;
  readonly compressedDigest: string;
  readonly compressedSize: number;
  readonly uncompressedDigest: string;
  readonly uncompressedSize: number;
  readonly compressionType: Compression;
  readonly uidSet: readonly number[];
  readonly gidSet: readonly number[];
  /** Whether the tar carried the root directory's own entry. */
  readonly rootEntry: boolean;
}

export interface ImageBigDataOption {
  key: string;
  data: Buffer;
  /** The digest to record; default: sha256 of the data (manifests: of the manifest). */
  digest?: string;
}

export interface CreateImageOptions extends CallOptions {
  id?: string;
  names?: string[];
  /** ID, name or unique ID prefix of the image's top layer. */
  layer?: string;
  metadata?: string;
  /** Created time to record instead of now (seed: CreationDate). */
  creationDate?: string | Date;
  /** A digest to look the image up by. */
  digest?: string;
  /** Digests of the image's manifests to look it up by. */
  digests?: string[];
  namesHistory?: string[];
  flags?: Record<string, unknown>;
  bigData?: ImageBigDataOption[];
}

export interface ContainerBigDataOption {
  key: string;
  data: Buffer;
}

export interface CreateContainerOptions extends IDMappingOptions, CallOptions {
  id?: string;
  names?: string[];
  /** ID, name or unique ID prefix of the image; none: the container's layer has no parent. */
  image?: string;
  /** The ID to give the container's new RW layer; default: a random ID. */
  layer?: string;
  metadata?: string;
  /** SELinux mount label of the container's layer. */
  mountLabel?: string;
  /** SELinux process label recorded with the container. */
  processLabel?: string;
  /** Extra mount options for the container's layer (`nodev`, `metacopy=on`, …). */
  mountOpts?: string[];
  /** Volatile container: its layer goes to volatile-layers.json and is mounted `volatile`. */
  volatile?: boolean;
  /** Driver storage options for the RW layer (`size: "10G"`). */
  storageOpt?: Record<string, string>;
  flags?: Record<string, unknown>;
  bigData?: ContainerBigDataOption[];
}

export interface DeleteImageOptions extends CallOptions {
  /** Default true; false only reports the layers that would be removed (dry run). */
  commit?: boolean;
}

export interface MountOptions extends CallOptions {
  mountLabel?: string;
}

export interface MountImageOptions extends MountOptions {
  /** Mount options (`ro` is always added). */
  mountOptions?: string[];
}

export interface UnmountOptions extends CallOptions {
  /** Unmount whatever the mount count is. */
  force?: boolean;
}

export interface LayerDiffOptions extends CallOptions {
  /** The layer to compare against; default: the layer's parent. */
  from?: string;
}

export interface SetImageBigDataOptions extends CallOptions {
  /** Computes the digest recorded for `manifest*` keys (default: sha256 of the bytes). */
  digestManifest?: (data: Buffer) => string;
}

export interface DiffOptions extends LayerDiffOptions {
  /** Compression of the output; default: the layer's own `compression`. */
  compression?: Compression;
}

export interface CheckOptions extends CallOptions {
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

export interface RepairOptions extends CallOptions {
  /** Delete containers whose image or layer is damaged (default true). */
  removeContainers?: boolean;
}

export interface StoreOptions {
  runRoot: string;
  graphRoot: string;
  driverName: DriverName;
  /** Driver options as storage.conf gives them (`overlay.mountopt=nodev`); default none. */
  driverOptions?: string[];
  /** storage.conf `transient_store`. */
  transientStore?: boolean;
  pullOptions?: Record<string, string>;
  /**
   * storage.conf `imagestore` (a split store): images, layers and the driver
   * home live under this root, containers under `graphRoot`; the graph root's
   * own images stay usable (and removable) as an additional image store.
   */
  imageStore?: string;
  /** Whose /etc/subuid and /etc/subgid ranges automatic user namespaces come from (storage.conf `root-auto-userns-user`; default `containers`). */
  autoUsernsUser?: string;
  /** Smallest automatic user namespace (storage.conf `auto-userns-min-size`; default 1024). */
  autoNsMinSize?: number;
  /** Largest automatic user namespace (storage.conf `auto-userns-max-size`; default 65536). */
  autoNsMaxSize?: number;
  /** Other subordinate-ID files than /etc/subuid and /etc/subgid (tests, or a host that keeps them elsewhere). */
  subIdFiles?: { subuid: string; subgid: string };
  /**
   * The store's default ID maps (storage.conf `remap-uids`/`remap-gids`, or the
   * `remap-user`/`remap-group` subordinate ranges): layers without a parent and
   * containers without an image that are given no maps of their own get these,
   * and the driver owns its run directory by their root (Go's StoreOptions.UIDMap).
   */
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /**
   * Go's `_CONTAINERS_OVERLAY_DISABLE_IDMAP=yes` (loadStoreOptions and the CLI
   * read that variable): overlay does not shift owners with idmapped mounts, so
   * layers keep their maps and containers with maps get remapped copies of the
   * image's top layer, as on vfs.
   */
  disableIdmappedMounts?: boolean;
}

export interface CreateStorageLayerOptions extends CallOptions {
  id: string;
  /** A driver layer ID (no name lookup, as in Go). */
  parent?: string;
  mountLabel?: string;
}

/**
 * A layer's tar (compressed or not) for putLayer, stageLayer and applyDiff: a stream, or the path
 * of a file, which Berth then reads itself in 2 MiB huge-page chunks (faster than a stream from
 * fs.createReadStream on machines where touching fresh memory is dear).
 */
export type LayerDiff = Readable | string;

/**
 * The `Store` of seed 002 in TypeScript's shape: the thing a call is about
 * first (an ID, name or prefix; a diff: a stream or a file's path), then one
 * options object whose fields are all optional. Every method is async because
 * every one may wait for a lock held by another process; every one takes `signal`.
 */
export interface Store {
  readonly runRoot: string;
  readonly graphRoot: string;
  readonly graphDriverName: DriverName;
  readonly graphOptions: string[];

  /** A new empty layer (on `parent` when given). */
  createLayer(options?: CreateLayerOptions): Promise<Layer>;
  /** A new layer holding `diff` (a tar, compressed or not) applied on `parent`; `size` is the uncompressed diff's size. */
  putLayer(diff: LayerDiff | undefined, options?: PutLayerOptions): Promise<{ layer: Layer; size: number }>;
  /**
   * Applies `diff` into a staging directory without taking the layers lock (Go 1.50's
   * PrepareStagedLayer), so that several layers can be applied at once; digests, sizes,
   * owners and tar-split are recorded as putLayer records them.
   */
  stageLayer(diff: LayerDiff, options?: StageLayerOptions): Promise<StagedLayer>;
  /** Removes a stage that will not become a layer. */
  discardStagedLayer(staged: StagedLayer, options?: CallOptions): Promise<void>;
  createImage(options?: CreateImageOptions): Promise<Image>;
  /** A container with a new RW layer on its image's top layer. */
  createContainer(options?: CreateContainerOptions): Promise<Container>;

  metadata(id: string, options?: CallOptions): Promise<string>;
  setMetadata(id: string, metadata: string, options?: CallOptions): Promise<void>;
  exists(id: string, options?: CallOptions): Promise<boolean>;
  status(options?: CallOptions): Promise<Array<[string, string]>>;
  /** Deletes a layer, image or container, whichever `id` names. */
  delete(id: string, options?: CallOptions): Promise<void>;
  deleteLayer(id: string, options?: CallOptions): Promise<void>;
  /** Deletes the image and the layers only it used; returns those layers' IDs. */
  deleteImage(id: string, options?: DeleteImageOptions): Promise<string[]>;
  deleteContainer(id: string, options?: CallOptions): Promise<void>;
  wipe(options?: CallOptions): Promise<void>;

  /** Mounts the image's top layer read-only; returns the mount point. */
  mountImage(id: string, options?: MountImageOptions): Promise<string>;
  unmountImage(id: string, options?: UnmountOptions): Promise<boolean>;
  /** Mounts a layer or a container's layer; reference-counted across processes. */
  mount(id: string, options?: MountOptions): Promise<string>;
  /** Returns whether the layer is still mounted afterwards. */
  unmount(id: string, options?: UnmountOptions): Promise<boolean>;
  mounted(id: string, options?: CallOptions): Promise<number>;

  changes(id: string, options?: LayerDiffOptions): Promise<Change[]>;
  diffSize(id: string, options?: LayerDiffOptions): Promise<number>;
  diff(id: string, options?: DiffOptions): Promise<Readable>;
  /** Applies a tar onto an existing layer; returns the uncompressed size. */
  applyDiff(id: string, diff: LayerDiff, options?: CallOptions): Promise<number>;

  layersByCompressedDigest(digest: string, options?: CallOptions): Promise<Layer[]>;
  layersByUncompressedDigest(digest: string, options?: CallOptions): Promise<Layer[]>;
  layerSize(id: string, options?: CallOptions): Promise<number>;
  /** The graph driver's Metadata of the layer (Go: GraphDriver().Metadata): its directories by role; null for vfs. */
  layerDriverMetadata(id: string, options?: CallOptions): Promise<Record<string, string> | null>;
  /** Owners of the parents' files that the layer's ID mappings cannot show. */
  layerParentOwners(id: string, options?: CallOptions): Promise<{ uids: number[]; gids: number[] }>;
  layers(options?: CallOptions): Promise<Layer[]>;
  images(options?: CallOptions): Promise<Image[]>;
  containers(options?: CallOptions): Promise<Container[]>;
  /**
   * Calls `visit` with each container, in the store's order, under the read lock, without
   * the copies containers() makes: the records are the store's own, read-only, valid only
   * during the call (a listing of 10,000 containers then allocates next to nothing).
   */
  eachContainer(visit: (container: Readonly<Container>) => void, options?: CallOptions): Promise<void>;

  names(id: string, options?: CallOptions): Promise<string[]>;
  setNames(id: string, names: string[], options?: CallOptions): Promise<void>;
  addNames(id: string, names: string[], options?: CallOptions): Promise<void>;
  removeNames(id: string, names: string[], options?: CallOptions): Promise<void>;

  listImageBigData(id: string, options?: CallOptions): Promise<string[]>;
  imageBigData(id: string, key: string, options?: CallOptions): Promise<Buffer>;
  imageBigDataSize(id: string, key: string, options?: CallOptions): Promise<number>;
  imageBigDataDigest(id: string, key: string, options?: CallOptions): Promise<string>;
  setImageBigData(id: string, key: string, data: Buffer, options?: SetImageBigDataOptions): Promise<void>;
  imageSize(id: string, options?: CallOptions): Promise<number>;

  listLayerBigData(id: string, options?: CallOptions): Promise<string[]>;
  layerBigData(id: string, key: string, options?: CallOptions): Promise<Readable>;
  setLayerBigData(id: string, key: string, data: Readable | Buffer, options?: CallOptions): Promise<void>;

  listContainerBigData(id: string, options?: CallOptions): Promise<string[]>;
  containerBigData(id: string, key: string, options?: CallOptions): Promise<Buffer>;
  containerBigDataSize(id: string, key: string, options?: CallOptions): Promise<number>;
  containerBigDataDigest(id: string, key: string, options?: CallOptions): Promise<string>;
  setContainerBigData(id: string, key: string, data: Buffer, options?: CallOptions): Promise<void>;
  containerSize(id: string, options?: CallOptions): Promise<number>;

  layer(id: string, options?: CallOptions): Promise<Layer>;
  image(id: string, options?: CallOptions): Promise<Image>;
  imagesByTopLayer(id: string, options?: CallOptions): Promise<Image[]>;
  imagesByDigest(digest: string, options?: CallOptions): Promise<Image[]>;
  container(id: string, options?: CallOptions): Promise<Container>;
  containerByLayer(id: string, options?: CallOptions): Promise<Container>;

  containerDirectory(id: string, options?: CallOptions): Promise<string>;
  setContainerDirectoryFile(id: string, file: string, data: Buffer, options?: CallOptions): Promise<void>;
  fromContainerDirectory(id: string, file: string, options?: CallOptions): Promise<Buffer>;
  containerRunDirectory(id: string, options?: CallOptions): Promise<string>;
  setContainerRunDirectoryFile(id: string, file: string, data: Buffer, options?: CallOptions): Promise<void>;
  fromContainerRunDirectory(id: string, file: string, options?: CallOptions): Promise<Buffer>;

  /** IDs of the layer directories the graph driver holds, whether or not a layer record names them (Go's GraphDriver().ListLayers()). */
  storageLayers(options?: CallOptions): Promise<string[]>;
  /** Makes a layer in the graph driver only, with no layer record (Go's GraphDriver().Create()). */
  createStorageLayer(options: CreateStorageLayerOptions): Promise<void>;
  /** Resolves a name, ID or unique ID prefix of a layer, image or container to its ID. */
  lookup(name: string, options?: CallOptions): Promise<string>;
  /** Unmounts every mounted layer (all of them with `force`); returns those still mounted. */
  shutdown(options?: UnmountOptions): Promise<string[]>;
  version(options?: CallOptions): Promise<Array<[string, string]>>;
  garbageCollect(options?: CallOptions): Promise<void>;
  check(options?: CheckOptions): Promise<CheckReport>;
  repair(report: CheckReport, options?: RepairOptions): Promise<Error[]>;
  /** Releases this process's hold on the store (lock files stay open until exit). */
  close(): Promise<void>;
}
