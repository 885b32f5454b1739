// Store operations on images: create, delete with the cascade to layers no
// one else uses (and its dry run), big data, size and lookups.

import { readBigDataFile, recordedBigDataInfo } from './big-data-items.js';
import { StorageError } from './errors.js';
import { copyImage } from './record-copy.js';
import { dedupe } from './id-index.js';
import { knownSizeOrDiffSize } from './store-layers.js';
import { findReadOnlyImage, findReadOnlyLayer, readOnlyImages } from './store-readonly.js';
import type { StoreParts } from './store-parts.js';
import type { CreateImageOptions, Image } from './types.js';
import { validateId, validateNames } from './validate.js';

/** The top layer must exist (looked up by ID, name or prefix, read lock only, as Go). */
export async function createImage(parts: StoreParts, options: CreateImageOptions): Promise<Image> {
  const { id, names = [], layer: layerRef, metadata = '' } = options;
  validateId(id, 'image');
  validateNames(names, 'image');
  const create = (topLayer: string | undefined) =>
    parts.images.write(async () => publicImage(await parts.images.create(id, dedupe(names), topLayer, metadata, options)));
  if (!layerRef) return create(undefined);
  // layers.lock R stays held until the image is saved, as Go's CreateImage
  // holds it: a layer cannot go, or be flagged for an apply, in between.
  const layers = parts.layers();
  return layers.read(async () => {
    const topLayer = layers.lookup(layerRef)?.id ?? (await findReadOnlyLayer(parts, layerRef))?.layer.id;
    if (!topLayer) throw new StorageError('layer-unknown', layerRef, { layer: layerRef });
    return create(topLayer);
  });
}

/**
 * Go's DeleteImage under all three write locks: refused while a container
 * uses the image; then walks down from the top layer (and mapped layers)
 * collecting layers that no container uses, that are no other image's top
 * layer and whose children are all being removed too. With `commit` false
 * nothing changes and the list is the answer.
 */
export async function deleteImage(parts: StoreParts, ref: string, commit: boolean): Promise<string[]> {
  const own = await parts.images.read(() => parts.images.lookup(ref) !== undefined);
  if (!own) {
    // A split store's graph root is an additional store Go writes to: its images may go (their layers stay).
    for (const store of parts.roImages.filter((images) => !images.readOnly)) {
      const removed = await store.write(() => {
        const image = store.lookup(ref);
        if (image && commit) store.delete(image);
        return image !== undefined;
      });
      if (removed) return [];
    }
  }
  const layers = parts.layers();
  return layers.write(() =>
    parts.images.write(() =>
      parts.containers.write(async () => {
        const image = parts.images.lookup(ref);
        if (!image) throw new StorageError('not-an-image', ref, { id: ref });
        for (const container of parts.containers.index.all()) {
          if (container.imageId === image.id) throw new StorageError('image-used-by-container', `image used by ${container.id}`, { id: image.id, container: container.id });
        }
        // Layers of a read-only (additional) store stay: they are not this store's to delete.
        const doomed: string[] = [];
        for (const id of layersOnlyThisImageUses(parts, image)) {
          if (layers.index.get(id) || !(await findReadOnlyLayer(parts, id))) doomed.push(id);
        }
        if (!commit) return doomed;
        parts.images.delete(image);
        for (const id of doomed) {
          const layer = layers.index.get(id);
          // Go deletes the image record first and then fails on a layer that
          // is already gone (an image made on a container's layer, the
          // container deleted since): same record left, same bare error.
          if (!layer) throw new StorageError('layer-unknown', undefined, { id, image: image.id });
          await layers.delete(layer);
        }
        return doomed;
      }),
    ),
  );
}

function layersOnlyThisImageUses(parts: StoreParts, image: Image): string[] {
  const layers = parts.layers();
  const childrenByParent = new Map<string, string[]>();
  for (const layer of layers.index.all()) {
    const key = layer.parent ?? '';
    const list = childrenByParent.get(key);
    if (list) list.push(layer.id);
    else childrenByParent.set(key, [layer.id]);
  }
  const otherImagesTopLayers = new Set<string>();
  for (const other of parts.images.index.all()) {
    if (other === image) continue;
    if (other.topLayer) otherImagesTopLayers.add(other.topLayer);
    for (const id of other.mappedTopLayers ?? []) otherImagesTopLayers.add(id);
  }
  const mapped = image.mappedTopLayers ?? [];
  const doomed = [...mapped];
  const doomedSet = new Set(mapped);
  let current = image.topLayer;
  while (current) {
    if (parts.containers.lookup(current) || otherImagesTopLayers.has(current)) break;
    const toCheck = current === image.topLayer ? [current, ...mapped] : [current];
    const keptChild = toCheck.some((id) => (childrenByParent.get(id) ?? []).some((child) => !doomedSet.has(child)));
    if (keptChild) break;
    doomed.push(current);
    doomedSet.add(current);
    current = layers.index.get(current)?.parent;
  }
  return doomed;
}

