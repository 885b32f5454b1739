// Big-data items of images and containers: the file next to the record and
// the record's bookkeeping (names list in insertion order, size, digest).

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, writeFileAtomic } from '../util/index.js';
import { bigDataFileName } from './big-data-names.js';
import { StorageError } from './errors.js';

export interface BigDataRecord {
  id: string;
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
}

export function bigDataPath(dir: string, key: string): string {
  return join(dir, bigDataFileName(key));
}

/** Writes the item's file atomically under `<store dir>/<id>/`. */
export async function writeBigDataFile(recordDir: string, key: string, data: Buffer): Promise<void> {
  mkdirSync(recordDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(bigDataPath(recordDir, key), data, { mode: 0o600 });
}

/** Updates the bookkeeping; returns whether the JSON must be rewritten (Go saves only then). */
export function noteBigDataItem(record: BigDataRecord, key: string, size: number, digest: string): boolean {
  let changed = record.bigDataSizes[key] !== size || record.bigDataDigests[key] !== digest;
  record.bigDataSizes[key] = size;
  record.bigDataDigests[key] = digest;
  if (!record.bigDataNames.includes(key)) {
    record.bigDataNames.push(key);
    changed = true;
  }
  return changed;
}

/**
 * The size or digest recorded for an item; none recorded is Go's
 * ErrSizeUnknown/ErrDigestUnknown, wrapped with `item` (the caller's words).
 */
export function recordedBigDataInfo(record: BigDataRecord, key: string, what: 'size' | 'digest', item: string): number | string {
  const value = what === 'size' ? record.bigDataSizes[key] : record.bigDataDigests[key];
  if (value === undefined) throw new StorageError(what === 'size' ? 'size-unknown' : 'digest-unknown', item, { id: record.id, key });
  return value;
}

/** Reads an item; a missing file is Go's "locating item named …" error. */
export async function readBigDataFile(recordDir: string, kind: 'image' | 'container', id: string, key: string): Promise<Buffer> {
  try {
    // Read whole and at once, as Go's store reads it into a []byte: items are manifests, configs and signatures.
    return readFileSync(bigDataPath(recordDir, key));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    throw new StorageError(
      'big-data-unknown',
      `locating item named ${JSON.stringify(key)} for ${kind} with ID ${JSON.stringify(id)} (consider removing the ${kind} to resolve the issue)`,
      { id, key },
      { cause: err },
    );
  }
}

export function refuseEmptyKey(kind: 'image' | 'container' | 'layer', key: string, id: string): void {
  if (key === '') throw new StorageError('invalid-big-data-name', `can't set empty name for ${kind} big data item`, { id });
}
