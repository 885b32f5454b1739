// Go-compatible JSON for layers.json, images.json, containers.json and
// mountpoints.json: struct field order, omitempty rules, sorted map keys,
// case-insensitive key reading, unknown keys dropped, flags kept verbatim.

import { goJsonStringify, sortedMap, GO_ZERO_TIME } from '../util/index.js';
import { StorageError } from './errors.js';
import type { Container, IDMap, Image, Layer } from './types.js';

export interface MountPointEntry {
  id: string;
  path: string;
  count: number;
}

// ---------------------------------------------------------------- encoding

export function encodeLayer(layer: Layer): string {
  return goJsonStringify({
    id: layer.id,
    names: nonEmptyArray(layer.names),
    parent: nonEmptyString(layer.parent),
    metadata: nonEmptyString(layer.metadata),
    mountlabel: nonEmptyString(layer.mountLabel),
    created: layer.created || GO_ZERO_TIME,
    'compressed-diff-digest': nonEmptyString(layer.compressedDigest),
    'compressed-size': nonZero(layer.compressedSize),
    'diff-digest': nonEmptyString(layer.uncompressedDigest),
    'diff-size': nonZero(layer.uncompressedSize),
    compression: nonZero(layer.compressionType),
    uidset: nonEmptyArray(layer.uidSet),
    gidset: nonEmptyArray(layer.gidSet),
    flags: encodeFlags(layer.flags),
    uidmap: encodeIdMaps(layer.uidMap),
    gidmap: encodeIdMaps(layer.gidMap),
    'big-data-names': nonEmptyArray(layer.bigDataNames),
  });
}

export function encodeImage(image: Image): string {
  return goJsonStringify({
    id: image.id,
    digest: nonEmptyString(image.digest),
    names: nonEmptyArray(image.names),
    'names-history': nonEmptyArray(image.namesHistory),
    layer: nonEmptyString(image.topLayer),
    'mapped-layers': nonEmptyArray(image.mappedTopLayers),
    metadata: nonEmptyString(image.metadata),
    'big-data-names': nonEmptyArray(image.bigDataNames),
    'big-data-sizes': nonEmptyMap(image.bigDataSizes),
    'big-data-digests': nonEmptyMap(image.bigDataDigests),
    created: image.created || GO_ZERO_TIME,
    flags: encodeFlags(image.flags),
  });
}

export function encodeContainer(container: Container): string {
  return goJsonStringify({
    id: container.id,
    names: nonEmptyArray(container.names),
    // `image` and `layer` have no omitempty in Go: always written, "" included.
    image: container.imageId,
    layer: container.layerId,
    metadata: nonEmptyString(container.metadata),
    'big-data-names': nonEmptyArray(container.bigDataNames),
    'big-data-sizes': nonEmptyMap(container.bigDataSizes),
    'big-data-digests': nonEmptyMap(container.bigDataDigests),
    created: container.created || GO_ZERO_TIME,
    uidmap: encodeIdMaps(container.uidMap),
    gidmap: encodeIdMaps(container.gidMap),
    flags: encodeFlags(container.flags),
  });
}

export function encodeMountPoints(entries: MountPointEntry[]): string {
  return goJsonStringify(entries.map((e) => ({ id: e.id, path: e.path, count: e.count })));
}

/**
 * A JSON array from records already encoded one by one (the save path reuses
 * them), copied into `scratch` when it is large enough: one allocation-free
 * pass instead of Buffer.concat's per-piece overhead and a fresh multi-megabyte
 * buffer (and its garbage) per save. The result is valid until the next call
 * with the same scratch buffer.
 */
export function joinEncoded(encoded: readonly Buffer[], scratch?: Buffer): Buffer {
  let total = 2 + Math.max(0, encoded.length - 1);
  for (const item of encoded) total += item.length;
  const out = scratch && scratch.length >= total ? scratch : Buffer.allocUnsafe(total);
  let offset = 0;
  out[offset++] = 0x5b; // [
  encoded.forEach((item, i) => {
    if (i > 0) out[offset++] = 0x2c; // ,
    out.set(item, offset);
    offset += item.length;
  });
  out[offset++] = 0x5d; // ]
  return out.subarray(0, offset);
}

