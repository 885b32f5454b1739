// An image made of a stored image and one more layer, as `commit` makes it
// from a container: the stored image's layers as the store serves them, the
// new layer from an uncompressed tar file, and the stored image's config (the
// caller read it) with the new diff ID, a history entry and the run config
// the caller gives.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Image, Store } from '../../storage/index.js';
import { goTimeNow, sha256Digest, streamChunks } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { OCI_CONFIG, OCI_LAYER_TAR, OCI_MANIFEST, type ImageConfig, type RunConfig } from '../manifest/index.js';
import { StorageSource } from './storage-source.js';
import type { BlobInfo, ImageSource, ManifestBytes } from './types.js';

export interface CommitSourceOptions {
  /** `base`'s config, which the new one extends. */
  baseConfig: ImageConfig;
  /** The new image's run config, whole. */
  runConfig: RunConfig;
  author?: string;
  /** The history entry's comment (`commit -m`). */
  comment?: string;
}

/** `base` with the uncompressed layer tar in `layerFile` on top, as an image source for copyImage. */
export async function openCommitSource(store: Store, base: Image, layerFile: string, options: CommitSourceOptions): Promise<ImageSource> {
  const stored = new StorageSource({ transport: 'containers-storage', text: base.id }, store, base);
  const { baseConfig } = options;
  const baseLayers = (await stored.layerInfosForCopy()) ?? [];
  const layer = await digestOf(layerFile);
  const created = goTimeNow();
  const config: ImageConfig = {
    ...baseConfig,
    created,
    ...(options.author ? { author: options.author } : {}),
    config: options.runConfig,
    rootfs: { type: 'layers', diff_ids: [...baseConfig.rootfs.diff_ids, layer.digest] },
    history: [...(baseConfig.history ?? []), { created, ...(options.author ? { author: options.author } : {}), ...(options.comment ? { comment: options.comment } : {}) }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configInfo: BlobInfo = { digest: sha256Digest(configBytes), size: configBytes.length, mediaType: OCI_CONFIG };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configInfo, layers: [...baseLayers, layer] }));
  return {
    reference: { transport: 'containers-storage', text: `${base.id}+${layerFile}` },
    async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
      if (instanceDigest) throw new ImageError('not-supported', 'a committed image has no manifest list', {});
      return { bytes: manifest, mediaType: OCI_MANIFEST };
    },
    async getBlob(info: BlobInfo, transfer): Promise<Readable> {
      if (info.digest === configInfo.digest) return Readable.from([configBytes]);
      if (info.digest === layer.digest) return createReadStream(layerFile);
      return stored.getBlob(info, transfer);
    },
    async getSignatures(): Promise<Buffer[]> {
      return [];
    },
    async close(): Promise<void> {},
  };
}

async function digestOf(file: string): Promise<BlobInfo> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of streamChunks(createReadStream(file))) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size, mediaType: OCI_LAYER_TAR };
}
