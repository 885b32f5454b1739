// Where verbs read their input: stdin or a --file, and --metadata / --metadata-file.

import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { LayerDiff } from '../../storage/index.js';
import { flagString, type FlagSpec, type ParsedFlags } from './flags.js';

/**
 * Read size for --file: each read is a round trip through libuv's thread pool, and a layer of
 * 178 MB took 2,700 of them in the default 64 KiB.
 */
const FILE_CHUNK = 1 << 20;

/** stdin, or the file named by --file. */
export function inputStream(file: string): Readable {
  return file ? createReadStream(file, { highWaterMark: FILE_CHUNK }) : process.stdin;
}

/** A layer's tar: the file named by --file (the store reads it in huge-page chunks), or stdin. */
export function layerInput(file: string): LayerDiff {
  return file || process.stdin;
}

/** The flags metadataOf() reads, for the verbs that take metadata. */
export const METADATA_FLAGS: readonly FlagSpec[] = [
  { names: ['metadata', 'm'], kind: 'string', help: 'Metadata' },
  { names: ['metadata-file', 'f'], kind: 'string', help: 'Metadata File' },
];

/** `--metadata-file` wins over `--metadata`, as in the Go CLI. */
export async function metadataOf(flags: ParsedFlags): Promise<string> {
  const file = flagString(flags, 'metadata-file');
  return file ? readFile(file, 'utf8') : flagString(flags, 'metadata');
}
