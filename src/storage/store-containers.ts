// Store operations on containers: create from an image with a new RW layer,
// delete with its layer and directories, directories and their file helpers,
// big data and size.

import { mkdirSync, promises as fsp } from 'node:fs';
import { allocateUserNamespace, IdMappingError, subIdMappings } from '../idmap/index.js';
import { getLockFile } from '../lock/index.js';
import { currentCallSignal } from './call-signal.js';
import { dirname, join, resolve, sep } from 'node:path';
import { colonRecordsInRoot, isErrno, removeTree, writeFileAtomic } from '../util/index.js';
import { readBigDataFile, recordedBigDataInfo } from './big-data-items.js';
import { StorageError } from './errors.js';
import { copyContainer } from './record-copy.js';
import { dedupe } from './id-index.js';
import type { StoreParts } from './store-parts.js';
import { findReadOnlyImage, findReadOnlyLayer } from './store-readonly.js';
import { layerMappings } from './layer-store.js';
import { naiveDiffSize } from './store-layers.js';
import type { AutoUserNsOptions, Container, CreateContainerOptions, IDMap, Image, Layer } from './types.js';
import { validateId, validateNames } from './validate.js';
import { canUseShifting } from './shifting.js';

/**
 * Go's CreateContainer: resolve the image (images read lock), make the RW
 * layer on the image's top layer (layers write lock), then the record
 * (containers write lock); if the record fails, the layer goes again. ID and
 * names are checked against the container store first so that a refused
 * create writes nothing at all.
 */
export async function createContainer(parts: StoreParts, options: CreateContainerOptions): Promise<Container> {
  if (!options.autoUserNs && !options.uidMap?.length && !options.gidMap?.length) return createContainerLocked(parts, options);
  // Go's usernsLock: one process at a time picks and takes ID ranges.
  const userns = getLockFile(join(parts.graphRoot, 'userns.lock'));
  await userns.lock(currentCallSignal());
  try {
    return await createContainerLocked(parts, options);
  } finally {
    userns.unlock();
  }
}

async function createContainerLocked(parts: StoreParts, options: CreateContainerOptions): Promise<Container> {
  const { id, image: imageRef, layer: layerId, metadata = '' } = options;
  let names = options.names ?? [];
  let wanted = containerIdMaps(options);
  validateId(id, 'container');
  validateId(layerId, 'layer');
  validateNames(names, 'container');
  names = dedupe(names);
  for (const item of options.bigData ?? []) {
    if (item.key === '') throw new StorageError('invalid-big-data-name', "can't set empty name for container big data item", { id });
  }
  let image: Image | undefined;
  let ownImage = false;
  if (imageRef) {
    image = await parts.images.read(() => parts.images.lookup(imageRef));
    ownImage = image !== undefined;
    image ??= (await findReadOnlyImage(parts, imageRef))?.image;
    if (!image) throw new StorageError('image-unknown', `locating image with ID ${JSON.stringify(imageRef)}`, { image: imageRef });
  }
  const imageId = image?.id ?? '';
  const topLayer = image?.topLayer;
  if (options.autoUserNs) wanted = await autoUserNamespace(parts, options.autoUserNsOpts ?? {}, image);
  await parts.containers.read(() => parts.containers.checkNew(id, names));
  // In transient-store mode every container and container layer is volatile (Go: store.CreateContainer).
  const volatile = options.volatile === true || parts.options.transientStore === true;

  const layers = parts.layers();
  const layer = await layers.write(async () => {
    if (layerId !== undefined && layers.index.get(layerId)) throw new StorageError('duplicate-id', `layer ${JSON.stringify(layerId)}`, { id: layerId });
    const parent = image && topLayer ? await imageTopLayerForMapping(parts, image, ownImage, wanted) : undefined;
    const layerOptions = { volatile };
    // Without maps of its own the layer takes the image's top layer's, or with no image the store's.
    const inherited = imageRef ? parent : parts.options;
    const maps = {
      uidMap: options.hostUidMapping ? undefined : wanted.uidMap ?? inherited?.uidMap,
      gidMap: options.hostGidMapping ? undefined : wanted.gidMap ?? inherited?.gidMap,
    };
    // Go: a driver that shifts gets a layer without maps; the container's maps are applied when it is mounted.
    const stored = (await canUseShifting(parts.driver, maps)) ? {} : maps;
    return (await layers.create({ id: layerId, parent, names: [], mountLabel: options.mountLabel ?? '', options: layerOptions, storageOpt: options.storageOpt, ...stored })).layer;
  });
  try {
    return await parts.containers.write(async () => copyContainer(await parts.containers.create(id, names, imageId, layer.id, metadata, { ...options, volatile, uidMap: wanted.uidMap, gidMap: wanted.gidMap })));
  } catch (err) {
    await layers.write(async () => {
      const made = layers.index.get(layer.id);
      if (made) await layers.delete(made);
    });
    throw err;
  }
}

