// layers.json (+ volatile-layers.json) and mountpoints.json: the layer
// records, their driver directories, tar-split files, big data and mount
// counts, kept as containers/storage's layerStore keeps them.

import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { LockFile, LastWrite } from '../lock/index.js';
import { generateRandomId, goTimeOf, isErrno, readAll, removeFile, removeTree, rewriteFileAtomicSync, writeFileAtomic } from '../util/index.js';
import { bigDataFileName } from './big-data-names.js';
import type { Driver, DriverMountOptions } from './drivers/index.js';
import { refuseEmptyKey } from './big-data-items.js';
import { StorageError } from './errors.js';
import { applyNameOperation, type NameOperation } from './id-index.js';
import { RecordStore, type Durability, type RecordFiles } from './record-store.js';
import { decodeLayer, decodeMountPoints, encodeLayer, encodeMountPoints } from './record-json.js';
import type { IDMap, Layer, PutLayerOptions, StagedLayer } from './types.js';
import { IdMappings } from '../idmap/index.js';
import type { ApplyResult } from '../archive/index.js';
import { stagedPaths } from './layer-staging.js';
import { currentCallSignal } from './call-signal.js';

/** The flag Go sets while a layer is being created or deleted; a loader deletes such layers. */
const INCOMPLETE_FLAG = 'incomplete';

/** What a layer record says about its applied diff; applyDiff sets them. */
const DIFF_FIELDS = ['compressedDigest', 'compressedSize', 'uncompressedDigest', 'uncompressedSize', 'compressionType', 'uidSet', 'gidSet'] as const;

export interface MountFiles {
  lock: LockFile;
  /** `R/D-layers/mountpoints.json`. */
  path: string;
}

export interface NewLayer {
  id: string | undefined;
  parent: Layer | undefined;
  names: string[];
  mountLabel: string;
  options: PutLayerOptions;
  storageOpt?: Record<string, string>;
  diff?: Readable;
  /** The layer's resolved maps (given, or inherited from the parent); none: the host's IDs. */
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /**
   * Go's TemplateLayer: the new layer is a copy of this one (the driver builds it on the
   * template, the record names the template's parent) with its own maps, and takes over its
   * digests, sizes, owners and tar-split: an image's top layer mapped for a container.
   */
  template?: Layer;
}

export class LayerStore extends RecordStore<Layer> {
  private mountsLastWrite: LastWrite | undefined;
  /** mountpoints.json as last read or written; undefined while the file does not exist. */
  private mountsText: string | undefined;

  constructor(
    files: RecordFiles,
    private readonly mounts: MountFiles,
    readonly driver: Driver,
    /** `G/D-layers`: tar-split files and per-layer big-data dirs live here. */
    readonly dir: string,
  ) {
    super({ ...files, checkMtime: true });
  }

  protected decode(raw: Record<string, unknown>, path: string): Layer {
    const layer = decodeLayer(raw, path);
    layer.readOnly = this.files.lock.readOnly;
    return layer;
  }

  protected encode(layer: Layer): string {
    return encodeLayer(layer);
  }

  tarSplitPath(id: string): string {
    return join(this.dir, `${id}.tar-split.gz`);
  }

  bigDataDir(id: string): string {
    return join(this.dir, id);
  }

  lookup(ref: string): Layer | undefined {
    return this.index.lookup(ref);
  }

  /**
   * Counts come only from mountpoints.json. The reload made new records with
   * count 0, so the next access under the mountpoints lock must re-read it.
   */
  protected afterLoad(): boolean {
    this.mountsLastWrite = undefined;
    let incomplete = false;
    for (const layer of this.index.all()) if (isIncomplete(layer)) incomplete = true;
    return incomplete;
  }

  /** Load-time repair: incomplete layers are removed entirely (Go: "Found incomplete layer"). */
  protected async repair(): Promise<void> {
    for (const layer of [...this.index.all()]) {
      if (isIncomplete(layer)) await this.removeLayerData(layer);
    }
    await this.commit();
  }

  /** Saves the layer file(s) that changed, then mountpoints.json, as every Go layer save does. */
  async commit(durability: Durability = 'durable'): Promise<void> {
    await this.mounts.lock.lock(currentCallSignal());
    try {
      this.save(durability);
      this.reloadMountsIfChanged();
      this.saveMountsLocked();
    } finally {
      this.mounts.lock.unlock();
    }
  }