/** This store's images, then those of the additional image stores (Go's Images()). */
export async function listImages(parts: StoreParts): Promise<Image[]> {
  const own = await parts.images.read(() => [...parts.images.index.all()].map(publicImage));
  if (parts.roImages.length === 0) return own;
  return [...own, ...(await readOnlyImages(parts, new Set(own.map((image) => image.id)))).map(publicImage)];
}

export async function getImage(parts: StoreParts, ref: string): Promise<Image> {
  const own = await parts.images.read(() => {
    const image = parts.images.lookup(ref);
    return image && publicImage(image);
  });
  if (own) return own;
  const other = await findReadOnlyImage(parts, ref);
  // Go's Image(): a read-only image this store holds a copy of (pulled up to change its
  // names) is not found by the names the copy no longer has.
  if (other && !(await parts.images.read(() => parts.images.index.get(other.image.id)))) return publicImage(other.image);
  throw new StorageError('image-unknown', ref, { id: ref });
}

export async function imagesByTopLayer(parts: StoreParts, ref: string): Promise<Image[]> {
  const layers = parts.layers();
  const layerId = await layers.read(() => layers.lookup(ref)?.id);
  if (!layerId) throw new StorageError('layer-unknown', ref, { id: ref });
  return parts.images.read(() => parts.images.byTopLayer(layerId).map(publicImage));
}

export async function imagesByDigest(parts: StoreParts, digest: string): Promise<Image[]> {
  return parts.images.read(() => parts.images.byDigest(digest).map(publicImage));
}

export async function setImageBigData(parts: StoreParts, ref: string, key: string, data: Buffer, digestManifest?: (data: Buffer) => string): Promise<void> {
  await parts.images.write(() => parts.images.setBigData(requireImage(parts, ref), key, data, digestManifest));
}

export async function imageBigData(parts: StoreParts, ref: string, key: string): Promise<Buffer> {
  return parts.images.read(() => {
    const image = requireImage(parts, ref);
    return readBigDataFile(parts.images.recordDir(image.id), 'image', image.id, key);
  });
}

export async function imageBigDataInfo(parts: StoreParts, ref: string, key: string, what: 'size' | 'digest'): Promise<number | string> {
  return parts.images.read(() => {
    const image = requireImage(parts, ref);
    return recordedBigDataInfo(image, key, what, `size/digest of item ${JSON.stringify(key)} in image ${image.id}`);
  });
}

export async function listImageBigData(parts: StoreParts, ref: string): Promise<string[]> {
  return parts.images.read(() => [...requireImage(parts, ref).bigDataNames]);
}

/** Sum of the image's layer chain(s), each layer once, plus its big data. */
export async function imageSize(parts: StoreParts, ref: string): Promise<number> {
  const layers = parts.layers();
  return layers.read(() =>
    parts.images.read(async () => {
      const image = requireImage(parts, ref);
      const queue = [image.topLayer, ...(image.mappedTopLayers ?? [])].filter((id): id is string => !!id);
      const visited = new Set<string>();
      let size = 0;
      while (queue.length > 0) {
        const id = queue.shift() as string;
        if (visited.has(id)) continue;
        visited.add(id);
        const layer = layers.index.get(id);
        if (!layer) throw new StorageError('layer-unknown', `locating layer with ID ${JSON.stringify(id)}`, { id });
        size += await knownSizeOrDiffSize(parts, layer);
        if (layer.parent) queue.push(layer.parent);
      }
      for (const key of image.bigDataNames) size += image.bigDataSizes[key] ?? 0;
      return size;
    }),
  );
}

export function requireImage(parts: StoreParts, ref: string): Image {
  const image = parts.images.lookup(ref);
  if (!image) throw new StorageError('image-unknown', ref, { id: ref });
  return image;
}

export function publicImage(image: Image): Image {
  return copyImage(image);
}
