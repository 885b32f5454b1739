// Store operations on layers: create/put, delete with safety checks, apply a
// diff into an existing layer, sizes, digest lookups and layer big data.

import { createReadStream, existsSync, lstatSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { idToContainer } from '../idmap/index.js';
import { layerMappings } from './layer-store.js';
import type { Readable } from 'node:stream';
import { isErrno } from '../util/index.js';
import { bigDataPath } from './big-data-items.js';
import { StorageError } from './errors.js';
import { copyLayer } from './record-copy.js';
import { dedupe } from './id-index.js';
import type { StoreParts } from './store-parts.js';
import type { CreateStorageLayerOptions, IDMap, IDMappingOptions, Layer, PutLayerOptions, StoreOptions } from './types.js';
import { findReadOnlyLayer, readOnlyLayers } from './store-readonly.js';
import { validateId, validateNames } from './validate.js';
import { canUseShifting } from './shifting.js';

/**
 * Go's putLayer: layers.lock W + containers.lock W. The parent may be given
 * by ID, name or prefix but must not be a container's layer. Every check
 * runs before anything is written.
 */
export async function putLayer(parts: StoreParts, options: PutLayerOptions, diff?: Readable): Promise<{ layer: Layer; size: number }> {
  const { id, parent: parentRef, mountLabel = '' } = options;
  let names = options.names ?? [];
  if (options.autoUserNs) throw new StorageError('not-supported', 'automatic user namespaces for a layer (they are for containers)', {});
  if (options.staged && (options.uidMap?.length || options.gidMap?.length)) {
    throw new StorageError('not-supported', 'ID mappings for a staged layer', {});
  }
  validateId(id, 'layer');
  validateNames(names, 'layer');
  names = dedupe(names);
  if (diff && options.staged) throw new StorageError('not-supported', 'a diff stream together with a staged layer', {});
  const layers = parts.layers();
  return layers.write(() =>
    parts.containers.write(async () => {
      if (id !== undefined && layers.index.get(id)) throw new StorageError('duplicate-id', `layer ${JSON.stringify(id)}`, { id });
      for (const name of names) {
        const holder = layers.index.withName(name);
        if (holder) throw new StorageError('duplicate-name', `layer name ${JSON.stringify(name)} is already used by layer ${holder.id}`, { name, id: holder.id });
      }
      for (const item of options.bigData ?? []) {
        if (item.key === '') throw new StorageError('invalid-big-data-name', "can't set empty name for layer big data item", { id });
      }
      let parent: Layer | undefined;
      if (parentRef) {
        parent = layers.lookup(parentRef) ?? (await findReadOnlyLayer(parts, parentRef))?.layer;
        if (!parent) throw new StorageError('layer-unknown', `parent ${JSON.stringify(parentRef)}`, { parent: parentRef });
        if (parts.containers.withLayer(parent.id)) throw new StorageError('parent-is-container', `layer ${parent.id}`, { parent: parent.id });
      }
      const maps = layerIdMaps(options, parent, parts.options);
      // Go's PutLayer: when the driver can shift them at mount time, layers keep the host's IDs and no maps.
      const stored = (await canUseShifting(parts.driver, maps)) ? {} : maps;
      const result = await layers.create({ id, parent, names, mountLabel, options, diff, ...stored });
      return { layer: publicLayer(result.layer), size: result.size };
    }),
  );
}

/**
 * Go's DeleteLayer, with its delete-by-name bug fixed: the reference is
 * resolved to the ID first, so the child/image/container checks always run.
 */
export async function deleteLayer(parts: StoreParts, ref: string): Promise<void> {
  const layers = parts.layers();
  await layers.write(() =>
    parts.images.write(() =>
      parts.containers.write(async () => {
        const layer = layers.lookup(ref);
        if (!layer) throw new StorageError('not-a-layer', ref, { id: ref });
        const id = layer.id;
        for (const other of layers.index.all()) {
          if (other.parent === id) throw new StorageError('layer-has-children', `used by layer ${other.id}`, { id, child: other.id });
        }
        for (const image of parts.images.index.all()) {
          if (image.topLayer === id) throw new StorageError('layer-used-by-image', `layer ${id} used by image ${image.id}`, { id, image: image.id });
        }
        const container = parts.containers.withLayer(id);
        if (container) throw new StorageError('layer-used-by-container', `layer ${id} used by container ${container.id}`, { id, container: container.id });
        await layers.delete(layer);
        for (const image of parts.images.index.all()) {
          if (!image.mappedTopLayers?.includes(id)) continue;
          image.mappedTopLayers = image.mappedTopLayers.filter((l) => l !== id);
          parts.images.touch(image);
        }
        parts.images.save();
      }),
    ),
  );
}

/**
 * ApplyDiff into an existing layer. Go holds layers.lock W only; Berth also
 * reads the image and container records, briefly, because the layer is
 * flagged `incomplete` while the diff goes in (see applyDiffToExisting) and a
 * crash then removes it: a layer something else builds on is refused instead.
 * A new child, container layer or image on the layer needs layers.lock
 * (createImage holds it for reading until the image is saved, as Go does),
 * and that stays held to the end.
 */
export async function applyDiff(parts: StoreParts, ref: string, diff: Readable): Promise<number> {
  const layers = parts.layers();
  return layers.write(async () => {
    const layer = requireLayer(parts, ref);
    await parts.images.read(() => parts.containers.read(() => refuseDependents(parts, layer)));
    // A mounted layer is allowed, as in Go (the v1.50.2 bats suite applies into mounted layers);
    // if the apply fails or is killed, emptying or removing the layer detaches that mount.
    return layers.applyDiffToExisting(layer, diff);
  });
}

function refuseDependents(parts: StoreParts, layer: Layer): void {
  const id = layer.id;
  const context = `applying a diff to layer ${id}`;
  for (const other of parts.layers().index.all()) {
    if (other.parent === id) throw new StorageError('layer-has-children', `${context}: used by layer ${other.id}`, { id, child: other.id });
  }
  for (const image of parts.images.index.all()) {
    if (image.topLayer === id || image.mappedTopLayers?.includes(id)) {
      throw new StorageError('layer-used-by-image', `${context}: top layer of image ${image.id}`, { id, image: image.id });
    }
  }
  const container = parts.containers.withLayer(id);
  if (container) throw new StorageError('layer-used-by-container', `${context}: layer of container ${container.id}`, { id, container: container.id });
}

/** diff-size when a digest vouches for it, else what the driver computes. */
export async function layerSize(parts: StoreParts, ref: string): Promise<number> {
  const layers = parts.layers();
  return layers.read(async () => {
    const layer = requireLayer(parts, ref);
    return knownSizeOrDiffSize(parts, layer);
  });
}

/** The driver's Metadata of a layer (by ID or name). */
export async function layerDriverMetadata(parts: StoreParts, ref: string): Promise<Record<string, string> | null> {
  const layer = await parts.layers().read(() => requireLayer(parts, ref));
  return parts.driver.metadata(layer.id);
}

export async function knownSizeOrDiffSize(parts: StoreParts, layer: Layer): Promise<number> {
  if (layer.uncompressedDigest && layer.uncompressedSize !== undefined) return layer.uncompressedSize;
  return naiveDiffSize(parts, layer);
}

/**
 * What the driver counts as the layer's changes against its parent, owners
 * compared through both layers' ID mappings (Go passes both to DiffSize); the
 * parent may be in an additional store.
 */
export async function naiveDiffSize(parts: StoreParts, layer: Layer): Promise<number> {
  const parent = layer.parent ? parts.layers().index.get(layer.parent) ?? (await findReadOnlyLayer(parts, layer.parent))?.layer : undefined;
  return parts.driver.diffSize(layer.id, layer.parent, { new: layerMappings(layer), old: layerMappings(parent ?? {}) });
}

export async function layersByDigest(parts: StoreParts, digest: string, which: 'compressed' | 'uncompressed'): Promise<Layer[]> {
  const layers = parts.layers();
  return layers.read(async () => {
    await layers.refreshMounts();
    const found = [...layers.index.all()].filter((l) => (which === 'compressed' ? l.compressedDigest : l.uncompressedDigest) === digest);
    return found.map(publicLayer);
  });
}

/** This store's layers, then those of the additional image stores (Go's Layers()). */
export async function listLayers(parts: StoreParts): Promise<Layer[]> {
  const layers = parts.layers();
  const own = await layers.read(async () => {
    await layers.refreshMounts();
    return [...layers.index.all()].map(publicLayer);
  });
  if (parts.roImages.length === 0) return own;
  return [...own, ...(await readOnlyLayers(parts, new Set(own.map((layer) => layer.id)))).map(publicLayer)];
}

export async function getLayer(parts: StoreParts, ref: string): Promise<Layer> {
  const layers = parts.layers();
  const own = await layers.read(async () => {
    await layers.refreshMounts();
    const layer = layers.lookup(ref);
    return layer && publicLayer(layer);
  });
  if (own) return own;
  const other = await findReadOnlyLayer(parts, ref);
  if (other) return publicLayer(other.layer);
  throw new StorageError('layer-unknown', ref, { id: ref });
}

/**
 * Go's ParentOwners: the owners of the mount point's parent directories (each
 * stat'ed and lstat'ed) that the layer's maps cannot show inside, which a
 * user namespace would see as nobody. Without maps there are none; a mapped
 * layer must be mounted.
 */
export async function layerParentOwners(parts: StoreParts, ref: string): Promise<{ uids: number[]; gids: number[] }> {
  const layers = parts.layers();
  const layer = await layers.read(() => requireLayer(parts, ref));
  const mappings = layerMappings(layer);
  if (mappings.isIdentity) return { uids: [], gids: [] };
  const mountPoint = (await layers.read(() => layers.mountState(layer))).path;
  if (!mountPoint || !existsSync(mountPoint)) throw new StorageError('layer-not-mounted', `layer ${layer.id}`, { id: layer.id });
  const uids = new Set<number>();
  const gids = new Set<number>();
  for (let dir = dirname(mountPoint); dir !== '/' && dir !== '.'; dir = dirname(dir)) {
    for (const st of [statSync(dir), lstatSync(dir)]) {
      if (!mapsId(mappings.uids, st.uid)) uids.add(st.uid);
      if (!mapsId(mappings.gids, st.gid)) gids.add(st.gid);
    }
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return { uids: sorted(uids), gids: sorted(gids) };
}

function mapsId(maps: readonly IDMap[], hostId: number): boolean {
  try {
    idToContainer(hostId, maps);
    return true;
  } catch {
    return false;
  }
}

export async function setLayerBigData(parts: StoreParts, ref: string, key: string, data: Readable | Buffer): Promise<void> {
  const layers = parts.layers();
  await layers.write(() => layers.setBigData(requireLayer(parts, ref), key, data));
}

export async function layerBigData(parts: StoreParts, ref: string, key: string): Promise<Readable> {
  const layers = parts.layers();
  return layers.read(async () => {
    const layer = requireLayer(parts, ref);
    const path = bigDataPath(layers.bigDataDir(layer.id), key);
    // Open now, under the lock: an atomic replace later leaves this fd on the old file.
    const stream = createReadStream(path);
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve());
      stream.once('error', (err) => {
        if (isErrno(err, 'ENOENT')) {
          reject(new StorageError('big-data-unknown', `locating item named ${JSON.stringify(key)} for layer with ID ${JSON.stringify(layer.id)}`, { id: layer.id, key }, { cause: err }));
        } else reject(err);
      });
    });
    return stream;
  });
}