  // ------------------------------------------------------------- creation

  /**
   * Go's layerStore.create: the record goes to disk with `incomplete` set
   * before the driver touches anything, so a crash at any later point leaves
   * a layer the next loader deletes. Any failure removes the layer again.
   * Caller holds the write lock and has checked IDs and names.
   */
  async create(spec: NewLayer): Promise<{ layer: Layer; size: number }> {
    const id = spec.id ?? generateRandomId((candidate) => this.index.get(candidate) !== undefined);
    const layer: Layer = {
      id,
      names: spec.names,
      parent: spec.parent?.id,
      mountLabel: spec.mountLabel || undefined,
      created: goTimeOf(spec.options.created),
      flags: { ...spec.options.flags, [INCOMPLETE_FLAG]: true },
      ...templateFields(spec.template),
      uidMap: spec.uidMap,
      gidMap: spec.gidMap,
      mountCount: 0,
      readOnly: false,
    };
    this.addRecord(layer, spec.options.volatile === true);
    let size = -1;
    try {
      await this.commit('marker');
      for (const item of spec.options.bigData ?? []) await this.writeBigData(layer, item.key, Buffer.isBuffer(item.data) ? item.data : await readAll(item.data));
      await this.createDriverLayer(layer, spec.parent, spec.storageOpt, spec.template);
      if (spec.diff) size = await this.applyDiff(layer, spec.diff, spec.options);
      if (spec.options.staged) size = await this.applyStaged(layer, spec.options.staged, spec.options);
      clearIncomplete(layer);
      this.touch(layer);
      await this.commit();
    } catch (err) {
      await this.removeLayerData(layer).catch(() => undefined);
      await this.commit().catch(() => undefined);
      throw err;
    }
    return { layer, size };
  }

  /**
   * The driver's directory for a layer, then Go's UpdateLayerIDMap when its
   * maps differ from its parent's: what it has of the parent is moved to them.
   */
  private async createDriverLayer(layer: Layer, parent: Layer | undefined, storageOpt?: Record<string, string>, template?: Layer): Promise<void> {
    const mappings = layerMappings(layer);
    // Go's CreateFromTemplate: the driver's parent is the template itself.
    await this.driver.create(layer.id, template?.id ?? layer.parent, { mountLabel: layer.mountLabel, storageOpt, idMappings: mappings });
    const base = template ?? parent;
    const baseMappings = base ? layerMappings(base) : new IdMappings();
    if (!baseMappings.equals(mappings)) await this.driver.updateLayerIdMap(layer.id, baseMappings, mappings, layer.mountLabel);
    if (template) copyFileIfPresent(this.tarSplitPath(template.id), this.tarSplitPath(layer.id));
  }

  /**
   * Applies a layer tar through the driver (which writes the tar-split) and
   * records digests, sizes, compression and owners. The expected digests of
   * LayerOptions are checked after the stream was consumed; the caller
   * removes a layer whose diff did not match. Returns the uncompressed size.
   */
  async applyDiff(layer: Layer, diff: Readable, expected: Pick<PutLayerOptions, 'originalDigest' | 'uncompressedDigest'> = {}): Promise<number> {
    const result = await this.driver.applyDiff(layer.id, layer.parent, diff, { tarSplitPath: this.tarSplitPath(layer.id), idMappings: layerMappings(layer) });
    return this.recordDiff(layer, result, expected);
  }

  /** The staged files and tar-split renamed into the layer (caller holds the write lock); returns the uncompressed size. */
  private async applyStaged(layer: Layer, staged: StagedLayer, expected: Pick<PutLayerOptions, 'originalDigest' | 'uncompressedDigest'>): Promise<number> {
    const paths = stagedPaths(this.driver, staged);
    const result: ApplyResult = {
      compression: staged.compressionType,
      compressedDigest: staged.compressedDigest,
      compressedSize: staged.compressedSize,
      uncompressedDigest: staged.uncompressedDigest,
      uncompressedSize: staged.uncompressedSize,
      uidSet: [...staged.uidSet],
      gidSet: [...staged.gidSet],
      rootEntry: staged.rootEntry,
    };
    const size = this.recordDiff(layer, result, expected);
    await this.driver.applyStaged(layer.id, layer.parent, paths.files, { rootEntry: staged.rootEntry, tarSplitPath: paths.tarSplit });
    // Copied, not renamed: overlay's home is a mount of its own, so the stage is on another mount than this dir.
    copyFileSync(paths.tarSplit, this.tarSplitPath(layer.id));
    removeTree(staged.directory);
    return size;
  }

