// Store.check (v1.50 §10): what looks wrong in the store, per record, without
// changing anything. Layers are write-locked (mount tests), images and
// containers read-locked.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { ArchiveError, ChangeKind, tarSplitReplay, type Change } from '../archive/index.js';
import { isErrno } from '../util/index.js';
import { bigDataPath } from './big-data-items.js';
import { StorageError, type StorageErrorCode } from './errors.js';
import { compareLayerContents, type ContentRules } from './check-contents.js';
import type { ImageStore } from './image-store.js';
import { layerMappings, type LayerStore } from './layer-store.js';
import type { StoreParts } from './store-parts.js';
import { readOnlyImages, readOnlyLayers } from './store-readonly.js';
import type { CheckOptions, CheckReport, Container, Image, Layer } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** CheckMost(): everything except the (slow) layer contents comparison. */
function withDefaults(options: CheckOptions = {}): Required<Omit<CheckOptions, 'signal'>> {
  return {
    layerUnreferencedMaximumAge: options.layerUnreferencedMaximumAge ?? DAY_MS,
    layerDigests: options.layerDigests ?? true,
    layerMountable: options.layerMountable ?? true,
    layerContents: options.layerContents ?? false,
    layerData: options.layerData ?? true,
    imageData: options.imageData ?? true,
    containerData: options.containerData ?? true,
  };
}

/** Where one record's problems go: its own store's section, or the read-only one (Go's `read-only ` prefix). */
interface Section {
  into: Record<string, Error[]>;
  prefix: '' | 'read-only ';
}

/** The layer and image IDs of the whole store: its own and the additional stores' (parents and chains may cross). */
interface Known {
  layers: Map<string, Layer>;
  images: Set<string>;
}

export async function check(parts: StoreParts, given?: CheckOptions): Promise<CheckReport> {
  const options = withDefaults(given);
  const report: CheckReport = { layers: {}, rolayers: {}, images: {}, roImages: {}, containers: {} };
  const layers = parts.layers();
  // The additional stores cannot change under us in a way we could fix: read them first.
  const roLayers = await readOnlyLayers(parts);
  const roImages = await readOnlyImages(parts);
  await layers.write(() =>
    parts.images.read(() =>
      parts.containers.read(async () => {
        await layers.refreshMounts();
        const known: Known = { layers: new Map(roLayers.map((layer) => [layer.id, layer])), images: new Set(roImages.map((image) => image.id)) };
        for (const layer of layers.index.all()) known.layers.set(layer.id, layer);
        for (const image of parts.images.index.all()) known.images.add(image.id);
        const own: Section = { into: report.layers, prefix: '' };
        const containerLayers = new Set([...parts.containers.index.all()].map((c) => c.layerId));
        for (const layer of layers.index.all()) await checkLayer(parts, layers, layer, options, known, own, containerLayers);
        const readOnly: Section = { into: report.rolayers, prefix: 'read-only ' };
        for (const layer of roLayers) await checkLayer(parts, layerStoreOf(parts, layer.id), layer, options, known, readOnly);
        for (const image of parts.images.index.all()) await checkImage(parts.images.recordDir(image.id), image, options, known, { into: report.images, prefix: '' });
        for (const image of roImages) {
          await checkImage(imageStoreOf(parts, image.id).recordDir(image.id), image, options, known, { into: report.roImages, prefix: 'read-only ' });
        }
        for (const container of parts.containers.index.all()) await checkContainer(parts, container, options, known, report);
        flagUnreferencedLayers(parts, [...parts.images.index.all(), ...roImages], options, report);
        const accounted = new Set(layers.index.ids());
        for (const id of await parts.driver.listLayers()) {
          if (!accounted.has(id)) note(report.layers, id, problem('layer-unaccounted', `layer ${id}`));
        }
      }),
    ),
  );
  return report;
}

/** The additional layer store a read-only layer came from (the first that has it, as readOnlyLayers picked). */
function layerStoreOf(parts: StoreParts, id: string): LayerStore {
  return parts.roLayers().find((store) => store.index.get(id)) ?? parts.layers();
}

function imageStoreOf(parts: StoreParts, id: string): ImageStore {
  return parts.roImages.find((store) => store.index.get(id)) ?? parts.images;
}

/**
 * Go's per-layer checks. Mounting and the contents comparison need a layer
 * this store can write (Go: "things that we can only be sure will work in
 * read-write stores"), so read-only layers get the data and digest checks.
 */
