// Layer blob compression: detection from the first bytes, streaming
// decompression and compression. gzip through node:zlib, zstd through
// zstd-napi, bzip2 and xz through the system's `bzip2`/`xz` tools.

import { spawn } from 'node:child_process';
import { Duplex, PassThrough, type Readable, type Transform } from 'node:stream';
import { createGunzip, createGzip, constants as zlibConstants } from 'node:zlib';
import { CompressStream } from 'zstd-napi';
import { ArchiveError } from './errors.js';
import { Compression } from './types.js';
import { ZstdDecompressStream } from './zstd-decompress.js';

/** Bytes needed to tell the formats apart (xz's magic is the longest). */
export const COMPRESSION_MAGIC_LENGTH = 6;

/** Large output chunks cut per-chunk overhead in the parser (npm-deps.md: gunzip with 1 MiB chunks). */
const CHUNK_SIZE = 1 << 20;

/** The compression of a blob from its first bytes (as pkg/archive DetectCompression does). */
export function detectCompression(head: Uint8Array): Compression {
  const starts = (...magic: number[]): boolean => head.length >= magic.length && magic.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b, 0x08)) return Compression.Gzip;
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return Compression.Zstd;
  if (starts(0x42, 0x5a, 0x68)) return Compression.Bzip2;
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return Compression.Xz;
  return Compression.None;
}

/** A transform from compressed to plain bytes for the given format (none: a pass-through). */
export function createDecompressor(compression: Compression): Duplex {
  switch (compression) {
    case Compression.None:
      return new PassThrough({ highWaterMark: CHUNK_SIZE });
    case Compression.Gzip:
      return createGunzip({ chunkSize: CHUNK_SIZE });
    case Compression.Zstd:
      return new ZstdDecompressStream();
    case Compression.Bzip2:
      return toolStream('bzip2', ['-dc']);
    case Compression.Xz:
      return toolStream('xz', ['-dc']);
  }
}

/** A transform from plain to compressed bytes (for `diff` output). */
export function createCompressor(compression: Compression, level?: number): Duplex {
  switch (compression) {
    case Compression.None:
      return new PassThrough({ highWaterMark: CHUNK_SIZE });
    case Compression.Gzip:
      return createGzip({ chunkSize: CHUNK_SIZE, level: level ?? zlibConstants.Z_DEFAULT_COMPRESSION });
    case Compression.Zstd:
      return new CompressStream(level === undefined ? {} : { compressionLevel: level }) as unknown as Transform;
    case Compression.Bzip2:
      return toolStream('bzip2', ['-c', ...(level ? [`-${level}`] : [])]);
    case Compression.Xz:
      return toolStream('xz', ['-c', ...(level ? [`-${level}`] : [])]);
  }
}

/**
 * Peeks at the first bytes of `input`, then returns the detected compression and a stream of
 * the decompressed bytes. Errors of either side surface on the returned stream.
 */
export async function openDecompressed(input: Readable): Promise<{ compression: Compression; stream: Readable }> {
  const head = await peek(input, COMPRESSION_MAGIC_LENGTH);
  const compression = detectCompression(head);
  if (compression === Compression.None) return { compression, stream: input };
  const decompressor = createDecompressor(compression);
  // The input may have failed while it was peeked at: its 'error' event has been emitted already.
  if (input.errored) decompressor.destroy(input.errored);
  else input.on('error', (err) => decompressor.destroy(err));
  input.pipe(decompressor);
  return { compression, stream: decompressor };
}

/** Reads until `length` bytes (or the end) are buffered, then puts them back. */
async function peek(input: Readable, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let have = 0;
  while (have < length) {
    const chunk = input.read() as Buffer | null;
    if (chunk !== null) {
      parts.push(chunk);
      have += chunk.length;
      continue;
    }
    if (input.readableEnded) break;
    const ended = await new Promise<boolean>((resolve, reject) => {
      const cleanup = (): void => {
        input.off('readable', onReadable);
        input.off('end', onEnd);
        input.off('error', onError);
      };
      const onReadable = (): void => { cleanup(); resolve(false); };
      const onEnd = (): void => { cleanup(); resolve(true); };
      const onError = (err: Error): void => { cleanup(); reject(err); };
      input.on('readable', onReadable);
      input.on('end', onEnd);
      input.on('error', onError);
    });
    if (ended) break;
  }
  const head = Buffer.concat(parts);
  if (head.length > 0) input.unshift(head);
  return head;
}

/**
 * A system compression tool as a duplex stream: stdin in, stdout out. The output ends only
 * after the tool exited 0, so a failure is never mistaken for a short but complete stream.
 */
function toolStream(tool: string, args: string[]): Duplex {
  const child = spawn(tool, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const output = new PassThrough({ highWaterMark: CHUNK_SIZE });
  child.stdout.pipe(output, { end: false });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => { if (stderr.length < 4096) stderr += text; });
  const duplex = Duplex.from({ writable: child.stdin, readable: output });
  child.on('error', (err) => duplex.destroy(new ArchiveError('compression', `cannot run ${tool}`, { tool }, { cause: err })));
  child.stdin.on('error', () => { /* EPIPE after the tool failed; its exit status reports it */ });
  child.on('close', (code, signal) => {
    if (code === 0) {
      output.end();
      return;
    }
    const message = `${tool} ${args.join(' ')} failed: ${stderr.trim() || `exit ${code ?? signal}`}`;
    duplex.destroy(new ArchiveError('compression', message, { tool, code, signal }));
  });
  duplex.on('close', () => { if (child.exitCode === null && child.signalCode === null) child.kill(); });
  return duplex;
}