  private recordDiff(layer: Layer, result: ApplyResult, expected: Pick<PutLayerOptions, 'originalDigest' | 'uncompressedDigest'>): number {
    if (expected.originalDigest && expected.originalDigest !== result.compressedDigest) {
      throw new StorageError('digest-mismatch', `layer ${layer.id}: compressed digest ${result.compressedDigest}, expected ${expected.originalDigest}`, { id: layer.id });
    }
    if (expected.uncompressedDigest && expected.uncompressedDigest !== result.uncompressedDigest) {
      throw new StorageError('digest-mismatch', `layer ${layer.id}: uncompressed digest ${result.uncompressedDigest}, expected ${expected.uncompressedDigest}`, { id: layer.id });
    }
    layer.compressedDigest = result.compressedDigest || undefined;
    layer.compressedSize = result.compressedSize || undefined;
    layer.uncompressedDigest = result.uncompressedDigest || undefined;
    layer.uncompressedSize = result.uncompressedSize || undefined;
    layer.compressionType = result.compression || undefined;
    layer.uidSet = result.uidSet.length > 0 ? [...result.uidSet] : undefined;
    layer.gidSet = result.gidSet.length > 0 ? [...result.gidSet] : undefined;
    this.touch(layer);
    return result.uncompressedSize;
  }

  /**
   * A diff applied onto a layer that already exists (Go's ApplyDiff). Go
   * marks nothing here, so a killed apply leaves a layer with part of its
   * files and no digest that every tool then takes for sound. Berth sets the
   * same `incomplete` flag creation uses, durably, before the first file is
   * written: after a kill the next writer, Berth's or Go's own loader,
   * removes the layer as it removes any half-created one. The caller has
   * made sure nothing depends on the layer (no child, image, container or
   * mount), so that removal leaves no record dangling. A failed apply (bad
   * tar, refused entry) is undone here instead: the layer is emptied as
   * `create-layer` left it and stays, as Go's layer stays after a failed apply.
   */
  async applyDiffToExisting(layer: Layer, diff: Readable): Promise<number> {
    layer.flags = { ...layer.flags, [INCOMPLETE_FLAG]: true };
    this.touch(layer);
    await this.commit();
    let size: number;
    try {
      size = await this.applyDiff(layer, diff);
    } catch (err) {
      // The apply's own error is the one to report (apply-junk.bats matches its words).
      await this.emptyAfterFailedApply(layer).catch(() => undefined);
      throw err;
    }
    clearIncomplete(layer);
    this.touch(layer);
    await this.commit();
    return size;
  }

  /**
   * Recreates the layer's driver directory (vfs copies the parent again) and
   * drops what the record said about a diff. If that fails too, the
   * `incomplete` flag stays and the next loader removes the layer.
   */
  private async emptyAfterFailedApply(layer: Layer): Promise<void> {
    try {
      removeFile(this.tarSplitPath(layer.id));
      await this.driver.remove(layer.id);
      await this.createDriverLayer(layer, layer.parent ? this.index.get(layer.parent) : undefined);
      for (const field of DIFF_FIELDS) delete layer[field];
      clearIncomplete(layer);
    } finally {
      this.touch(layer);
      await this.commit();
    }
  }

  // ------------------------------------------------------------- deletion

  /**
   * Go's Delete: unmount, mark incomplete and save (so a crash mid-way is
   * finished by the next loader), remove driver data, tar-split and big
   * data, drop the record, save. Caller holds the write lock.
   */
  async delete(layer: Layer): Promise<void> {
    await this.withMountsLock(async () => {
      if (layer.mountCount > 0) await this.unmountLocked(layer, true);
    });
    if (!isIncomplete(layer)) {
      layer.flags = { ...layer.flags, [INCOMPLETE_FLAG]: true };
      this.touch(layer);
      await this.commit();
    }
    await this.removeLayerData(layer);
    await this.commit();
  }