async function checkLayer(
  parts: StoreParts, store: LayerStore, layer: Layer, options: Required<Omit<CheckOptions, 'signal'>>, known: Known, section: Section,
  containerLayers?: Set<string>,
): Promise<void> {
  const what = `${section.prefix}layer ${layer.id}`;
  if (layer.parent && !known.layers.has(layer.parent)) {
    note(section.into, layer.id, problem('layer-missing', `${section.prefix}layer ${layer.parent}`));
  }
  if (options.layerData) {
    for (const key of layer.bigDataNames ?? []) {
      if (!(await readable(bigDataPath(store.bigDataDir(layer.id), key)))) {
        note(section.into, layer.id, problem('layer-data-missing', `${what}: data item ${JSON.stringify(key)}`));
      }
    }
  }
  if (options.layerDigests && layer.uncompressedDigest) await checkLayerDigest(parts, store, layer, section);
  if (section.prefix !== '') return;
  if (options.layerDigests && !layer.uncompressedDigest && !containerLayers?.has(layer.id)) await checkUnrecordedContents(parts, layer, section);
  if (options.layerContents && !section.into[layer.id]) {
    for (const err of await compareLayerContents(parts, layer, contentRules(parts))) note(section.into, layer.id, err);
  }
  if (options.layerMountable && layer.mountCount === 0) {
    try {
      await parts.driver.mount(layer.id, { mountLabel: layer.mountLabel });
      await parts.driver.unmount(layer.id);
    } catch (err) {
      note(section.into, layer.id, problem('driver-failure', `layer ${layer.id}: mounting: ${(err as Error).message}`, err));
    }
  }
}

/** Replays the tar-split against the files and compares sha256 and length with diff-digest/diff-size. */
/** How many changed paths a report names before it only counts the rest. */
const NAMED_CHANGES = 5;

/**
 * A layer with no diff digest has, as far as its record knows, no contents
 * (v1.50's check skips it). A container's layer is written to by design;
 * any other such layer that differs from its parent holds files no digest
 * vouches for: what an interrupted apply left (before Berth flagged applies
 * `incomplete`, or by a Go tool), or files put there behind the store's back.
 */
async function checkUnrecordedContents(parts: StoreParts, layer: Layer, section: Section): Promise<void> {
  let changes: Change[];
  try {
    // Owners compare as container IDs: a child with other maps than its parent's holds its parent's files chowned.
    const parent = layer.parent ? parts.layers().index.get(layer.parent) : undefined;
    changes = await parts.driver.changes(layer.id, layer.parent, { new: layerMappings(layer), old: layerMappings(parent ?? {}) });
  } catch (err) {
    note(section.into, layer.id, problem('driver-failure', `layer ${layer.id}: listing its changes: ${(err as Error).message}`, err));
    return;
  }
  if (changes.length === 0) return;
  const named = changes.slice(0, NAMED_CHANGES).map((change) => `${CHANGE_MARK[change.kind]}${change.path}`);
  if (changes.length > NAMED_CHANGES) named.push(`${changes.length - NAMED_CHANGES} more`);
  note(section.into, layer.id, problem('layer-content-modified', `layer ${layer.id}: ${named.join(', ')} with no diff digest recorded`));
}

/** Go's check marks added paths `+` and removed ones `-`; a changed one is named bare. */
const CHANGE_MARK: Record<ChangeKind, string> = { [ChangeKind.Add]: '+', [ChangeKind.Delete]: '-', [ChangeKind.Modify]: '' };

async function checkLayerDigest(parts: StoreParts, store: LayerStore, layer: Layer, section: Section): Promise<void> {
  const what = `${section.prefix}layer ${layer.id}`;
  const tarSplit = store.tarSplitPath(layer.id);
  if (!(await readable(tarSplit))) {
    note(section.into, layer.id, problem('layer-data-missing', `${what}: tar-split ${tarSplit}`));
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of tarSplitReplay(tarSplit, parts.driver.layerFilesDir(layer.id), parts.driver.remappedFilesDirs(layer.id))) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    // Go's words for a file whose CRC-64 differs from the tar-split's: "file integrity checksum failed for …".
    const context = err instanceof ArchiveError && err.code === 'digest-mismatch' ? `file integrity checksum failed for ${JSON.stringify(err.detail.name)}` : (err as Error).message;
    note(section.into, layer.id, problem('layer-incorrect-content-digest', `${what}: ${context}`, err));
    return;
  }
  const digest = 'sha256:' + hash.digest('hex');
  if (digest !== layer.uncompressedDigest) {
    note(section.into, layer.id, problem('layer-incorrect-content-digest', what, undefined, { digest, recorded: layer.uncompressedDigest }));
  }
  if (layer.uncompressedSize !== undefined && size !== layer.uncompressedSize) {
    note(section.into, layer.id, problem('layer-incorrect-content-size', `${what}: read ${size} bytes instead of ${layer.uncompressedSize} bytes`));
  }
}

