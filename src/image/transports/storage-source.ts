// The `containers-storage:` source: the image's manifest and config from its
// big data, its layers as the uncompressed diffs the store replays from
// tar-split (so their digests are the diffIDs), signatures from big data.

import { Readable } from 'node:stream';
import { Compression } from '../../archive/index.js';
import type { Image, Store } from '../../storage/index.js';
import { ImageError } from '../errors.js';
import { manifestMediaType, OCI_LAYER_TAR } from '../manifest/index.js';
import type { BlobInfo, ImageReference, ImageSource, ManifestBytes, TransferOptions } from './types.js';

export class StorageSource implements ImageSource {
  constructor(readonly reference: ImageReference, private readonly store: Store, private readonly image: Image) {}

  async getManifest(instanceDigest?: string, options?: TransferOptions): Promise<ManifestBytes> {
    const key = instanceDigest ? `manifest-${instanceDigest}` : 'manifest';
    if (!this.image.bigDataNames.includes(key)) {
      throw new ImageError('image-unknown', `image ${this.image.id} has no ${instanceDigest ? `manifest ${instanceDigest}` : 'manifest'}`, { id: this.image.id });
    }
    const bytes = await this.store.imageBigData(this.image.id, key, { signal: options?.signal });
    return { bytes, mediaType: manifestMediaType(bytes) };
  }

  async getBlob(info: BlobInfo, options?: TransferOptions): Promise<Readable> {
    const signal = options?.signal;
    if (this.image.bigDataNames.includes(info.digest)) return Readable.from([await this.store.imageBigData(this.image.id, info.digest, { signal })]);
    const layer = (await this.chain(signal)).find((l) => l.uncompressedDigest === info.digest);
    if (!layer) throw new ImageError('blob-unknown', `image ${this.image.id} has no layer with digest ${info.digest}`, { id: this.image.id, digest: info.digest });
    return this.store.diff(layer.id, { compression: Compression.None, signal });
  }

  async layerInfosForCopy(_instanceDigest?: string, options?: TransferOptions): Promise<BlobInfo[]> {
    return (await this.chain(options?.signal)).map((layer) => {
      if (!layer.uncompressedDigest) throw new ImageError('blob-unknown', `layer ${layer.id} has no recorded diff digest`, { id: layer.id });
      return { digest: layer.uncompressedDigest, size: layer.uncompressedSize ?? -1, mediaType: OCI_LAYER_TAR };
    });
  }

  /** The concatenated `signatures` item split by the sizes in the image's metadata. */
  async getSignatures(_instanceDigest?: string, options?: TransferOptions): Promise<Buffer[]> {
    if (!this.image.bigDataNames.includes('signatures')) return [];
    const all = await this.store.imageBigData(this.image.id, 'signatures', { signal: options?.signal });
    let sizes: number[] = [];
    try {
      sizes = (JSON.parse(this.image.metadata ?? '{}') as { 'signature-sizes'?: number[] })['signature-sizes'] ?? [];
    } catch {
      sizes = [];
    }
    const out: Buffer[] = [];
    let at = 0;
    for (const size of sizes) {
      out.push(all.subarray(at, at + size));
      at += size;
    }
    return out;
  }

  async close(): Promise<void> {}

  /** The image's layers, base first. */
  private async chain(signal?: AbortSignal) {
    const layers = [];
    let id = this.image.topLayer;
    while (id) {
      const layer = await this.store.layer(id, { signal });
      layers.push(layer);
      id = layer.parent;
    }
    return layers.reverse();
  }
}
