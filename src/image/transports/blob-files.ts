// Blobs as files named by digest (OCI layouts, dir:): written through a temp
// file while hashed, checked against the expected digest and size, renamed
// into place; read back with a clear error when missing.

import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isErrno, openFileChunks } from '../../util/index.js';
import { ImageError } from '../errors.js';
import type { BlobInfo } from './types.js';

/**
 * Writes `stream` to `dir/<name(digest)>`; the digest and size are computed,
 * and compared with `expected` where it knows them. Returns what was written.
 */
export async function writeBlobFile(dir: string, stream: Readable, expected: BlobInfo, name: (digest: string) => string, signal?: AbortSignal): Promise<BlobInfo> {
  const temp = join(dir, `.tmp-blob-${randomBytes(6).toString('hex')}`);
  const hash = createHash('sha256');
  let size = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  });
  try {
    await pipeline(stream, counter, createWriteStream(temp, { mode: 0o644 }), { signal });
    const digest = `sha256:${hash.digest('hex')}`;
    if (expected.digest && expected.digest !== digest) {
      throw new ImageError('blob-digest-mismatch', `blob ${expected.digest}: got content with digest ${digest}`, { expected: expected.digest, got: digest });
    }
    if (expected.size >= 0 && expected.size !== size) {
      throw new ImageError('blob-size-mismatch', `blob ${expected.digest}: got ${size} bytes, expected ${expected.size}`, { expected: expected.size, got: size });
    }
    await rename(temp, join(dir, name(digest)));
    return { ...expected, digest, size };
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

/**
 * A stream of the file (read in huge-page chunks: see FileChunkStream), opened now so that a
 * missing blob fails here, named by `digest`.
 */
export async function openBlobFile(path: string, digest: string): Promise<Readable> {
  try {
    return await openFileChunks(path);
  } catch (err) {
    throw isErrno(err, 'ENOENT') ? new ImageError('blob-unknown', `blob ${digest} is not in ${path}`, { digest, path }, { cause: err }) : err;
  }
}

/** The file's size, or undefined when it does not exist. */
export async function blobFileSize(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}
