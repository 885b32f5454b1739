// The contract between the Store and a graph driver (overlay, vfs), as
// containers/storage's drivers.Driver describes it, trimmed to what a store
// without ID mappings needs.

import type { Readable } from 'node:stream';
import type { ApplyResult, Change, Compression, TreeMappings } from '../../archive/index.js';
import type { IdMappings } from '../../idmap/index.js';

export type DriverName = 'overlay' | 'vfs';

export interface DriverInitOptions {
  /** Graph root; the driver's home is `<graphRoot>/<name>`. */
  graphRoot: string;
  /** Run root; the driver keeps feature-probe files in `<runRoot>/<name>`. */
  runRoot: string;
  /** Driver options as `key=value` strings (`overlay.mountopt=nodev`, `mountopt=nodev`, `skip_mount_home=true`, …). */
  options: string[];
  /** The store's default maps (storage.conf remap-*): their root owns the driver's own directories, as Go's Init chowns them. */
  idMappings?: IdMappings;
  /** Go's `_CONTAINERS_OVERLAY_DISABLE_IDMAP=yes`: overlay does not shift owners with idmapped mounts. */
  disableIdmappedMounts?: boolean;
}

export interface DriverCreateOptions {
  mountLabel?: string;
  /** Per-layer options (`size=…`); unsupported keys are an error. */
  storageOpt?: Record<string, string>;
  /** The layer's ID mappings: a layer without parent is owned by their root. */
  idMappings?: IdMappings;
}

export interface DriverMountOptions {
  mountLabel?: string;
  /** Extra mount options (`ro`, …). */
  options?: string[];
  /** Container marked volatile: overlay adds `volatile` when the kernel supports it. */
  volatile?: boolean;
  /**
   * A container's maps (Go's MountOpts UidMaps/GidMaps): a driver that shifts
   * shows the lower layers' owners through them (overlay: idmapped mounts of
   * the lowers), and the upper directory belongs to their root.
   */
  idMappings?: IdMappings;
  /** Go's DisableShifting: the maps are given but the layers were stored shifted (the maps are not contiguous). */
  disableShifting?: boolean;
}

export interface DriverApplyOptions {
  /** Where to write the gzipped tar-split; none when absent. */
  tarSplitPath?: string;
  maxUncompressedSize?: number;
  /** The layer's ID mappings: tar entries carry container IDs, files get host IDs. */
  idMappings?: IdMappings;
}

export interface DiffTarOptions {
  compression?: Compression;
}

export interface Driver {
  readonly name: DriverName;
  /** `<graphRoot>/<name>`. */
  readonly home: string;
  /** Graph roots of the additional (read-only) image stores whose layers this driver also finds. */
  readonly additionalImageStores: readonly string[];

  create(id: string, parent: string | undefined, options?: DriverCreateOptions): Promise<void>;
  /** Removes the layer's directory (and overlay's l/ link); missing is not an error. */
  remove(id: string): Promise<void>;
  exists(id: string): Promise<boolean>;
  /**
   * Go's Metadata: the layer's directories by role (overlay: `LowerDir`, resolved
   * through the `l/` links, nearest first; `MergedDir`, `UpperDir`, `WorkDir`);
   * null for vfs. podman shows it as an image's or container's GraphDriver.Data.
   */
  metadata(id: string): Promise<Record<string, string> | null>;
  /** IDs of every layer directory in the home (for check's "unaccounted" test). */
  listLayers(): Promise<string[]>;

  /** Mounts (overlay) or resolves (vfs) the layer and returns the path of its root. */
  mount(id: string, options?: DriverMountOptions): Promise<string>;
  /** Undoes one mount(); the Store keeps the reference counts. */
  unmount(id: string): Promise<void>;
  /** Whether `path` is currently a mount point of this layer (vfs: always true). */
  isMounted(id: string): Promise<boolean>;
  /**
   * Go's SupportsShifting: mount() can show a layer's files through a
   * container's maps, so the store keeps no remapped copies of image layers
   * (overlay when idmapped lowers work here; vfs never).
   */
  supportsShifting(): Promise<boolean>;

  /** The directory holding this layer's own files, which tar-split replay reads. */
  layerFilesDir(id: string): string;
  /** Where else replay finds the layer's files: overlay's `diff1`, `diff2`, … of a remapped layer (vfs: none). */
  remappedFilesDirs(id: string): string[];
  /** Applies a (possibly compressed) layer tar onto the layer's files. */
  applyDiff(id: string, parent: string | undefined, input: Readable, options?: DriverApplyOptions): Promise<ApplyResult>;
  /**
   * Applies a layer tar into `dir`, a new directory on the driver's filesystem outside every
   * layer, with overlay whiteouts (0:0 devices, opaque xattrs): a staged layer, applied without
   * the layers lock, that applyStaged later moves into a layer.
   */
  stageDiff(dir: string, input: Readable, options?: DriverApplyOptions): Promise<ApplyResult>;
  /**
   * Makes what stageDiff wrote into `dir` (with its tar-split at `tarSplitPath`) the files of the
   * layer `id`, just created and still empty; `dir` is gone afterwards.
   */
  applyStaged(id: string, parent: string | undefined, dir: string, staged: { rootEntry: boolean; tarSplitPath: string }): Promise<void>;
  /** Where staging directories go: on the layers' filesystem, never listed as layers. */
  readonly stagingHome: string;
  /**
   * A tar of the layer's changes against `parent`, generated from the files (no tar-split);
   * `mappings`: the layer's (the tar gets its container IDs) and the parent's, for comparing owners.
   */
  diff(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Readable>;
  /**
   * Go's UpdateLayerIDMap: the files a new layer has from its parent move from the parent's
   * mappings to the layer's (vfs: its copy of the parent; overlay: copied up through a mount,
   * kept as `diff1` below a new empty `diff`).
   */
  updateLayerIdMap(id: string, from: IdMappings, to: IdMappings, mountLabel?: string): Promise<void>;
  changes(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Change[]>;
  /** Bytes of the changes against `parent`, owners compared through `mappings` as changes() does. */
  diffSize(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<number>;

  /** `[key, value]` lines for `Store.status()` (Backing Filesystem, Supports d_type, …). */
  status(): Promise<Array<[string, string]>>;
  /** Unmounts what the driver mounted at init (overlay: the private bind of its home). */
  cleanup(): Promise<void>;
}
