// Berth's records in the shape Go's encoding/json gives the containers/storage
// structs (struct field order, json tags, omitempty), for `--json` output that
// scripts written against `containers-storage` can read unchanged.

import type { Change } from '../../archive/index.js';
import type { Container, IDMap, Image, Layer } from '../../storage/index.js';
import { sortedMap } from '../../util/index.js';

export function goLayer(layer: Layer): Record<string, unknown> {
  return {
    id: layer.id,
    names: nonEmpty(layer.names),
    parent: layer.parent || undefined,
    metadata: layer.metadata || undefined,
    mountlabel: layer.mountLabel || undefined,
    // time.Time is a struct: omitempty never drops it.
    created: layer.created,
    'compressed-diff-digest': layer.compressedDigest || undefined,
    'compressed-size': layer.compressedSize || undefined,
    'diff-digest': layer.uncompressedDigest || undefined,
    'diff-size': layer.uncompressedSize || undefined,
    compression: layer.compressionType || undefined,
    uidset: nonEmpty(layer.uidSet),
    gidset: nonEmpty(layer.gidSet),
    flags: goMap(layer.flags),
    uidmap: goIdMaps(layer.uidMap),
    gidmap: goIdMaps(layer.gidMap),
    'big-data-names': nonEmpty(layer.bigDataNames),
  };
}

export function goImage(image: Image): Record<string, unknown> {
  return {
    id: image.id,
    digest: image.digest || undefined,
    names: nonEmpty(image.names),
    'names-history': nonEmpty(image.namesHistory),
    layer: image.topLayer || undefined,
    'mapped-layers': nonEmpty(image.mappedTopLayers),
    metadata: image.metadata || undefined,
    'big-data-names': nonEmpty(image.bigDataNames),
    'big-data-sizes': goMap(image.bigDataSizes),
    'big-data-digests': goMap(image.bigDataDigests),
    created: image.created,
    flags: goMap(image.flags),
  };
}

export function goContainer(container: Readonly<Container>): Record<string, unknown> {
  return {
    id: container.id,
    names: nonEmpty(container.names),
    image: container.imageId,
    layer: container.layerId,
    metadata: container.metadata || undefined,
    'big-data-names': nonEmpty(container.bigDataNames),
    'big-data-sizes': goMap(container.bigDataSizes),
    'big-data-digests': goMap(container.bigDataDigests),
    created: container.created,
    uidmap: goIdMaps(container.uidMap),
    gidmap: goIdMaps(container.gidMap),
    flags: goMap(container.flags),
  };
}

/** pkg/archive.Change has no json tags: `{"Path":…,"Kind":0}`. */
export function goChange(change: Change): Record<string, unknown> {
  return { Path: change.path, Kind: change.kind };
}

/** A Go slice: `null` when empty or absent, as a nil slice encodes (what the Go CLI prints for no results). */
export function goSlice<T>(items: readonly T[] | undefined): readonly T[] | null {
  return items && items.length ? items : null;
}

/** A Go map[string]V built from `map`: Go encodes map keys sorted. */
export function goMapOf<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  return sortedMap(Object.fromEntries(map));
}

function nonEmpty<T>(items: readonly T[] | undefined): readonly T[] | undefined {
  return items && items.length ? items : undefined;
}

// Go sorts map keys when encoding, at every depth of a map[string]interface{}.
function goMap(map: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!map || Object.keys(map).length === 0) return undefined;
  return sortDeep(map) as Record<string, unknown>;
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return value;
  const sorted = sortedMap(value as Record<string, unknown>);
  for (const key of Object.keys(sorted)) sorted[key] = sortDeep(sorted[key]);
  return sorted;
}

function goIdMaps(maps: IDMap[] | undefined): unknown[] | undefined {
  if (!maps || maps.length === 0) return undefined;
  return maps.map((m) => ({ container_id: m.containerId, host_id: m.hostId, size: m.size }));
}