const DEFAULT_AUTO_NS_MIN_SIZE = 1024;
const DEFAULT_AUTO_NS_MAX_SIZE = 65536;
const NOBODY = 65534;

/**
 * Go's getAutoUserNS: a namespace of the requested size, or else of what the
 * image's files (their owners, and the passwd/group files given) need, at
 * least the initial and minimum sizes and at most the maximum, on host IDs of
 * the auto-userns user's subordinate ranges that no container of this store
 * uses. Run under the containers lock, so two creates never share a range.
 */
async function autoUserNamespace(parts: StoreParts, opts: AutoUserNsOptions, image: Image | undefined): Promise<{ uidMap: IDMap[]; gidMap: IDMap[] }> {
  const { autoUsernsUser = 'containers', autoNsMinSize = DEFAULT_AUTO_NS_MIN_SIZE, autoNsMaxSize = DEFAULT_AUTO_NS_MAX_SIZE, subIdFiles } = parts.options;
  let size = opts.size ?? 0;
  if (size === 0) {
    size = Math.max(opts.initialSize ?? 1, autoNsMinSize, image ? await sizeNeededBy(parts, image, opts) : 0);
    if (autoNsMaxSize > 0 && size > autoNsMaxSize) {
      throw new StorageError('no-available-ids', `the container needs a user namespace with size ${size} that is bigger than the maximum value allowed with userns=auto ${autoNsMaxSize}`, { size });
    }
  }
  try {
    const subIds = subIdMappings(autoUsernsUser, autoUsernsUser, subIdFiles);
    return await parts.containers.read(() => {
      const used = { uids: [] as IDMap[], gids: [] as IDMap[] };
      for (const container of parts.containers.index.all()) {
        used.uids.push(...(container.uidMap ?? []));
        used.gids.push(...(container.gidMap ?? []));
      }
      return allocateUserNamespace({
        size,
        available: { uids: subIds.uidMap, gids: subIds.gidMap },
        used,
        additional: { uids: opts.additionalUidMappings, gids: opts.additionalGidMappings },
      });
    });
  } catch (err) {
    if (!(err instanceof IdMappingError)) throw err;
    throw new StorageError('no-available-ids', err.message, { user: autoUsernsUser }, { cause: err });
  }
}

/**
 * Go's getMaxSizeFromImage: one more than the highest owner of the image's
 * layers, or the highest ID of its /etc/passwd and /etc/group (or the files
 * given instead) if that is more, read through a temporary layer on the
 * image's top layer that is mounted, read and deleted under the layers lock.
 */
async function sizeNeededBy(parts: StoreParts, image: Image, opts: AutoUserNsOptions): Promise<number> {
  let size = 0;
  const layers = parts.layers();
  let top: Layer | undefined;
  for (let id = image.topLayer; id; ) {
    const layer = (await layers.read(() => layers.index.get(id!))) ?? (await findReadOnlyLayer(parts, id))?.layer;
    if (!layer) throw new StorageError('layer-unknown', `cannot find layer ${JSON.stringify(id)}`, { id });
    top ??= layer;
    for (const owner of [...(layer.uidSet ?? []), ...(layer.gidSet ?? [])]) size = Math.max(size, owner + 1);
    id = layer.parent;
  }
  if (!top) return Math.max(size, userFilesSize(undefined, opts));
  const parent = top;
  const fromFiles = await layers.write(async () => {
    const { layer: scratch } = await layers.create({ id: undefined, parent, names: [], mountLabel: '', options: {} });
    try {
      const root = await layers.mount(scratch, {});
      try {
        return userFilesSize(root, opts);
      } finally {
        await layers.unmount(scratch, true);
      }
    } finally {
      await layers.delete(scratch);
    }
  });
  return Math.max(size, fromFiles);
}

/**
 * Go's parseMountedFiles: the highest UID or GID of the passwd file (users'
 * UIDs and GIDs) and the group file (GIDs), `nobody` and 65534 left out;
 * missing files count nothing. Go v1.50.2 joins its default group path onto
 * the empty string, so it reads `etc/group` under its working directory;
 * Berth reads the image's, as that code means to. Go joins the image's paths
 * on the host; Berth follows their symlinks inside the image's root, so an
 * image cannot have a host file read in their place.
 */
