// PAX extended header records (`"%d key=value\n"`) and how they, GNU long
// names and GNU sparse maps override the fields of the header that follows.

import { decodeFileName } from '../../util/index.js';
import { ArchiveError } from '../errors.js';
import { BLOCK_SIZE, NO_XATTRS, parseNumeric, type SparseRegion, type TarHeader } from './header.js';

const XATTR_PREFIX = 'SCHILY.xattr.';

/** Parses PAX records; values stay bytes (xattr values are binary). */
export function parsePaxRecords(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    if (data[pos] === 0) break; // some writers pad the record area with NULs
    const space = data.indexOf(0x20, pos);
    const length = space > pos ? Number(data.toString('latin1', pos, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= space - pos + 1 || pos + length > data.length
      || data[pos + length - 1] !== 0x0a) {
      throw new ArchiveError('bad-tar', 'malformed PAX record', { offset: pos });
    }
    const equals = data.indexOf(0x3d, space + 1);
    if (equals < 0 || equals >= pos + length - 1) throw new ArchiveError('bad-tar', 'PAX record without "="', { offset: pos });
    // Keys are bytes too: `SCHILY.xattr.<name>` carries an attribute name.
    const key = decodeFileName(data, space + 1, equals);
    records.set(key, data.subarray(equals + 1, pos + length - 1));
    pos += length;
  }
  return records;
}

/** The extensions collected from the special entries before a header. */
export interface PendingExtensions {
  global: Map<string, Buffer>;
  local?: Map<string, Buffer>;
  longName?: string;
  longLink?: string;
}

/**
 * Applies the PAX records and GNU long names to the header parsed from the block, in place (no
 * copy per entry: most entries of a layer have no extensions at all).
 */
export function applyExtensions(header: TarHeader, ext: PendingExtensions): TarHeader {
  if (ext.longName !== undefined) header.name = ext.longName;
  if (ext.longLink !== undefined) header.linkname = ext.longLink;
  const records = ext.local && ext.global.size ? new Map([...ext.global, ...ext.local]) : ext.local ?? ext.global;
  if (records.size === 0) return header;
  header.pax = records;
  for (const [key, value] of records) {
    switch (key) {
      case 'path': header.name = decodeFileName(value); break;
      case 'linkpath': header.linkname = decodeFileName(value); break;
      case 'uname': header.uname = value.toString('utf8'); break;
      case 'gname': header.gname = value.toString('utf8'); break;
      case 'uid': header.uid = paxInteger(key, value); break;
      case 'gid': header.gid = paxInteger(key, value); break;
      case 'size': header.size = paxInteger(key, value); break;
      case 'mtime': header.mtime = paxTime(key, value); break;
      case 'atime': header.atime = paxTime(key, value); break;
      case 'ctime': header.ctime = paxTime(key, value); break;
      default:
        if (!key.startsWith(XATTR_PREFIX)) break;
        if (header.xattrs === NO_XATTRS) header.xattrs = new Map();
        header.xattrs.set(key.slice(XATTR_PREFIX.length), value);
    }
  }
  applyPaxSparse(header, records);
  return header;
}

/** PAX sparse formats 0.0/0.1 carry the map in records; 1.0 only announces a map in the data. */
function applyPaxSparse(header: TarHeader, records: Map<string, Buffer>): void {
  const realSize = records.get('GNU.sparse.realsize') ?? records.get('GNU.sparse.size');
  if (!realSize) return;
  const sparseName = records.get('GNU.sparse.name');
  if (sparseName) header.name = decodeFileName(sparseName);
  const map = records.get('GNU.sparse.map');
  const numbers = map ? map.toString('latin1').split(',').map(Number) : [];
  header.sparse = { realSize: paxInteger('GNU.sparse.realsize', realSize), regions: pairsToRegions(numbers) };
}

/** True when the header announces a PAX 1.0 sparse map at the start of its data. */
export function hasSparseMapInData(header: TarHeader): boolean {
  const pax = header.pax;
  return pax !== undefined && pax.get('GNU.sparse.major')?.toString() === '1' && pax.get('GNU.sparse.minor')?.toString() === '0';
}

/**
 * Parses the PAX 1.0 sparse map (decimal numbers, one a line: count, then offset/length
 * pairs) from whole blocks; returns undefined while more blocks are needed.
 */
export function parseSparseMapBlocks(data: Buffer): { regions: SparseRegion[]; bytes: number } | undefined {
  const text = data.toString('latin1');
  const lines = text.split('\n');
  const count = Number(lines[0]);
  if (lines.length < 2) return undefined;
  if (!Number.isSafeInteger(count) || count < 0) throw new ArchiveError('bad-tar', 'malformed sparse map');
  if (lines.length < 2 * count + 2) return undefined; // the last number needs its newline
  const numbers = lines.slice(1, 2 * count + 1).map(Number);
  let consumed = 0;
  for (let i = 0; i < 2 * count + 1; i++) consumed += (lines[i] as string).length + 1;
  return { regions: pairsToRegions(numbers), bytes: Math.ceil(consumed / BLOCK_SIZE) * BLOCK_SIZE };
}

/** The GNU old-style sparse map: 4 entries in the header at 386, then 21 per extension block. */
export function parseGnuSparseHeader(block: Buffer, offset: number): { regions: SparseRegion[]; realSize: number; extended: boolean } {
  const regions = readSparseEntries(block, offset + 386, 4);
  return {
    regions,
    extended: block[offset + 482] !== 0,
    realSize: parseNumeric(block, offset + 483, 12, 'realsize'),
  };
}

export function parseGnuSparseExtension(block: Buffer, offset: number): { regions: SparseRegion[]; extended: boolean } {
  return { regions: readSparseEntries(block, offset, 21), extended: block[offset + 504] !== 0 };
}

function readSparseEntries(block: Buffer, start: number, count: number): SparseRegion[] {
  const regions: SparseRegion[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * 24;
    if (block[at] === 0) break;
    regions.push({ offset: parseNumeric(block, at, 12, 'sparse offset'), length: parseNumeric(block, at + 12, 12, 'sparse length') });
  }
  return regions;
}

function pairsToRegions(numbers: number[]): SparseRegion[] {
  if (numbers.length % 2 !== 0 || numbers.some((n) => !Number.isSafeInteger(n) || n < 0)) {
    throw new ArchiveError('bad-tar', 'malformed sparse map');
  }
  const regions: SparseRegion[] = [];
  for (let i = 0; i < numbers.length; i += 2) regions.push({ offset: numbers[i] as number, length: numbers[i + 1] as number });
  return regions;
}

function paxInteger(key: string, value: Buffer): number {
  const n = Number(value.toString('latin1'));
  if (!Number.isSafeInteger(n) || n < 0) throw new ArchiveError('bad-tar', `PAX record ${key} is not a valid number`, { key });
  return n;
}

function paxTime(key: string, value: Buffer): number {
  const n = Number(value.toString('latin1'));
  if (!Number.isFinite(n)) throw new ArchiveError('bad-tar', `PAX record ${key} is not a valid time`, { key });
  return n;
}
