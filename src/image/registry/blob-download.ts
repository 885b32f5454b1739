// A blob as a stream whose every byte is checked: hashed while it flows,
// never more than the descriptor's size, and resumed with `Range` after a
// dropped connection or an early end. The stream errors (after the last byte)
// when the digest does not match, so a consumer must not commit before `end`.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import type { BlobInfo, TransferOptions } from '../transports/types.js';
import type { RegistryResponse } from './transport.js';

/** Opens the blob at byte `offset` (0: the whole blob); the answer's status is checked here. */
export type BlobOpener = (offset: number, signal?: AbortSignal) => Promise<RegistryResponse>;

export interface BlobDownloadEvents {
  /** A resume after `offset` bytes arrived, and why. */
  onResume?: (offset: number, reason: string) => void;
}

// containers/image reconnects when this much arrived since the last try, or
// on the first retry, or when the last try was this long ago.
const RESUME_PROGRESS_BYTES = 1 << 20;
const RESUME_QUIET_MS = 60_000;

export function downloadBlob(open: BlobOpener, info: BlobInfo, what: string, options: TransferOptions & BlobDownloadEvents = {}): Readable {
  return Readable.from(blobChunks(open, info, what, options), { objectMode: false, highWaterMark: 1 << 20 });
}

async function* blobChunks(open: BlobOpener, info: BlobInfo, what: string, options: TransferOptions & BlobDownloadEvents): AsyncGenerator<Buffer> {
  const hash = createHash(algorithmOf(info.digest));
  const expectedSize = info.size >= 0 ? info.size : undefined;
  let offset = 0;
  let lastResume: { offset: number; at: number } | undefined;
  for (;;) {
    const res = await open(offset, options.signal);
    checkRangeAnswer(res, offset, expectedSize, what);
    let failure: unknown;
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        if (expectedSize !== undefined && offset + chunk.length > expectedSize) {
          throw new ImageError('blob-size-mismatch', `${what}: more than the expected ${expectedSize} bytes arrived`, {
            digest: info.digest, expectedSize,
          });
        }
        hash.update(chunk);
        offset += chunk.length;
        options.onProgress?.(chunk.length);
        yield chunk;
      }
      if (expectedSize === undefined || offset === expectedSize) break;
      failure = new Error(`the connection ended after ${offset} of ${expectedSize} bytes`);
    } catch (err) {
      if (options.signal?.aborted) throw options.signal.reason ?? err;
      if (err instanceof ImageError) throw err;
      failure = err;
    } finally {
      res.body.destroy();
    }
    const now = Date.now();
    const mayResume = lastResume === undefined || offset - lastResume.offset >= RESUME_PROGRESS_BYTES || now - lastResume.at >= RESUME_QUIET_MS;
    if (!mayResume) {
      throw new ImageError('blob-size-mismatch', `${what}: reading failed at byte ${offset} again without progress: ${(failure as Error).message}`, {
        digest: info.digest, offset, expectedSize,
      }, { cause: failure });
    }
    lastResume = { offset, at: now };
    options.onResume?.(offset, (failure as Error).message);
  }
  const actual = `${algorithmOf(info.digest)}:${hash.digest('hex')}`;
  if (actual !== info.digest) {
    throw new ImageError('blob-digest-mismatch', `${what}: the bytes have digest ${actual}, not ${info.digest}`, {
      expected: info.digest, actual, size: offset,
    });
  }
}

// A resumed GET must answer 206 from exactly our offset; a 200 means the
// server ignored Range, and its bytes cannot be spliced onto ours.
function checkRangeAnswer(res: RegistryResponse, offset: number, expectedSize: number | undefined, what: string): void {
  const length = Number(res.headers['content-length']);
  if (offset === 0) {
    if (expectedSize !== undefined && Number.isFinite(length) && res.headers['content-length'] !== undefined && length > expectedSize) {
      res.body.destroy();
      throw new ImageError('blob-size-mismatch', `${what}: the registry announces ${length} bytes, the manifest says ${expectedSize}`, {
        expectedSize, announced: length,
      });
    }
    return;
  }
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(String(res.headers['content-range'] ?? ''));
  if (res.status !== 206 || !range || Number(range[1]) !== offset) {
    res.body.destroy();
    throw new ImageError('registry-error', `${what}: resuming at byte ${offset} failed: the registry answered ${res.status} ${res.headers['content-range'] ?? '(no Content-Range)'}`, {
      offset, status: res.status,
    });
  }
}

function algorithmOf(digest: string): string {
  return digest.slice(0, digest.indexOf(':'));
}
