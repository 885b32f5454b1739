// Pushing one blob: POST starts an upload session, then either one PATCH
// with the whole stream (what skopeo does) or PATCHes of `chunkSize` bytes
// with Content-Range, then PUT `?digest=` closes it. The latest Location is
// always used: distribution keeps the session state in it.

import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import type { BlobInfo, TransferOptions } from '../transports/types.js';
import { discardBody } from './http.js';
import { pushScope, type RegistryResponse, type RegistryTransport } from './transport.js';

export interface UploadOptions extends TransferOptions {
  /** Send the blob in PATCHes of this many bytes; absent: one PATCH with the whole stream. */
  chunkSize?: number;
}

export async function uploadBlob(
  t: RegistryTransport, where: string, repository: string, stream: Readable, info: BlobInfo, options: UploadOptions,
): Promise<BlobInfo> {
  const scopes = [pushScope(repository)];
  const signal = options.signal ? { signal: options.signal } : {};
  const what = `uploading blob ${info.digest || '(digest not known yet)'} to ${where}`;
  const start = await t.send({ method: 'POST', path: `${repository}/blobs/uploads/`, scopes, ...signal });
  discardBody(start);
  if (start.status !== 202) throw await t.fail(start, what);
  let location = nextLocation(start, what);
  const hash = createHash('sha256');
  let size = 0;
  try {
    if (options.chunkSize !== undefined) {
      for await (const chunk of chunksOf(stream, options.chunkSize)) {
        hash.update(chunk);
        options.onProgress?.(chunk.length);
        const res = await t.send({
          method: 'PATCH', url: location, scopes, body: chunk, retry: false, ...signal,
          headers: { 'content-type': 'application/octet-stream', 'content-range': `${size}-${size + chunk.length - 1}` },
        });
        discardBody(res);
        if (res.status !== 202) throw await t.fail(res, what);
        location = nextLocation(res, what);
        size += chunk.length;
      }
    } else {
      const counter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          hash.update(chunk);
          size += chunk.length;
          options.onProgress?.(chunk.length);
          done(null, chunk);
        },
      });
      stream.on('error', (err) => counter.destroy(err));
      const res = await t.send({
        method: 'PATCH', url: location, scopes, body: stream.pipe(counter), retry: false, ...signal,
        headers: { 'content-type': 'application/octet-stream' },
      });
      discardBody(res);
      if (res.status !== 202) throw await t.fail(res, what);
      location = nextLocation(res, what);
    }
    const digest = `sha256:${hash.digest('hex')}`;
    if (info.digest && info.digest !== digest) {
      throw new ImageError('blob-digest-mismatch', `${what}: the bytes have digest ${digest}`, { expected: info.digest, actual: digest });
    }
    if (info.size >= 0 && info.size !== size) {
      throw new ImageError('blob-size-mismatch', `${what}: ${size} bytes were read, ${info.size} expected`, { expectedSize: info.size, size });
    }
    location.searchParams.set('digest', digest);
    const done = await t.send({ method: 'PUT', url: location, scopes, ...signal });
    discardBody(done);
    if (done.status !== 201) throw await t.fail(done, what);
    return { digest, size, ...(info.mediaType ? { mediaType: info.mediaType } : {}) };
  } catch (err) {
    // Leave no upload session behind; the registry would expire it, but later.
    await t.send({ method: 'DELETE', url: location, scopes, retry: false }).then(discardBody, () => undefined);
    throw err;
  }
}

function nextLocation(res: RegistryResponse, what: string): URL {
  const location = res.headers.location;
  if (!location) throw new ImageError('registry-error', `${what}: the registry answered ${res.status} without a Location`, { status: res.status });
  return new URL(location, res.url);
}

async function* chunksOf(stream: Readable, chunkSize: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingSize = 0;
  for await (const piece of stream as AsyncIterable<Buffer>) {
    let data = piece;
    while (pendingSize + data.length >= chunkSize) {
      const take = chunkSize - pendingSize;
      pending.push(data.subarray(0, take));
      yield Buffer.concat(pending, chunkSize);
      data = data.subarray(take);
      pending = [];
      pendingSize = 0;
    }
    if (data.length > 0) {
      pending.push(data);
      pendingSize += data.length;
    }
  }
  if (pendingSize > 0) yield Buffer.concat(pending, pendingSize);
}