function userFilesSize(root: string | undefined, opts: AutoUserNsOptions): number {
  let highest = 0;
  for (const [given, inRoot, idFields] of [[opts.passwdFile, '/etc/passwd', [2, 3]], [opts.groupFile, '/etc/group', [2]]] as const) {
    const records = given ? colonRecordsInRoot('/', resolve(given)) : root ? colonRecordsInRoot(root, inRoot) : [];
    for (const fields of records) {
      if (fields[0] === 'nobody') continue;
      for (const index of idFields) {
        const id = goAtoi(fields[index]);
        if (id !== NOBODY) highest = Math.max(highest, id);
      }
    }
  }
  return highest;
}

/** strconv.Atoi with its error ignored, as libcontainer reads IDs: 0 for anything not a decimal integer. */
function goAtoi(field: string | undefined): number {
  if (field === undefined || !/^[+-]?\d+$/.test(field)) return 0;
  const value = Number(field);
  return Number.isSafeInteger(value) ? value : 0;
}

/** The maps a container asks for: none with the host flags, else those given (empty: none). */
function containerIdMaps(options: CreateContainerOptions): { uidMap?: IDMap[]; gidMap?: IDMap[] } {
  return {
    uidMap: options.hostUidMapping || !options.uidMap?.length ? undefined : options.uidMap,
    gidMap: options.hostGidMapping || !options.gidMap?.length ? undefined : options.gidMap,
  };
}

/**
 * Go's imageTopLayerForMapping, under the layers write lock: the image's top
 * layer or one of its mapped copies whose maps are the container's (any
 * layer without maps, when the driver shifts); else, for an image of this
 * store, a new copy of the top layer with those maps (none when shifting),
 * named in the image's `mapped-layers` (an image of a read-only store gets
 * none: the container layer is remapped by itself).
 */
async function imageTopLayerForMapping(parts: StoreParts, image: Image, ownImage: boolean, wanted: { uidMap?: IDMap[]; gidMap?: IDMap[] }): Promise<Layer> {
  const layers = parts.layers();
  const find = async (id: string) => layers.index.get(id) ?? (await findReadOnlyLayer(parts, id))?.layer;
  const wantedMappings = layerMappings(wanted);
  const shifting = await canUseShifting(parts.driver, wanted);
  let top: Layer | undefined;
  for (const id of [image.topLayer!, ...(image.mappedTopLayers ?? [])]) {
    const candidate = await find(id);
    if (!candidate) continue;
    if (candidate.parent && !(await find(candidate.parent))) continue;
    const candidateMappings = layerMappings(candidate);
    if ((shifting && candidateMappings.isIdentity) || candidateMappings.equals(wantedMappings)) return candidate;
    top ??= candidate;
  }
  if (!top) throw new StorageError('layer-unknown', `top layer ${image.topLayer} of image ${image.id}`, { id: image.topLayer });
  if (!ownImage) return top;
  const parent = top.parent ? await find(top.parent) : undefined;
  const { layer: mapped } = await layers.create({ id: undefined, parent, names: [], mountLabel: top.mountLabel ?? '', options: {}, template: top, ...(shifting ? {} : wanted) });
  try {
    await parts.images.write(() => {
      const record = parts.images.index.get(image.id);
      if (!record) throw new StorageError('image-unknown', `registering ID-mapped layer with image ${JSON.stringify(image.id)}`, { image: image.id });
      record.mappedTopLayers = [...(record.mappedTopLayers ?? []), mapped.id];
      parts.images.touch(record);
      parts.images.save();
    });
  } catch (err) {
    await layers.delete(mapped);
    throw err;
  }
  return mapped;
}

/** The layer goes first, so that a failure does not lose track of it (Go's order). */
export async function deleteContainer(parts: StoreParts, ref: string): Promise<void> {
  const layers = parts.layers();
  await layers.write(() =>
    parts.containers.write(async () => {
      const container = parts.containers.lookup(ref);
      if (!container) throw new StorageError('not-a-container', ref, { id: ref });
      const layer = layers.index.get(container.layerId);
      if (layer) await layers.delete(layer);
      parts.containers.delete(container);
      removeContainerDirs(parts, container.id);
    }),
  );
}

/**
 * The container's directory and its run directory, with all they hold. Sync, one native
 * call each (most containers have no directories): the async calls' thread-pool round trips
 * showed in the delete benchmark.
 */
export function removeContainerDirs(parts: StoreParts, id: string): void {
  removeTree(join(parts.containers.dir, id));
  removeTree(join(parts.containerRunDir, id));
}

export async function listContainers(parts: StoreParts): Promise<Container[]> {
  return parts.containers.read(() => [...parts.containers.index.all()].map((c) => copyContainer(c)));
}

export async function visitContainers(parts: StoreParts, visit: (container: Readonly<Container>) => void): Promise<void> {
  await parts.containers.read(() => {
    parts.containers.index.forEach(visit);
  });
}

