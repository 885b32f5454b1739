// A pass-through that hashes and counts a blob as it flows and fails the
// stream, before its end reaches the consumer, when the digest or size is not
// the expected one (size -1: any); it reports progress as bytes arrive.

import { Transform, type TransformCallback } from 'node:stream';
import { BackgroundSha256, type SelfVerifyingReadable, type VerifiedBlob } from '../../util/index.js';
import { ImageError } from '../errors.js';
import type { BlobInfo } from './types.js';

export class VerifyingStream extends Transform implements SelfVerifyingReadable {
  /** Hashed off the main thread, which decompresses and parses the same bytes meanwhile. */
  private readonly hash = new BackgroundSha256();
  /** Bytes that went through so far. */
  size = 0;

  constructor(private readonly expected: Pick<BlobInfo, 'digest' | 'size'>, private readonly onBytes?: (bytes: number) => void) {
    super({ highWaterMark: 1 << 20 });
  }

  /** The digest and size checked, when both are known and the digest is sha256 (a store layer's own). */
  get verifiedBlob(): VerifiedBlob | undefined {
    const { digest, size } = this.expected;
    return size >= 0 && /^sha256:[0-9a-f]{64}$/.test(digest) ? { digest, size } : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.expected.size >= 0 && this.size > this.expected.size) {
      callback(new ImageError('blob-size-mismatch', `blob ${this.expected.digest}: more than the ${this.expected.size} bytes the manifest gives`, { digest: this.expected.digest, size: this.expected.size }));
      return;
    }
    this.hash.update(chunk);
    this.onBytes?.(chunk.length);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    if (this.expected.size >= 0 && this.size !== this.expected.size) {
      callback(new ImageError('blob-size-mismatch', `blob ${this.expected.digest}: ${this.size} bytes, the manifest gives ${this.expected.size}`, { digest: this.expected.digest, size: this.size, expected: this.expected.size }));
      return;
    }
    this.hash.digest().then((digest) => {
      if (digest !== this.expected.digest) {
        callback(new ImageError('blob-digest-mismatch', `blob ${this.expected.digest}: the content has digest ${digest}`, { digest: this.expected.digest, got: digest }));
        return;
      }
      callback();
    }, callback);
  }
}