function nonEmptyString(s: string | undefined): string | undefined {
  return s ? s : undefined;
}

function nonZero(n: number | undefined): number | undefined {
  return n ? n : undefined;
}

function nonEmptyArray<T>(a: T[] | undefined): T[] | undefined {
  return a && a.length > 0 ? a : undefined;
}

function nonEmptyMap<V>(m: Record<string, V> | undefined): Record<string, V> | undefined {
  return m && Object.keys(m).length > 0 ? sortedMap(m) : undefined;
}

function encodeIdMaps(maps: IDMap[] | undefined): unknown {
  if (!maps || maps.length === 0) return undefined;
  return maps.map((m) => ({ container_id: m.containerId, host_id: m.hostId, size: m.size }));
}

// Flags are Go's map[string]interface{}: every nested object is a map too,
// so its keys are written sorted at every depth.
function encodeFlags(flags: Record<string, unknown> | undefined): unknown {
  if (!flags || Object.keys(flags).length === 0) return undefined;
  return sortDeep(flags);
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const sorted = sortedMap(value as Record<string, unknown>);
    for (const key of Object.keys(sorted)) sorted[key] = sortDeep(sorted[key]);
    return sorted;
  }
  return value;
}

// ---------------------------------------------------------------- decoding

/**
 * Parses one of the record files. An empty or missing file is an empty store;
 * anything that is not an array of objects is a load error naming the file.
 */
export function parseRecordArray(text: string, path: string): Array<Record<string, unknown>> {
  if (text.trim() === '') return [];
  const parsed = parseJson(text, path);
  if (parsed === null) return [];
  if (!Array.isArray(parsed)) throw loadError(path, 'top level is not an array');
  for (const item of parsed as unknown[]) {
    if (!isPlainObject(item)) throw loadError(path, 'an entry is not an object');
  }
  return parsed as Array<Record<string, unknown>>;
}

/** One entry of a record file, found in it by record-split.ts. */
export function parseRecordObject(text: string, path: string): Record<string, unknown> {
  const parsed = parseJson(text, path);
  if (!isPlainObject(parsed)) throw loadError(path, 'an entry is not an object');
  return parsed;
}

function parseJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new StorageError('load-error', `loading "${path}": ${(err as Error).message}`, { path }, { cause: err });
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function decodeLayer(raw: Record<string, unknown>, path: string): Layer {
  const layer: Layer = { id: '', names: [], created: GO_ZERO_TIME, mountCount: 0, readOnly: false };
  const read = new FieldReader(path);
  for (const rawKey in raw) {
    const value = raw[rawKey];
    if (value === null) continue;
    const key = fieldName(rawKey);
    switch (key) {
      case 'id': layer.id = read.string(key, value); break;
      case 'names': layer.names = read.strings(key, value); break;
      case 'parent': layer.parent = read.optionalString(key, value); break;
      case 'metadata': layer.metadata = read.optionalString(key, value); break;
      case 'mountlabel': layer.mountLabel = read.optionalString(key, value); break;
      case 'created': layer.created = read.time(key, value); break;
      case 'compressed-diff-digest': layer.compressedDigest = read.optionalString(key, value); break;
      case 'compressed-size': layer.compressedSize = read.optionalNumber(key, value); break;
      case 'diff-digest': layer.uncompressedDigest = read.optionalString(key, value); break;
      case 'diff-size': layer.uncompressedSize = read.optionalNumber(key, value); break;
      case 'compression': layer.compressionType = read.optionalNumber(key, value); break;
      case 'uidset': layer.uidSet = read.optionalNumbers(key, value); break;
      case 'gidset': layer.gidSet = read.optionalNumbers(key, value); break;
      case 'flags': layer.flags = read.flags(key, value); break;
      case 'uidmap': layer.uidMap = read.idMaps(key, value); break;
      case 'gidmap': layer.gidMap = read.idMaps(key, value); break;
      case 'big-data-names': layer.bigDataNames = read.optionalStrings(key, value); break;
      default: break; // unknown keys are dropped, as Go drops them on its next save
    }
  }
  return layer;
}

