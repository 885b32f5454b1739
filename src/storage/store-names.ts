// Store-wide operations that try each record store in Go's order: lookup,
// exists, names, metadata, delete (no safety checks) and wipe.

import { StorageError } from './errors.js';
import { dedupe, type NameOperation } from './id-index.js';
import { readBigDataFile } from './big-data-items.js';
import type { StoreParts } from './store-parts.js';
import { findReadOnlyImage, findReadOnlyLayer } from './store-readonly.js';
import { validateNames } from './validate.js';
import { removeContainerDirs } from './store-containers.js';
import { removeTree } from '../util/index.js';

/** Layers, then images, then containers (Go's Lookup); unknown is `layer-unknown` as in Go. */
export async function lookup(parts: StoreParts, ref: string): Promise<string> {
  const layers = parts.layers();
  const id =
    (await layers.read(() => layers.lookup(ref)?.id)) ??
    (await parts.images.read(() => parts.images.lookup(ref)?.id)) ??
    (await parts.containers.read(() => parts.containers.lookup(ref)?.id)) ??
    (await findReadOnlyLayer(parts, ref))?.layer.id ??
    (await findReadOnlyImage(parts, ref))?.image.id;
  if (id === undefined) throw new StorageError('layer-unknown', ref, { id: ref });
  return id;
}

export async function exists(parts: StoreParts, ref: string): Promise<boolean> {
  try {
    await lookup(parts, ref);
    return true;
  } catch (err) {
    if (err instanceof StorageError && err.code === 'layer-unknown') return false;
    throw err;
  }
}

export async function names(parts: StoreParts, ref: string): Promise<string[]> {
  const layers = parts.layers();
  const found =
    (await layers.read(() => layers.lookup(ref)?.names)) ??
    (await parts.images.read(() => parts.images.lookup(ref)?.names)) ??
    (await parts.containers.read(() => parts.containers.lookup(ref)?.names)) ??
    (await findReadOnlyLayer(parts, ref))?.layer.names ??
    (await findReadOnlyImage(parts, ref))?.image.names;
  if (!found) throw new StorageError('layer-unknown', ref, { id: ref });
  return [...found];
}

/** set/add/remove on the first store that knows `ref`; names taken from other records of that kind. */
export async function updateNames(parts: StoreParts, ref: string, newNames: string[], op: NameOperation): Promise<void> {
  const list = dedupe(newNames);
  const layers = parts.layers();
  const done =
    (await layers.write(async () => {
      const layer = layers.lookup(ref);
      if (!layer) return false;
      if (op !== 'remove') validateNames(list, 'layer');
      await layers.updateNames(layer, list, op);
      return true;
    })) ||
    (await parts.images.write(() => updateRecordNames(parts.images, 'image', ref, list, op))) ||
    (await pullUpImage(parts, ref, list, op)) ||
    (await parts.containers.write(() => updateRecordNames(parts.containers, 'container', ref, list, op)));
  if (!done) throw new StorageError('layer-unknown', ref, { id: ref });
}

/**
 * Go's updateNames on an image of a read-only store: the image is "pulled up"
 * into this store (same ID, names, digests, metadata, flags and big data) and
 * the names change on that copy. Its layers stay where they are.
 */
async function pullUpImage(parts: StoreParts, ref: string, names: string[], op: NameOperation): Promise<boolean> {
  const found = await findReadOnlyImage(parts, ref);
  if (!found) return false;
  const { image, store } = found;
  const bigData = await store.read(() =>
    Promise.all(image.bigDataNames.map(async (key) => ({ key, data: await readBigDataFile(store.recordDir(image.id), 'image', image.id, key), digest: image.bigDataDigests[key] }))),
  );
  if (op !== 'remove') validateNames(names, 'image');
  await parts.images.write(async () => {
    const copy = parts.images.index.get(image.id) ?? (await parts.images.create(image.id, image.names, image.topLayer, image.metadata ?? '', {
      creationDate: image.created, digest: image.digest, digests: [...image.digests], namesHistory: image.namesHistory, flags: image.flags, bigData,
    }));
    parts.images.updateNames(copy, names, op);
  });
  return true;
}

interface NamedRecords<R> {
  lookup(ref: string): R | undefined;
  updateNames(record: R, names: string[], op: NameOperation): void;
}