async function checkImage(dir: string, image: Image, options: Required<Omit<CheckOptions, 'signal'>>, known: Known, section: Section): Promise<void> {
  const what = `${section.prefix}image ${image.id}`;
  if (options.imageData) {
    await checkBigData(dir, image, 'image-data-missing', 'image-data-incorrect-size', section.into, what);
  }
  for (const top of [image.topLayer, ...(image.mappedTopLayers ?? [])]) {
    for (let id = top; id; ) {
      const layer = known.layers.get(id);
      if (!layer) {
        note(section.into, image.id, problem('image-layer-missing', `${what}: layer ${id}`));
        break;
      }
      id = layer.parent;
    }
  }
}

async function checkContainer(
  parts: StoreParts, container: Container, options: Required<Omit<CheckOptions, 'signal'>>, known: Known, report: CheckReport,
): Promise<void> {
  if (options.containerData) {
    await checkBigData(parts.containers.recordDir(container.id), container, 'container-data-missing', 'container-data-incorrect-size', report.containers, `container ${container.id}`);
  }
  if (container.imageId && !known.images.has(container.imageId)) {
    note(report.containers, container.id, problem('container-image-missing', `image ${container.imageId}`));
  }
}

async function checkBigData(
  dir: string,
  record: { bigDataNames: string[]; bigDataSizes: Record<string, number> },
  missing: StorageErrorCode,
  wrongSize: StorageErrorCode,
  into: Record<string, Error[]>,
  what: string,
): Promise<void> {
  const id = what.slice(what.lastIndexOf(' ') + 1);
  for (const key of record.bigDataNames) {
    let size: number;
    try {
      size = (await fsp.stat(bigDataPath(dir, key))).size;
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'EACCES')) throw err;
      note(into, id, problem(missing, `${what}: data item ${JSON.stringify(key)}`, err));
      continue;
    }
    const recorded = record.bigDataSizes[key];
    if (recorded !== undefined && recorded !== size) {
      note(into, id, problem(wrongSize, `${what}: data item ${JSON.stringify(key)}`, undefined, { size, recorded }));
    }
  }
}

/** Layers in no image's or container's chain, older than the limit (or with no creation time). */
function flagUnreferencedLayers(parts: StoreParts, images: Image[], options: Required<Omit<CheckOptions, 'signal'>>, report: CheckReport): void {
  const layers = parts.layers();
  const referenced = new Set<string>();
  const walk = (start: string | undefined): void => {
    for (let id = start; id && !referenced.has(id); id = layers.index.get(id)?.parent) referenced.add(id);
  };
  for (const image of images) [image.topLayer, ...(image.mappedTopLayers ?? [])].forEach(walk);
  for (const container of parts.containers.index.all()) walk(container.layerId);
  const now = Date.now();
  for (const layer of layers.index.all()) {
    if (referenced.has(layer.id)) continue;
    const created = Date.parse(layer.created);
    const zero = layer.created.startsWith('0001-01-01');
    if (zero || Number.isNaN(created) || now - created > options.layerUnreferencedMaximumAge) {
      note(report.layers, layer.id, problem('layer-unreferenced', `layer ${layer.id}`));
    }
  }
}

/** Driver options that make a difference legitimate (Go's check honours the same ones). */
function contentRules(parts: StoreParts): ContentRules {
  const option = (key: string): string | undefined => {
    for (const item of parts.options.driverOptions) {
      const [name, value] = item.split('=', 2) as [string, string | undefined];
      if (name === key || name.endsWith(`.${key}`)) return value ?? '';
    }
    return undefined;
  };
  return {
    ignoreOwners: option('ignore_chown_errors') === 'true',
    ignorePermissions: option('force_mask') !== undefined,
    ignoreTimes: parts.options.pullOptions?.use_hard_links === 'true',
  };
}

function note(into: Record<string, Error[]>, id: string, err: Error): void {
  (into[id] ??= []).push(err);
}

/** A problem in Go's words (its check messages are matched by scripts); the figures go in `detail`. */
function problem(code: StorageErrorCode, context: string, cause?: unknown, detail: Record<string, unknown> = {}): StorageError {
  return new StorageError(code, context, detail, cause === undefined ? undefined : { cause });
}

async function readable(path: string): Promise<boolean> {
  try {
    await fsp.access(path);
    return true;
  } catch {
    return false;
  }
}