export function decodeImage(raw: Record<string, unknown>, path: string): Image {
  const image: Image = {
    id: '', digests: [], names: [], bigDataNames: [], bigDataSizes: {}, bigDataDigests: {},
    created: GO_ZERO_TIME, readOnly: false,
  };
  const read = new FieldReader(path);
  for (const rawKey in raw) {
    const value = raw[rawKey];
    if (value === null) continue;
    const key = fieldName(rawKey);
    switch (key) {
      case 'id': image.id = read.string(key, value); break;
      case 'digest': image.digest = read.optionalString(key, value); break;
      case 'names': image.names = read.strings(key, value); break;
      case 'names-history': image.namesHistory = read.optionalStrings(key, value); break;
      case 'layer': image.topLayer = read.optionalString(key, value); break;
      case 'mapped-layers': image.mappedTopLayers = read.optionalStrings(key, value); break;
      case 'metadata': image.metadata = read.optionalString(key, value); break;
      case 'big-data-names': image.bigDataNames = read.strings(key, value); break;
      case 'big-data-sizes': image.bigDataSizes = read.numberMap(key, value); break;
      case 'big-data-digests': image.bigDataDigests = read.stringMap(key, value); break;
      case 'created': image.created = read.time(key, value); break;
      case 'flags': image.flags = read.flags(key, value); break;
      default: break;
    }
  }
  return image;
}

export function decodeContainer(raw: Record<string, unknown>, path: string): Container {
  const container: Container = {
    id: '', names: [], imageId: '', layerId: '', bigDataNames: [], bigDataSizes: {}, bigDataDigests: {},
    created: GO_ZERO_TIME,
  };
  const read = new FieldReader(path);
  for (const rawKey in raw) {
    const value = raw[rawKey];
    if (value === null) continue;
    const key = fieldName(rawKey);
    switch (key) {
      case 'id': container.id = read.string(key, value); break;
      case 'names': container.names = read.strings(key, value); break;
      case 'image': container.imageId = read.string(key, value); break;
      case 'layer': container.layerId = read.string(key, value); break;
      case 'metadata': container.metadata = read.optionalString(key, value); break;
      case 'big-data-names': container.bigDataNames = read.strings(key, value); break;
      case 'big-data-sizes': container.bigDataSizes = read.numberMap(key, value); break;
      case 'big-data-digests': container.bigDataDigests = read.stringMap(key, value); break;
      case 'created': container.created = read.time(key, value); break;
      case 'uidmap': container.uidMap = read.idMaps(key, value); break;
      case 'gidmap': container.gidMap = read.idMaps(key, value); break;
      case 'flags': container.flags = read.flags(key, value); break;
      default: break;
    }
  }
  return container;
}

export function decodeMountPoints(text: string, path: string): MountPointEntry[] {
  return parseRecordArray(text, path).map((raw) => {
    const entry: MountPointEntry = { id: '', path: '', count: 0 };
    const read = new FieldReader(path);
    for (const rawKey in raw) {
      const value = raw[rawKey];
      if (value === null) continue;
      const key = fieldName(rawKey);
      if (key === 'id') entry.id = read.string(key, value);
      else if (key === 'path') entry.path = read.string(key, value);
      else if (key === 'count') entry.count = read.optionalNumber(key, value) ?? 0;
    }
    return entry;
  });
}

/**
 * A record key as Go's decoder matches it: without regard to case (the last
 * of several spellings wins). Keys are nearly always written in lower case
 * already; those come back as they are, without a new string.
 */
