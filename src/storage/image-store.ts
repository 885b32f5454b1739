// images.json and image big data: records, names and names history,
// digests, as containers/storage's imageStore keeps them.

import { join } from 'node:path';
import { generateRandomId, goTimeOf, removeTree, sha256Digest } from '../util/index.js';
import { noteBigDataItem, refuseEmptyKey, writeBigDataFile } from './big-data-items.js';
import { StorageError } from './errors.js';
import { applyNameOperation, dedupe, type NameOperation } from './id-index.js';
import { decodeImage, encodeImage } from './record-json.js';
import { RecordStore, type RecordFiles } from './record-store.js';
import type { CreateImageOptions, Image } from './types.js';

/** Big-data keys whose digest identifies the image (Go: ImageDigestManifestBigDataNamePrefix). */
const MANIFEST_KEY_PREFIX = 'manifest';

export class ImageStore extends RecordStore<Image> {
  constructor(files: RecordFiles, /** `G/D-images` */ readonly dir: string) {
    super(files);
  }

  protected decode(raw: Record<string, unknown>, path: string): Image {
    const image = decodeImage(raw, path);
    image.readOnly = this.files.lock.readOnly;
    return image;
  }

  protected encode(image: Image): string {
    return encodeImage(image);
  }

  /** A missing `digest` is taken from the first manifest item; it reaches disk with the next save. */
  protected afterLoad(): boolean {
    for (const image of this.index.all()) recomputeDigests(image);
    return false;
  }

  protected async repair(): Promise<void> {
    this.save();
  }

  recordDir(id: string): string {
    return join(this.dir, id);
  }

  lookup(ref: string): Image | undefined {
    return this.index.lookup(ref);
  }

  /** Refuses a used ID or name with Go's messages; changes nothing. */
  checkNew(id: string | undefined, names: string[]): void {
    if (id !== undefined && this.index.get(id)) {
      throw new StorageError('duplicate-id', `an image with ID ${JSON.stringify(id)} already exists`, { id });
    }
    for (const name of names) {
      const holder = this.index.withName(name);
      if (holder) {
        throw new StorageError('duplicate-name', `image name ${JSON.stringify(name)} is already associated with image ${JSON.stringify(holder.id)}`, { name, id: holder.id });
      }
    }
  }

  /** Caller holds the write lock; big data files are written before the one save. */
  async create(id: string | undefined, names: string[], topLayer: string | undefined, metadata: string, options: CreateImageOptions): Promise<Image> {
    names = dedupe(names);
    this.checkNew(id, names);
    for (const item of options.bigData ?? []) refuseEmptyKey('image', item.key, id ?? '');
    const image: Image = {
      id: id ?? generateRandomId((candidate) => this.index.get(candidate) !== undefined),
      digest: options.digest || undefined,
      digests: [],
      names,
      namesHistory: options.namesHistory && options.namesHistory.length > 0 ? [...options.namesHistory] : undefined,
      topLayer: topLayer || undefined,
      metadata: metadata || undefined,
      bigDataNames: [],
      bigDataSizes: {},
      bigDataDigests: {},
      created: goTimeOf(options.creationDate),
      flags: options.flags && Object.keys(options.flags).length > 0 ? { ...options.flags } : undefined,
      readOnly: false,
    };
    try {
      for (const item of options.bigData ?? []) {
        await writeBigDataFile(this.recordDir(image.id), item.key, item.data);
        noteBigDataItem(image, item.key, item.data.length, item.digest ?? sha256Digest(item.data));
      }
    } catch (err) {
      removeTree(this.recordDir(image.id));
      throw err;
    }
    recomputeDigests(image, options.digests);
    this.addRecord(image, false);
    this.save();
    return image;
  }

  delete(image: Image): void {
    this.removeRecord(image);
    this.save();
    removeTree(this.recordDir(image.id));
  }

  /**
   * Names updates steal a name from whichever image holds it; every name the
   * image ends up with is prepended to its names-history (newest first, deduplicated).
   */
  updateNames(image: Image, names: string[], op: NameOperation): void {
    const result = applyNameOperation(image.names, names, op);
    this.index.setNames(image, result, (loser) => this.touch(loser));
    image.namesHistory = dedupe([...[...result].reverse(), ...(image.namesHistory ?? [])]);
    if (image.namesHistory.length === 0) image.namesHistory = undefined;
    this.touch(image);
    this.save();
  }

  async setBigData(image: Image, key: string, data: Buffer, digestManifest?: (data: Buffer) => string): Promise<void> {
    refuseEmptyKey('image', key, image.id);
    const digest = key.startsWith(MANIFEST_KEY_PREFIX) && digestManifest ? digestManifest(data) : sha256Digest(data);
    await writeBigDataFile(this.recordDir(image.id), key, data);
    if (noteBigDataItem(image, key, data.length, digest)) {
      if (key.startsWith(MANIFEST_KEY_PREFIX)) recomputeDigests(image);
      this.touch(image);
      this.save();
    }
  }

  byDigest(digest: string): Image[] {
    return [...this.index.all()].filter((image) => image.digests.includes(digest));
  }

  byTopLayer(layerId: string): Image[] {
    return [...this.index.all()].filter((image) => image.topLayer === layerId || (image.mappedTopLayers ?? []).includes(layerId));
  }
}

/**
 * Go's recomputeDigests: `digest` first, then the digests of `manifest*`
 * items, deduplicated; an empty `digest` takes the first of those. Go walks
 * a map here (random order); Berth takes the items in big-data-names order.
 */
function recomputeDigests(image: Image, extra: string[] = []): void {
  const digests: string[] = [];
  if (image.digest) digests.push(image.digest);
  for (const key of image.bigDataNames) {
    const digest = image.bigDataDigests[key];
    if (key.startsWith(MANIFEST_KEY_PREFIX) && digest && !digests.includes(digest)) digests.push(digest);
  }
  if (!image.digest && digests.length > 0) image.digest = digests[0];
  for (const digest of extra) if (!digests.includes(digest)) digests.push(digest);
  image.digests = digests;
}
