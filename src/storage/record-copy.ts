// The copies of records the Store hands to callers: they may keep and change
// them without touching the store's own. Field by field (the free-form flags
// by copyPlain): a listing copies every record, 10,000 containers in one call,
// and an object spread plus a few array and map copies costs a fraction of a
// generic deep copy. test/storage/record-copy.test.ts fails when a field is
// added to a record type without being copied here.

import { copyPlain } from '../util/index.js';
import type { Container, IDMap, Image, Layer } from './types.js';

export function copyLayer(layer: Layer): Layer {
  const copy: Layer = { ...layer, names: layer.names.slice() };
  if (layer.uidSet) copy.uidSet = layer.uidSet.slice();
  if (layer.gidSet) copy.gidSet = layer.gidSet.slice();
  if (layer.flags) copy.flags = copyPlain(layer.flags);
  if (layer.uidMap) copy.uidMap = copyIdMaps(layer.uidMap);
  if (layer.gidMap) copy.gidMap = copyIdMaps(layer.gidMap);
  if (layer.bigDataNames) copy.bigDataNames = layer.bigDataNames.slice();
  return copy;
}

export function copyImage(image: Image): Image {
  const copy: Image = {
    ...image,
    digests: image.digests.slice(),
    names: image.names.slice(),
    bigDataNames: image.bigDataNames.slice(),
    bigDataSizes: { ...image.bigDataSizes },
    bigDataDigests: { ...image.bigDataDigests },
  };
  if (image.namesHistory) copy.namesHistory = image.namesHistory.slice();
  if (image.mappedTopLayers) copy.mappedTopLayers = image.mappedTopLayers.slice();
  if (image.flags) copy.flags = copyPlain(image.flags);
  return copy;
}

/** Field by field, not by spread: a record loaded from disk reads most of its fields through getters. */
export function copyContainer(container: Container): Container {
  const copy: Container = {
    id: container.id,
    names: container.names.slice(),
    imageId: container.imageId,
    layerId: container.layerId,
    bigDataNames: container.bigDataNames.slice(),
    bigDataSizes: { ...container.bigDataSizes },
    bigDataDigests: { ...container.bigDataDigests },
    created: container.created,
  };
  if (container.metadata !== undefined) copy.metadata = container.metadata;
  if (container.uidMap) copy.uidMap = copyIdMaps(container.uidMap);
  if (container.gidMap) copy.gidMap = copyIdMaps(container.gidMap);
  if (container.flags) copy.flags = copyPlain(container.flags);
  return copy;
}

function copyIdMaps(maps: IDMap[]): IDMap[] {
  return maps.map((m) => ({ ...m }));
}
