// Mounting through the Store: containers resolve to their layer, counts live
// in mountpoints.json across processes (§7.3), images mount read-only, and
// shutdown unmounts what is left.

import { MOUNT_OPTS_FLAG, VOLATILE_FLAG } from './container-store.js';
import { StorageError } from './errors.js';
import type { DriverMountOptions } from './drivers/index.js';
import type { Layer } from './types.js';
import type { StoreParts } from './store-parts.js';
import { requireImage } from './store-images.js';
import { currentCallSignal } from './call-signal.js';
import { IdMappings } from '../idmap/index.js';
import { canUseShifting } from './shifting.js';

/**
 * A container ID/name mounts the container's layer with its MountOpts,
 * Volatile flag and maps (a driver that shifts applies them: Go's store.Mount
 * and mount). Go holds storage.lock W across the whole mount, then
 * layers.lock W (and mountpoints.lock W inside).
 */
export async function mount(parts: StoreParts, ref: string, mountLabel: string): Promise<string> {
  const container = await parts.containers.read(() => parts.containers.lookup(ref));
  const options: DriverMountOptions = { mountLabel };
  let layerRef = ref;
  if (container) {
    layerRef = container.layerId;
    const mountOpts = container.flags?.[MOUNT_OPTS_FLAG];
    if (Array.isArray(mountOpts)) options.options = mountOpts.filter((o): o is string => typeof o === 'string');
    if (container.flags?.[VOLATILE_FLAG] === true) options.volatile = true;
    if (container.uidMap?.length || container.gidMap?.length) {
      options.idMappings = new IdMappings(container.uidMap, container.gidMap);
      options.disableShifting = !(await canUseShifting(parts.driver, container));
    }
  }
  return mountLayer(parts, layerRef, options);
}

async function mountLayer(parts: StoreParts, layerRef: string, options: DriverMountOptions): Promise<string> {
  const layers = parts.layers();
  return parts.graphLock.withLock(() =>
    layers.write(async () => {
      const layer = layers.lookup(layerRef);
      if (!layer) throw new StorageError('layer-unknown', layerRef, { id: layerRef });
      try {
        return await layers.mount(layer, options);
      } catch (err) {
        throw (await missingLowerLayer(parts, layer, err)) ?? err;
      }
    }),
    currentCallSignal(),
  );
}

/**
 * After a failed mount: the first layer below `layer` whose record or driver
 * directory is gone (deleted without safety checks, or by another tool). The
 * kernel only says ENOENT about the mount point, which does exist; this names
 * the layer that is missing. Undefined when every lower layer is present.
 */
async function missingLowerLayer(parts: StoreParts, layer: Layer, cause: unknown): Promise<StorageError | undefined> {
  const layers = parts.layers();
  for (let id = layer.parent; id; ) {
    const lower = layers.index.get(id);
    if (!lower || !(await parts.driver.exists(id))) {
      const what = lower ? 'its driver directory is gone' : 'no record of it is left';
      return new StorageError('layer-missing', `mounting layer ${layer.id}: lower layer ${id}: ${what}`, { id: layer.id, lower: id }, { cause });
    }
    id = lower.parent;
  }
  return undefined;
}

/** By container, layer ID/name/prefix, or mount path. Returns whether it is still mounted. */
export async function unmount(parts: StoreParts, ref: string, force: boolean): Promise<boolean> {
  const layerRef = (await parts.containers.read(() => parts.containers.lookup(ref)?.layerId)) ?? ref;
  const layers = parts.layers();
  return parts.graphLock.withLock(() =>
    layers.write(async () => {
      await layers.refreshMounts();
      const layer = layers.lookup(layerRef) ?? layerByMountPoint(parts, layerRef);
      if (!layer) throw new StorageError('layer-unknown', layerRef, { id: layerRef });
      return layers.unmount(layer, force);
    }),
    currentCallSignal(),
  );
}

function layerByMountPoint(parts: StoreParts, path: string): Layer | undefined {
  for (const layer of parts.layers().index.all()) if (layer.mountPoint && layer.mountPoint === path) return layer;
  return undefined;
}

export async function mounted(parts: StoreParts, ref: string): Promise<number> {
  const layerRef = (await parts.containers.read(() => parts.containers.lookup(ref)?.layerId)) ?? ref;
  const layers = parts.layers();
  return layers.read(() => {
    const layer = layers.lookup(layerRef);
    if (!layer) throw new StorageError('layer-unknown', layerRef, { id: layerRef });
    return layers.mountCount(layer);
  });
}

/** The image's top layer, always read-only (`ro` appended, as Go does). */
export async function mountImage(parts: StoreParts, ref: string, mountOptions: string[], mountLabel: string): Promise<string> {
  const image = await parts.images.read(() => requireImage(parts, ref));
  if (!image.topLayer) throw new StorageError('layer-unknown', `image ${image.id} has no top layer`, { id: image.id });
  return mountLayer(parts, image.topLayer, { mountLabel, options: [...mountOptions, 'ro'] });
}

export async function unmountImage(parts: StoreParts, ref: string, force: boolean): Promise<boolean> {
  const image = await parts.images.read(() => requireImage(parts, ref));
  if (!image.topLayer) throw new StorageError('layer-unknown', `image ${image.id} has no top layer`, { id: image.id });
  return unmount(parts, image.topLayer, force);
}

/**
 * Without `force`, mounted layers are an error (Go: "a layer is mounted").
 * With it, each is unmounted whatever its count. Then the storage.lock token
 * changes (other processes re-initialise their driver, as after Go's
 * Shutdown) and the driver releases its home mount.
 */
export async function shutdown(parts: StoreParts, force: boolean): Promise<string[]> {
  const layers = parts.layers();
  return parts.graphLock.withLock(() =>
    layers.write(async () => {
      await layers.refreshMounts();
      const mountedLayers = [...layers.index.all()].filter((l) => l.mountCount > 0);
      if (mountedLayers.length > 0 && !force) {
        throw new StorageError('layer-used-by-container', 'a layer is mounted', { mounted: mountedLayers.map((l) => l.id) });
      }
      for (const layer of mountedLayers) await layers.unmount(layer, true);
      parts.graphLock.recordWrite();
      await parts.driver.cleanup();
      return mountedLayers.filter((l) => l.mountCount > 0).map((l) => l.id);
    }),
    currentCallSignal(),
  );
}
