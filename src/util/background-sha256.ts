// SHA-256 of a stream's chunks hashed on the libuv threadpool (native/digest),
// so the thread that queues them goes on parsing: see digest.c for why.

import { loadNativeAddon } from './native-addon.js';

interface DigestAddon {
  Sha256: new () => NativeSha256;
}

interface NativeSha256 {
  update(chunk: Uint8Array): void;
  digest(): Promise<Buffer>;
}

let addon: DigestAddon | undefined;

/**
 * A sha256 whose chunks are hashed in order off this thread. A chunk given to `update` must not
 * change until `digest` has settled (stream chunks do not: they belong to their reader).
 */
export class BackgroundSha256 {
  private readonly native: NativeSha256 = new (addon ??= loadNativeAddon<DigestAddon>('digest')).Sha256();

  update(chunk: Uint8Array): void {
    this.native.update(chunk);
  }

  /** `sha256:<hex>` of everything given, once it is all hashed; no update after this. */
  async digest(): Promise<string> {
    return 'sha256:' + (await this.native.digest()).toString('hex');
  }
}