function fieldName(key: string): string {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if ((code >= 65 && code <= 90) || code > 127) return key.toLowerCase();
  }
  return key;
}

// RFC 3339 as Go's time.Time reads it; group 1 is the fraction's digits.
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.(\d+))?(?:Z|[+-]\d\d:\d\d)$/;

/**
 * Checks field values the way Go's decoder does (callers skip `null`, which
 * leaves the field as it was): a value of the wrong type is a load error
 * naming the file and the field. The decoders walk the record's keys with
 * for…in (no per-record arrays of entries: a list of 10,000 containers is
 * decoded in every CLI process that reads it).
 */
class FieldReader {
  constructor(private readonly path: string) {}

  string(key: string, value: unknown): string {
    if (typeof value !== 'string') throw this.typeError(key, 'string');
    return value;
  }

  optionalString(key: string, value: unknown): string | undefined {
    const s = this.string(key, value);
    return s === '' ? undefined : s;
  }

  time(key: string, value: unknown): string {
    const s = this.string(key, value);
    const match = RFC3339.exec(s);
    if (!match) throw this.typeError(key, 'RFC 3339 time');
    // Go re-encodes with trailing zeros of the fraction trimmed (Go writes them trimmed: rarely any).
    const fraction = match[1];
    if (fraction === undefined || !fraction.endsWith('0')) return s;
    return s.replace(/\.(\d*?)0+(?=Z|[+-])/, (_m, digits: string) => (digits ? '.' + digits : ''));
  }

  optionalNumber(key: string, value: unknown): number | undefined {
    if (typeof value !== 'number' || !Number.isFinite(value)) throw this.typeError(key, 'number');
    return value === 0 ? undefined : value;
  }

  strings(key: string, value: unknown): string[] {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw this.typeError(key, 'array of strings');
    return value as string[];
  }

  optionalStrings(key: string, value: unknown): string[] | undefined {
    const list = this.strings(key, value);
    return list.length > 0 ? list : undefined;
  }

  optionalNumbers(key: string, value: unknown): number[] | undefined {
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number')) throw this.typeError(key, 'array of numbers');
    return value.length > 0 ? (value as number[]) : undefined;
  }

  numberMap(key: string, value: unknown): Record<string, number> {
    const map = this.object(key, value);
    if (!Object.values(map).every((v) => typeof v === 'number')) throw this.typeError(key, 'map of numbers');
    return map as Record<string, number>;
  }

  stringMap(key: string, value: unknown): Record<string, string> {
    const map = this.object(key, value);
    if (!Object.values(map).every((v) => typeof v === 'string')) throw this.typeError(key, 'map of strings');
    return map as Record<string, string>;
  }

  flags(key: string, value: unknown): Record<string, unknown> | undefined {
    const map = this.object(key, value);
    for (const _ in map) return map;
    return undefined;
  }

  idMaps(key: string, value: unknown): IDMap[] | undefined {
    if (!Array.isArray(value)) throw this.typeError(key, 'array of ID maps');
    const maps = value.map((item) => {
      const m = this.object(key, item);
      const out: IDMap = { containerId: 0, hostId: 0, size: 0 };
      for (const k in m) {
        const v = m[k];
        if (typeof v !== 'number') continue;
        const lower = fieldName(k);
        if (lower === 'container_id') out.containerId = v;
        else if (lower === 'host_id') out.hostId = v;
        else if (lower === 'size') out.size = v;
      }
      return out;
    });
    return maps.length > 0 ? maps : undefined;
  }

  private object(key: string, value: unknown): Record<string, unknown> {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw this.typeError(key, 'object');
    return value as Record<string, unknown>;
  }

  private typeError(key: string, expected: string): StorageError {
    return loadError(this.path, `field "${key}" is not a ${expected}`);
  }
}

function loadError(path: string, what: string): StorageError {
  return new StorageError('load-error', `loading "${path}": ${what}`, { path });
}
