// Store.repair (v1.50 §10): removes what a check report found damaged —
// containers first (unless told not to), then images, then layers deepest
// first, then driver directories no record accounts for.

import { isStorageError, StorageError } from './errors.js';
import type { StoreParts } from './store-parts.js';
import type { CheckReport, RepairOptions } from './types.js';
import type { Layer } from './types.js';

export async function repair(parts: StoreParts, report: CheckReport, options: RepairOptions = {}): Promise<Error[]> {
  const removeContainers = options.removeContainers ?? true;
  const errors: Error[] = [];
  const layers = parts.layers();
  await layers.write(() =>
    parts.images.write(() =>
      parts.containers.write(async () => {
        const damagedLayers = withDescendants(parts, Object.keys(report.layers));
        const inDamagedChain = (top: string | undefined): boolean => {
          for (let id = top; id; id = layers.index.get(id)?.parent) if (damagedLayers.has(id)) return true;
          return false;
        };
        const damagedImages = new Set(Object.keys(report.images));
        for (const image of parts.images.index.all()) {
          if ([image.topLayer, ...(image.mappedTopLayers ?? [])].some(inDamagedChain)) damagedImages.add(image.id);
        }
        const damagedContainers = new Set(Object.keys(report.containers));
        for (const container of parts.containers.index.all()) {
          if (damagedImages.has(container.imageId) || inDamagedChain(container.layerId)) damagedContainers.add(container.id);
        }

        for (const id of damagedContainers) {
          const container = parts.containers.index.get(id);
          if (!container) continue;
          // Kept, as Go keeps it: the report still lists it, and the caller says so.
          if (!removeContainers) continue;
          await attempt(errors, async () => {
            const layer = layers.index.get(container.layerId);
            if (layer) await layers.delete(layer);
            parts.containers.delete(container);
          });
        }
        for (const id of damagedImages) {
          const image = parts.images.index.get(id);
          if (!image) continue;
          const user = [...parts.containers.index.all()].find((c) => c.imageId === id);
          if (user) {
            errors.push(new StorageError('image-used-by-container', `image ${id} used by ${user.id}`, { id, container: user.id }));
            continue;
          }
          await attempt(errors, async () => parts.images.delete(image));
        }
        for (const layer of deepestFirst(parts, damagedLayers)) {
          // Kept with its container (removeContainers false); Go's DeleteLayer refuses it in these words.
          const user = parts.containers.withLayer(layer.id);
          if (user) {
            errors.push(new StorageError('layer-used-by-container', `deleting layer ${layer.id}: layer ${layer.id} used by container ${user.id}`, { id: layer.id, container: user.id }));
            continue;
          }
          await attempt(errors, () => layers.delete(layer));
        }
        // Driver directories no record accounts for go at the driver level, as in Go.
        for (const [id, problems] of Object.entries(report.layers)) {
          if (layers.index.get(id) || !problems.some((err) => isStorageError(err, 'layer-unaccounted'))) continue;
          await attempt(errors, () => parts.driver.remove(id));
        }
      }),
    ),
  );
  return errors;
}

function withDescendants(parts: StoreParts, ids: string[]): Set<string> {
  const layers = parts.layers();
  const set = new Set(ids.filter((id) => layers.index.get(id)));
  for (let grew = true; grew; ) {
    grew = false;
    for (const layer of layers.index.all()) {
      if (layer.parent && set.has(layer.parent) && !set.has(layer.id)) {
        set.add(layer.id);
        grew = true;
      }
    }
  }
  return set;
}

function deepestFirst(parts: StoreParts, ids: Set<string>): Layer[] {
  const layers = parts.layers();
  const depth = (layer: Layer): number => {
    let n = 0;
    for (let p = layer.parent; p; p = layers.index.get(p)?.parent) n++;
    return n;
  };
  return [...ids]
    .map((id) => layers.index.get(id))
    .filter((l): l is Layer => l !== undefined)
    .sort((a, b) => depth(b) - depth(a));
}

async function attempt(errors: Error[], fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    errors.push(err instanceof Error ? err : new Error(String(err)));
  }
}