/** The image or container part of updateNames; false when `ref` names none. Caller holds the write lock. */
function updateRecordNames<R>(records: NamedRecords<R>, kind: 'image' | 'container', ref: string, names: string[], op: NameOperation): boolean {
  const record = records.lookup(ref);
  if (!record) return false;
  if (op !== 'remove') validateNames(names, kind);
  records.updateNames(record, names, op);
  return true;
}

export async function metadata(parts: StoreParts, ref: string): Promise<string> {
  const layers = parts.layers();
  // A known record without metadata has "" (undefined means: not this kind).
  const metadataOf = (record: { metadata?: string } | undefined): string | undefined => (record ? record.metadata ?? '' : undefined);
  const found =
    (await layers.read(() => metadataOf(layers.lookup(ref)))) ??
    (await parts.images.read(() => metadataOf(parts.images.lookup(ref)))) ??
    (await parts.containers.read(() => metadataOf(parts.containers.lookup(ref))));
  if (found === undefined) throw new StorageError('not-an-id', ref, { id: ref });
  return found;
}

export async function setMetadata(parts: StoreParts, ref: string, value: string): Promise<void> {
  const layers = parts.layers();
  const done =
    (await layers.write(async () => {
      const layer = layers.lookup(ref);
      if (!layer) return false;
      layer.metadata = value || undefined;
      layers.touch(layer);
      await layers.commit();
      return true;
    })) ||
    (await parts.images.write(() => setRecordMetadata(parts.images, ref, value))) ||
    (await parts.containers.write(() => setRecordMetadata(parts.containers, ref, value)));
  if (!done) throw new StorageError('not-an-id', ref, { id: ref });
}

interface MetadataRecords<R extends { metadata?: string }> {
  lookup(ref: string): R | undefined;
  touch(record: R): void;
  save(): void;
}

/** Sets and saves the metadata of the image or container `ref` names; false when it names none. Caller holds the write lock. */
function setRecordMetadata<R extends { metadata?: string }>(records: MetadataRecords<R>, ref: string, value: string): boolean {
  const record = records.lookup(ref);
  if (!record) return false;
  record.metadata = value || undefined;
  records.touch(record);
  records.save();
  return true;
}

/** Go's Delete: containers, then images, then layers, with no safety checks at all. */
export async function deleteAny(parts: StoreParts, ref: string): Promise<void> {
  const layers = parts.layers();
  await layers.write(() =>
    parts.images.write(() =>
      parts.containers.write(async () => {
        const container = parts.containers.lookup(ref);
        if (container) {
          const layer = layers.index.get(container.layerId);
          if (!layer) throw new StorageError('not-a-layer', container.layerId, { id: container.layerId });
          await layers.delete(layer);
          parts.containers.delete(container);
          removeContainerDirs(parts, container.id);
          return;
        }
        const image = parts.images.lookup(ref);
        if (image) return parts.images.delete(image);
        const layer = layers.lookup(ref);
        if (layer) return layers.delete(layer);
        throw new StorageError('layer-unknown', ref, { id: ref });
      }),
    ),
  );
}

/** Containers, images, then layers newest first, then any driver dir left over. */
export async function wipe(parts: StoreParts): Promise<void> {
  const layers = parts.layers();
  await layers.write(() =>
    parts.images.write(() =>
      parts.containers.write(async () => {
        for (const container of [...parts.containers.index.all()]) {
          parts.containers.removeRecord(container);
          removeContainerDirs(parts, container.id);
        }
        parts.containers.save();
        for (const image of [...parts.images.index.all()]) {
          parts.images.removeRecord(image);
          removeTree(parts.images.recordDir(image.id));
        }
        parts.images.save();
        const newestFirst = [...layers.index.all()].sort((a, b) => sortableTime(b.created).localeCompare(sortableTime(a.created)));
        for (const layer of newestFirst) await layers.delete(layer);
        for (const id of await parts.driver.listLayers()) await parts.driver.remove(id);
      }),
    ),
  );
}

/** RFC 3339 UTC with the fraction padded to nine digits, so that text order is time order. */
function sortableTime(created: string): string {
  return created.replace(/(\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/, (_m, hms: string, frac: string | undefined) => `${hms}.${(frac ?? '').padEnd(9, '0')}Z`);
}
