// containers.json (+ volatile-containers.json) and container big data, as
// containers/storage's containerStore keeps them; lookups also match the
// container's layer ID.

import { join } from 'node:path';
import { generateRandomId, goTimeNow, removeTree, sha256Digest } from '../util/index.js';
import { noteBigDataItem, refuseEmptyKey, writeBigDataFile } from './big-data-items.js';
import { StorageError } from './errors.js';
import { applyNameOperation, dedupe, type NameOperation } from './id-index.js';
import { decodeContainerFile } from './lazy-container.js';
import { decodeContainer, encodeContainer } from './record-json.js';
import { RecordStore, type RecordFiles } from './record-store.js';
import type { Container, CreateContainerOptions } from './types.js';

const MOUNT_LABEL_FLAG = 'MountLabel';
const PROCESS_LABEL_FLAG = 'ProcessLabel';
export const MOUNT_OPTS_FLAG = 'MountOpts';
export const VOLATILE_FLAG = 'Volatile';

/** containers.json from this size on (about 200 records) is read record by record. */
const LAZY_FROM = 64 << 10;

export class ContainerStore extends RecordStore<Container> {
  /** Containers by layer ID, made at the first lookup after a load: a listing never needs it. */
  private byLayerIndex: Map<string, Container> | undefined;

  constructor(files: RecordFiles, /** `G/D-containers` */ readonly dir: string) {
    super(files);
  }

  protected decode(raw: Record<string, unknown>, path: string): Container {
    return decodeContainer(raw, path);
  }

  /**
   * A large file record by record, each decoded only as far as it is used (lazy-container.ts);
   * a small one, or one that reader declines, whole: compiling its regular expressions costs
   * 1-4 ms, more than JSON.parse of a few hundred records.
   */
  protected override decodeRecords(text: string, path: string, take: (container: Container) => void): void {
    const records = text.length >= LAZY_FROM ? decodeContainerFile(text, path) : undefined;
    if (!records) {
      super.decodeRecords(text, path, take);
      return;
    }
    for (let i = 0; i < records.length; i++) take(records[i]!);
  }

  protected encode(container: Container): string {
    return encodeContainer(container);
  }

  protected afterLoad(): boolean {
    this.byLayerIndex = undefined;
    return false;
  }

  private get byLayer(): Map<string, Container> {
    if (!this.byLayerIndex) {
      this.byLayerIndex = new Map();
      for (const container of this.index.all()) this.byLayerIndex.set(container.layerId, container);
    }
    return this.byLayerIndex;
  }

  protected async repair(): Promise<void> {
    this.save();
  }

  recordDir(id: string): string {
    return join(this.dir, id);
  }

  /** ID, name, layer ID, then unique ID prefix (Go's containerStore.lookup order). */
  lookup(ref: string): Container | undefined {
    return this.index.get(ref) ?? this.index.withName(ref) ?? this.byLayer.get(ref) ?? this.index.byUniquePrefix(ref);
  }

  withLayer(layerId: string): Container | undefined {
    return this.byLayer.get(layerId);
  }

  /** Refuses a used ID or name with Go's messages; changes nothing. */
  checkNew(id: string | undefined, names: string[]): void {
    if (id !== undefined && this.index.get(id)) throw new StorageError('duplicate-id', undefined, { id });
    for (const name of names) {
      const holder = this.index.withName(name);
      if (holder) {
        throw new StorageError(
          'duplicate-name',
          `the container name ${JSON.stringify(name)} is already in use by ${holder.id}. You have to remove that container to be able to reuse that name`,
          { name, id: holder.id },
        );
      }
    }
  }

  /** Caller holds the write lock and made the layer; labels are always recorded, "" without SELinux. */
  async create(id: string | undefined, names: string[], imageId: string, layerId: string, metadata: string, options: CreateContainerOptions): Promise<Container> {
    names = dedupe(names);
    this.checkNew(id, names);
    for (const item of options.bigData ?? []) refuseEmptyKey('container', item.key, id ?? '');
    const flags: Record<string, unknown> = { ...options.flags };
    flags[MOUNT_LABEL_FLAG] = options.mountLabel ?? (typeof flags[MOUNT_LABEL_FLAG] === 'string' ? flags[MOUNT_LABEL_FLAG] : '');
    flags[PROCESS_LABEL_FLAG] = options.processLabel ?? (typeof flags[PROCESS_LABEL_FLAG] === 'string' ? flags[PROCESS_LABEL_FLAG] : '');
    if (options.mountOpts) flags[MOUNT_OPTS_FLAG] = [...options.mountOpts];
    if (options.volatile) flags[VOLATILE_FLAG] = true;
    const container: Container = {
      id: id ?? generateRandomId((candidate) => this.index.get(candidate) !== undefined),
      names,
      imageId,
      layerId,
      metadata: metadata || undefined,
      bigDataNames: [],
      bigDataSizes: {},
      bigDataDigests: {},
      created: goTimeNow(),
      // Go records the maps the caller gave (or auto-allocated), not those inherited from the image.
      uidMap: options.uidMap?.length ? options.uidMap.map((m) => ({ ...m })) : undefined,
      gidMap: options.gidMap?.length ? options.gidMap.map((m) => ({ ...m })) : undefined,
      flags,
    };
    try {
      for (const item of options.bigData ?? []) {
        await writeBigDataFile(this.recordDir(container.id), item.key, item.data);
        noteBigDataItem(container, item.key, item.data.length, sha256Digest(item.data));
      }
    } catch (err) {
      removeTree(this.recordDir(container.id));
      throw err;
    }
    this.addRecord(container, options.volatile === true);
    this.byLayerIndex?.set(layerId, container);
    this.save();
    return container;
  }

  override removeRecord(container: Container): void {
    super.removeRecord(container);
    if (this.byLayerIndex?.get(container.layerId) === container) this.byLayerIndex.delete(container.layerId);
  }

  delete(container: Container): void {
    this.removeRecord(container);
    this.save();
  }

  updateNames(container: Container, names: string[], op: NameOperation): void {
    this.index.setNames(container, applyNameOperation(container.names, names, op), (loser) => this.touch(loser));
    this.touch(container);
    this.save();
  }

  async setBigData(container: Container, key: string, data: Buffer): Promise<void> {
    refuseEmptyKey('container', key, container.id);
    await writeBigDataFile(this.recordDir(container.id), key, data);
    if (noteBigDataItem(container, key, data.length, sha256Digest(data))) {
      this.touch(container);
      this.save();
    }
  }
}