export async function listLayerBigData(parts: StoreParts, ref: string): Promise<string[]> {
  return parts.layers().read(() => [...(requireLayer(parts, ref).bigDataNames ?? [])]);
}

/**
 * Go's putLayer: the host's IDs when asked, else the maps given, else the
 * parent's, or for a base layer the store's (storage.conf remap-*).
 */
function layerIdMaps(options: IDMappingOptions, parent: Layer | undefined, store: StoreOptions): { uidMap?: IDMap[]; gidMap?: IDMap[] } {
  const inherited = parent ?? store;
  const pick = (host: boolean | undefined, given: IDMap[] | undefined, fallback: IDMap[] | undefined): IDMap[] | undefined => {
    if (host) return undefined;
    const maps = given?.length ? given : fallback;
    return maps?.length ? maps.map((m) => ({ ...m })) : undefined;
  };
  return {
    uidMap: pick(options.hostUidMapping, options.uidMap, inherited.uidMap),
    gidMap: pick(options.hostGidMapping, options.gidMap, inherited.gidMap),
  };
}

export function requireLayer(parts: StoreParts, ref: string): Layer {
  const layer = parts.layers().lookup(ref);
  if (!layer) throw new StorageError('layer-unknown', ref, { id: ref });
  return layer;
}

/** A copy callers may keep and change without touching the store's records. */
export function publicLayer(layer: Layer): Layer {
  return copyLayer(layer);
}

/**
 * Go's GraphDriver().Create(): a driver layer with no record, under the
 * layers lock so no record of the same ID is being made meanwhile. An ID that
 * a record or the driver already holds is refused.
 */
export async function createStorageLayer(parts: StoreParts, options: CreateStorageLayerOptions): Promise<void> {
  validateId(options.id, 'layer');
  validateId(options.parent, 'layer');
  const layers = parts.layers();
  await layers.write(async () => {
    if (layers.index.get(options.id) || (await parts.driver.exists(options.id))) {
      throw new StorageError('duplicate-id', `layer ${JSON.stringify(options.id)}`, { id: options.id });
    }
    if (options.parent && !(await parts.driver.exists(options.parent))) {
      throw new StorageError('layer-unknown', `parent ${JSON.stringify(options.parent)} in the storage driver`, { parent: options.parent });
    }
    await parts.driver.create(options.id, options.parent, { mountLabel: options.mountLabel });
  });
}
