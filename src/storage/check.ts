// Store.check (v1.50 §10): what looks wrong in the store, per record, without
// changing anything. Layers are write-locked (mount tests), images and
// containers read-locked.

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { ArchiveError, tarSplitReplay } from '../archive/index.js';
import { isErrno } from '../util/index.js';
import { bigDataPath } from './big-data-items.js';
import { StorageError, type StorageErrorCode } from './errors.js';
import { compareLayerContents, type ContentRules } from './check-contents.js';
import type { StoreParts } from './store-parts.js';
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

export async function check(parts: StoreParts, given?: CheckOptions): Promise<CheckReport> {
  const options = withDefaults(given);
  const report: CheckReport = { layers: {}, rolayers: {}, images: {}, roImages: {}, containers: {} };
  const layers = parts.layers();
  await layers.write(() =>
    parts.images.read(() =>
      parts.containers.read(async () => {
        await layers.refreshMounts();
        for (const layer of layers.index.all()) await checkLayer(parts, layer, options, report);
        for (const image of parts.images.index.all()) await checkImage(parts, image, options, report);
        for (const container of parts.containers.index.all()) await checkContainer(parts, container, options, report);
        flagUnreferencedLayers(parts, options, report);
        const known = new Set(layers.index.ids());
        for (const id of await parts.driver.listLayers()) {
          if (!known.has(id)) note(report.layers, id, problem('layer-unaccounted', `layer ${id}`));
        }
      }),
    ),
  );
  return report;
}

async function checkLayer(parts: StoreParts, layer: Layer, options: Required<Omit<CheckOptions, 'signal'>>, report: CheckReport): Promise<void> {
  const layers = parts.layers();
  if (layer.parent && !layers.index.get(layer.parent)) {
    note(report.layers, layer.id, problem('layer-missing', `layer ${layer.id}: parent ${layer.parent}`));
  }
  if (options.layerData) {
    for (const key of layer.bigDataNames ?? []) {
      if (!(await readable(bigDataPath(layers.bigDataDir(layer.id), key)))) {
        note(report.layers, layer.id, problem('layer-data-missing', `layer ${layer.id}: data item ${JSON.stringify(key)}`));
      }
    }
  }
  if (options.layerDigests && layer.uncompressedDigest) await checkLayerDigest(parts, layer, report);
  if (options.layerContents && !report.layers[layer.id]) {
    for (const err of await compareLayerContents(parts, layer, contentRules(parts))) note(report.layers, layer.id, err);
  }
  if (options.layerMountable && layer.mountCount === 0) {
    try {
      await parts.driver.mount(layer.id, { mountLabel: layer.mountLabel });
      await parts.driver.unmount(layer.id);
    } catch (err) {
      note(report.layers, layer.id, problem('driver-failure', `layer ${layer.id}: mounting: ${(err as Error).message}`, err));
    }
  }
}

/** Replays the tar-split against the files and compares sha256 and length with diff-digest/diff-size. */
async function checkLayerDigest(parts: StoreParts, layer: Layer, report: CheckReport): Promise<void> {
  const layers = parts.layers();
  const tarSplit = layers.tarSplitPath(layer.id);
  if (!(await readable(tarSplit))) {
    note(report.layers, layer.id, problem('layer-data-missing', `layer ${layer.id}: tar-split ${tarSplit}`));
    return;
  }
  const hash = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of tarSplitReplay(tarSplit, parts.driver.layerFilesDir(layer.id))) {
      hash.update(chunk as Buffer);
      size += (chunk as Buffer).length;
    }
  } catch (err) {
    // Go's words for a file whose CRC-64 differs from the tar-split's: "file integrity checksum failed for …".
    const context = err instanceof ArchiveError && err.code === 'digest-mismatch' ? `file integrity checksum failed for ${JSON.stringify(err.detail.name)}` : (err as Error).message;
    note(report.layers, layer.id, problem('layer-incorrect-content-digest', `layer ${layer.id}: ${context}`, err));
    return;
  }
  const digest = 'sha256:' + hash.digest('hex');
  if (digest !== layer.uncompressedDigest) {
    note(report.layers, layer.id, problem('layer-incorrect-content-digest', `layer ${layer.id}`, undefined, { digest, recorded: layer.uncompressedDigest }));
  }
  if (layer.uncompressedSize !== undefined && size !== layer.uncompressedSize) {
    note(report.layers, layer.id, problem('layer-incorrect-content-size', `layer ${layer.id}: read ${size} bytes instead of ${layer.uncompressedSize} bytes`));
  }
}

async function checkImage(parts: StoreParts, image: Image, options: Required<Omit<CheckOptions, 'signal'>>, report: CheckReport): Promise<void> {
  if (options.imageData) {
    await checkBigData(parts.images.recordDir(image.id), image, 'image-data-missing', 'image-data-incorrect-size', report.images, `image ${image.id}`);
  }
  const layers = parts.layers();
  for (const top of [image.topLayer, ...(image.mappedTopLayers ?? [])]) {
    for (let id = top; id; ) {
      const layer = layers.index.get(id);
      if (!layer) {
        note(report.images, image.id, problem('image-layer-missing', `image ${image.id}: layer ${id}`));
        break;
      }
      id = layer.parent;
    }
  }
}

async function checkContainer(parts: StoreParts, container: Container, options: Required<Omit<CheckOptions, 'signal'>>, report: CheckReport): Promise<void> {
  if (options.containerData) {
    await checkBigData(parts.containers.recordDir(container.id), container, 'container-data-missing', 'container-data-incorrect-size', report.containers, `container ${container.id}`);
  }
  if (container.imageId && !parts.images.index.get(container.imageId)) {
    note(report.containers, container.id, problem('container-image-missing', `container ${container.id}: image ${container.imageId}`));
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
  const id = what.split(' ')[1] as string;
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
function flagUnreferencedLayers(parts: StoreParts, options: Required<Omit<CheckOptions, 'signal'>>, report: CheckReport): void {
  const layers = parts.layers();
  const referenced = new Set<string>();
  const walk = (start: string | undefined): void => {
    for (let id = start; id && !referenced.has(id); id = layers.index.get(id)?.parent) referenced.add(id);
  };
  for (const image of parts.images.index.all()) [image.topLayer, ...(image.mappedTopLayers ?? [])].forEach(walk);
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