export async function getContainer(parts: StoreParts, ref: string): Promise<Container> {
  return parts.containers.read(() => copyContainer(requireContainer(parts, ref)));
}

/** By the layer's ID, name or prefix. */
export async function containerByLayer(parts: StoreParts, ref: string): Promise<Container> {
  const layers = parts.layers();
  const layerId = await layers.read(() => layers.lookup(ref)?.id);
  if (!layerId) throw new StorageError('layer-unknown', ref, { id: ref });
  return parts.containers.read(() => {
    const container = parts.containers.withLayer(layerId);
    if (!container) throw new StorageError('container-unknown', `no container uses layer ${layerId}`, { layer: layerId });
    return copyContainer(container);
  });
}

/** `G/D-containers/<id>/userdata` (graph) or `R/D-containers/<id>/userdata` (run), made on demand as Go does. */
export async function containerDirectory(parts: StoreParts, ref: string, where: 'graph' | 'run'): Promise<string> {
  return parts.containers.read(() => {
    const container = requireContainer(parts, ref);
    const dir = join(where === 'graph' ? parts.containers.dir : parts.containerRunDir, container.id, 'userdata');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return dir;
  });
}

export async function setContainerDirectoryFile(parts: StoreParts, ref: string, where: 'graph' | 'run', file: string, data: Buffer): Promise<void> {
  refuseEscapingFile(file);
  const path = join(await containerDirectory(parts, ref, where), file);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, data, { mode: 0o600 });
}

export async function fromContainerDirectory(parts: StoreParts, ref: string, where: 'graph' | 'run', file: string): Promise<Buffer> {
  refuseEscapingFile(file);
  return fsp.readFile(join(await containerDirectory(parts, ref, where), file));
}

/**
 * Refuses a `file` that would leave the container's directory (`../x`,
 * `/etc/x`) before anything is created. Go joins whatever it is given.
 */
function refuseEscapingFile(file: string): void {
  const root = '/container-directory';
  if (file === '' || file.includes('\0') || !resolve(root, file).startsWith(root + sep)) {
    throw new StorageError('invalid-path', `file ${JSON.stringify(file)} in a container directory`, { file });
  }
}

export async function setContainerBigData(parts: StoreParts, ref: string, key: string, data: Buffer): Promise<void> {
  await parts.containers.write(() => parts.containers.setBigData(requireContainer(parts, ref), key, data));
}

export async function containerBigData(parts: StoreParts, ref: string, key: string): Promise<Buffer> {
  return parts.containers.read(() => {
    const container = requireContainer(parts, ref);
    return readBigDataFile(parts.containers.recordDir(container.id), 'container', container.id, key);
  });
}

export async function containerBigDataInfo(parts: StoreParts, ref: string, key: string, what: 'size' | 'digest'): Promise<number | string> {
  return parts.containers.read(() => {
    const container = requireContainer(parts, ref);
    return recordedBigDataInfo(container, key, what, `item ${JSON.stringify(key)} of container ${container.id}`);
  });
}

export async function listContainerBigData(parts: StoreParts, ref: string): Promise<string[]> {
  return parts.containers.read(() => [...requireContainer(parts, ref).bigDataNames]);
}

/** The layer's diff size, big data and both container directories (Go's ContainerSize). */
export async function containerSize(parts: StoreParts, ref: string): Promise<number> {
  const graphDir = await containerDirectory(parts, ref, 'graph');
  const runDir = await containerDirectory(parts, ref, 'run');
  const layers = parts.layers();
  return layers.read(() =>
    parts.containers.read(async () => {
      const container = requireContainer(parts, ref);
      const layer = layers.index.get(container.layerId);
      if (!layer) throw new StorageError('layer-unknown', `locating layer with ID ${JSON.stringify(container.layerId)}`, { id: container.layerId });
      let size = await naiveDiffSize(parts, layer);
      for (const key of container.bigDataNames) size += container.bigDataSizes[key] ?? 0;
      return size + (await treeSize(graphDir)) + (await treeSize(runDir));
    }),
  );
}

/** Bytes of the non-directory entries under `dir`, each inode once (Go's directory.Size). */
async function treeSize(dir: string, seen = new Set<bigint>()): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return 0;
    throw err;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      total += await treeSize(path, seen);
      continue;
    }
    const st = await fsp.lstat(path, { bigint: true });
    if (seen.has(st.ino)) continue;
    seen.add(st.ino);
    total += Number(st.size);
  }
  return total;
}

export function requireContainer(parts: StoreParts, ref: string): Container {
  const container = parts.containers.lookup(ref);
  if (!container) throw new StorageError('container-unknown', ref, { id: ref });
  return container;
}