  /** Removes everything of a layer but does not save. */
  private async removeLayerData(layer: Layer): Promise<void> {
    try {
      await this.driver.remove(layer.id);
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    removeFile(this.tarSplitPath(layer.id));
    removeTree(this.bigDataDir(layer.id));
    this.removeRecord(layer);
  }

  async updateNames(layer: Layer, names: string[], op: NameOperation): Promise<void> {
    this.index.setNames(layer, applyNameOperation(layer.names, names, op), (loser) => this.touch(loser));
    this.touch(layer);
    await this.commit();
  }

  // ------------------------------------------------------------- big data

  async setBigData(layer: Layer, key: string, data: Readable | Buffer): Promise<void> {
    refuseEmptyKey('layer', key, layer.id);
    const bytes = Buffer.isBuffer(data) ? data : await readAll(data);
    await this.writeBigData(layer, key, bytes);
    await this.commit();
  }

  private async writeBigData(layer: Layer, key: string, data: Buffer): Promise<void> {
    refuseEmptyKey('layer', key, layer.id);
    mkdirSync(this.bigDataDir(layer.id), { recursive: true, mode: 0o700 });
    await writeFileAtomic(join(this.bigDataDir(layer.id), bigDataFileName(key)), data, { mode: 0o600 });
    if (!(layer.bigDataNames ?? []).includes(key)) {
      layer.bigDataNames = [...(layer.bigDataNames ?? []), key];
      this.touch(layer);
    }
  }

  bigDataPath(layer: Layer, key: string): string {
    return join(this.bigDataDir(layer.id), bigDataFileName(key));
  }

  // ------------------------------------------------------------- mounts

  /**
   * §7.3: a count > 0 whose path is still mounted is incremented; otherwise
   * the driver mounts and the count is incremented even if it was stale
   * (Go keeps counting from a stale entry). A container's maps other than
   * the layer's own need a driver that shifts. Caller holds layers.lock W.
   */
  async mount(layer: Layer, options: DriverMountOptions): Promise<string> {
    return this.withMountsLock(async () => {
      if (layer.mountCount > 0 && layer.mountPoint && (await this.driver.isMounted(layer.id))) {
        layer.mountCount++;
        this.saveMountsLocked();
        return layer.mountPoint;
      }
      if (options.idMappings && !options.idMappings.equals(layerMappings(layer)) && !(await this.driver.supportsShifting())) {
        throw new StorageError('not-supported', `cannot mount layer ${layer.id}: shifting not enabled`, { id: layer.id });
      }
      // A layer with maps of its own was stored shifted (made with idmapped mounts turned off):
      // shifting it again would show its files as nobody. Go v1.50.2 shifts it anyway; Berth does not.
      const disableShifting = options.disableShifting === true || !layerMappings(layer).isIdentity;
      const path = await this.driver.mount(layer.id, { ...options, disableShifting, mountLabel: options.mountLabel || layer.mountLabel });
      layer.mountPoint = path;
      layer.mountCount++;
      this.saveMountsLocked();
      return path;
    });
  }

  /**
   * count > 1: decrement only; otherwise the driver unmounts and the entry
   * goes. `force` unmounts whatever the count. Unmounting a layer that is not
   * mounted succeeds. Returns whether the layer is still mounted.
   */
  unmount(layer: Layer, force: boolean): Promise<boolean> {
    return this.withMountsLock(() => this.unmountLocked(layer, force));
  }

  private async unmountLocked(layer: Layer, force: boolean): Promise<boolean> {
    if (force && layer.mountCount > 1) layer.mountCount = 1;
    if (layer.mountCount > 1) {
      layer.mountCount--;
      this.saveMountsLocked();
      return true;
    }
    try {
      await this.driver.unmount(layer.id);
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'EINVAL')) throw err;
    }
    layer.mountCount = 0;
    layer.mountPoint = undefined;
    this.saveMountsLocked();
    return false;
  }

  /** Brings every record's mount count up to date (before listing layers). */
  async refreshMounts(): Promise<void> {
    await this.mounts.lock.rLock(currentCallSignal());
    try {
      this.reloadMountsIfChanged();
    } finally {
      this.mounts.lock.unlock();
    }
  }

  /** Current count, re-reading mountpoints.json if another process changed it. */
  async mountCount(layer: Layer): Promise<number> {
    return (await this.mountState(layer)).count;
  }

  /** The layer's mount count and mount point as mountpoints.json has them now. */
  async mountState(layer: Layer): Promise<{ count: number; path: string | undefined }> {
    await this.mounts.lock.rLock(currentCallSignal());
    try {
      this.reloadMountsIfChanged();
      return { count: layer.mountCount, path: layer.mountPoint };
    } finally {
      this.mounts.lock.unlock();
    }
  }

  private async withMountsLock<T>(fn: () => Promise<T>): Promise<T> {
    await this.mounts.lock.lock(currentCallSignal());
    try {
      this.reloadMountsIfChanged();
      return await fn();
    } finally {
      this.mounts.lock.unlock();
    }
  }

  private reloadMountsIfChanged(): void {
    if (this.mountsLastWrite !== undefined && !this.mounts.lock.modifiedSince(this.mountsLastWrite)) return;
    this.loadMounts();
  }

  /** Counts of layers not listed are reset to 0 (another process unmounted them). */
  private loadMounts(): void {
    this.mountsLastWrite = this.mounts.lock.getLastWrite();
    let text: string | undefined;
    try {
      text = readFileSync(this.mounts.path, 'utf8');
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
    this.mountsText = text;
    for (const layer of this.index.all()) {
      layer.mountCount = 0;
      layer.mountPoint = undefined;
    }
    for (const entry of decodeMountPoints(text ?? '', this.mounts.path)) {
      const layer = this.index.get(entry.id);
      if (!layer || entry.path === '') continue;
      layer.mountPoint = entry.path;
      layer.mountCount = entry.count;
    }
  }

  /**
   * Entries with a path and a count > 0, in layer order; the mountpoints
   * lock is held for writing. Go rewrites the file (and its token) with
   * every layer save; Berth skips the rewrite when the bytes would not
   * change, which no reader can tell apart. Unlike Go, without fsync: the
   * file is in the run root and records mounts, which a power loss or a
   * crash of the kernel (all an fsync guards against) ends too; the stale
   * file is then what a reboot leaves anyway, and a mount checks that a
   * recorded one is still there. With the run root on disk the fsync cost
   * ~0.5-0.9 ms per mount and per unmount here (`berth run` pays both).
   */
  private saveMountsLocked(): void {
    const entries = [];
    for (const layer of this.index.all()) {
      if (layer.mountPoint && layer.mountCount > 0) entries.push({ id: layer.id, path: layer.mountPoint, count: layer.mountCount });
    }
    const text = encodeMountPoints(entries);
    if (text === this.mountsText) return;
    this.mountsLastWrite = this.mounts.lock.recordWrite();
    rewriteFileAtomicSync(this.mounts.path, Buffer.from(text), { mode: 0o600, noSync: true });
    this.mountsText = text;
  }
}

