// Rebuilds a layer's original uncompressed tar, byte for byte, from its
// tar-split metadata (raw segments) and the layer's files (contents), the way
// tar-split's asm.NewOutputTarStream does, checking each file's size and CRC-64.

import { closeSync, constants as fsConstants, createReadStream, openSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { cleanComponents, RootResolver } from './apply-confine.js';
import { ArchiveError } from './errors.js';
import { xattrAddon } from './native.js';

/** Output is handed on in ~1 MiB pieces: many small headers and files per chunk. */
const OUTPUT_CHUNK = 1 << 20;

interface TarSplitRecord {
  type: number;
  name?: string;
  name_raw?: string;
  size?: number;
  payload: string | null;
  position: number;
}

/**
 * The original tar as a stream. Fails (ArchiveError 'digest-mismatch') when a file's size or
 * CRC-64 differs from the record, and never reads outside `filesDir` (names resolve as in apply).
 */
export function tarSplitReplay(tarSplitPath: string, filesDir: string): Readable {
  return Readable.from(replay(tarSplitPath, filesDir), { objectMode: false, highWaterMark: OUTPUT_CHUNK });
}

async function* replay(tarSplitPath: string, filesDir: string): AsyncGenerator<Buffer> {
  const resolver = new RootResolver(filesDir.replace(/\/+$/, '') || '/');
  const output = new OutputBuffer();
  for await (const record of readRecords(tarSplitPath)) {
    if (record.type === 2) {
      if (record.payload) yield* output.append(Buffer.from(record.payload, 'base64'));
    } else if (record.type === 1) {
      const size = record.size ?? 0;
      if (size > 0) yield* copyFile(resolver, recordName(record), size, record.payload, output);
    } else {
      throw new ArchiveError('bad-tar-split', `unknown tar-split record type ${record.type}`, { path: tarSplitPath, position: record.position });
    }
  }
  yield* output.drain();
}

/**
 * Copies a file's content into the output, checking its size and CRC-64. Files that fit in an
 * output chunk are read by one addon call (open, read, CRC, close); that and the sync reads
 * of bigger files avoid a threadpool round trip per small file.
 */
function* copyFile(resolver: RootResolver, name: string, size: number, crcPayload: string | null, output: OutputBuffer): Generator<Buffer> {
  if (cleanComponents(name).length === 0) throw new ArchiveError('bad-tar-split', 'tar-split names the layer root as a file', { name });
  const path = resolver.resolve(name, false).full;
  const crc = Buffer.alloc(8);
  let got: number;
  if (size <= OUTPUT_CHUNK) {
    yield* output.reserve(size);
    got = xattrAddon.readFile(path, output.buffer, output.used, size, crc);
    output.used += got;
  } else {
    yield* output.drain();
    got = yield* readLargeFile(path, size, crc);
  }
  if (got < size) throw new ArchiveError('digest-mismatch', `file "${name}" is shorter than the ${size} bytes its tar-split records`, { name, size });
  if (crcPayload && crc.toString('base64') !== crcPayload) {
    throw new ArchiveError('digest-mismatch', `file "${name}" does not match the CRC-64 its tar-split records`, { name });
  }
}

function* readLargeFile(path: string, size: number, crc: Buffer): Generator<Buffer, number> {
  const fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW);
  let total = 0;
  try {
    while (total < size) {
      const buffer = Buffer.allocUnsafe(Math.min(size - total, OUTPUT_CHUNK));
      const got = readSync(fd, buffer, 0, buffer.length, null);
      if (got === 0) break;
      const piece = buffer.subarray(0, got);
      xattrAddon.crc64Update(crc, piece);
      total += got;
      yield piece;
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

function recordName(record: TarSplitRecord): string {
  if (record.name_raw) return Buffer.from(record.name_raw, 'base64').toString('utf8');
  return record.name ?? '';
}

/** The JSON lines of a gzipped tar-split file. */
async function* readRecords(path: string): AsyncGenerator<TarSplitRecord> {
  const stream = createReadStream(path, { highWaterMark: OUTPUT_CHUNK }).pipe(createGunzip({ chunkSize: OUTPUT_CHUNK }));
  const decoder = new StringDecoder('utf8'); // a chunk may end inside a UTF-8 sequence
  let rest = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = rest + decoder.write(chunk);
    const lines = text.split('\n');
    rest = lines.pop() as string;
    for (const line of lines) if (line) yield parseRecord(line, path);
  }
  // tar-split's unpacker ignores a last line that is not JSON.
  if (rest.trim()) {
    try {
      yield JSON.parse(rest) as TarSplitRecord;
    } catch {
      // as Go: an incomplete tail is the end of the stream
    }
  }
}

function parseRecord(line: string, path: string): TarSplitRecord {
  try {
    return JSON.parse(line) as TarSplitRecord;
  } catch (err) {
    throw new ArchiveError('bad-tar-split', `malformed tar-split line in "${path}"`, { path }, { cause: err });
  }
}

/** One output chunk filled in place: segments are copied in, small files read straight into it. */
class OutputBuffer {
  buffer = Buffer.allocUnsafe(OUTPUT_CHUNK);
  used = 0;

  /** Makes room for `size` bytes (≤ OUTPUT_CHUNK), handing on the full chunk first. */
  *reserve(size: number): Generator<Buffer> {
    if (this.used + size > this.buffer.length) yield* this.drain();
  }

  *append(bytes: Buffer): Generator<Buffer> {
    if (bytes.length > OUTPUT_CHUNK) {
      yield* this.drain();
      yield bytes;
      return;
    }
    yield* this.reserve(bytes.length);
    bytes.copy(this.buffer, this.used);
    this.used += bytes.length;
  }

  *drain(): Generator<Buffer> {
    if (this.used === 0) return;
    yield this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(OUTPUT_CHUNK);
    this.used = 0;
  }
}