function isIncomplete(layer: Layer): boolean {
  return layer.flags?.[INCOMPLETE_FLAG] === true;
}

function clearIncomplete(layer: Layer): void {
  delete layer.flags?.[INCOMPLETE_FLAG];
  if (layer.flags && Object.keys(layer.flags).length === 0) layer.flags = undefined;
}

/** Go's layerMappings: the layer's maps (none: the host's IDs). */
export function layerMappings(layer: Pick<Layer, 'uidMap' | 'gidMap'>): IdMappings {
  return new IdMappings(layer.uidMap, layer.gidMap);
}

/** What a copy of a template layer takes over from it (Go's templateLayer fields). */
function templateFields(template: Layer | undefined): Partial<Layer> {
  if (!template) return {};
  return {
    metadata: template.metadata,
    compressedDigest: template.compressedDigest,
    compressedSize: template.compressedSize,
    uncompressedDigest: template.uncompressedDigest,
    uncompressedSize: template.uncompressedSize,
    compressionType: template.compressionType,
    uidSet: template.uidSet?.slice(),
    gidSet: template.gidSet?.slice(),
  };
}

function copyFileIfPresent(from: string, to: string): void {
  try {
    mkdirSync(dirname(to), { recursive: true, mode: 0o700 });
    copyFileSync(from, to);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
}
