// A root filesystem tarball as a one-layer image source (`podman import`):
// the file is read once to learn its digests, a config (with --change
// edits) and an OCI manifest are made for it, and the copy pipeline reads the
// file again as the layer blob.

import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { Compression, openDecompressed } from '../../archive/index.js';
import { goTimeNow, openFileChunks, sha256Digest, streamChunks } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { applyConfigChanges, hostPlatform, OCI_CONFIG, OCI_LAYER_GZIP, OCI_LAYER_TAR, OCI_LAYER_ZSTD, OCI_MANIFEST, type ImageConfig, type PlatformChoice } from '../manifest/index.js';
import type { BlobInfo, ImageReference, ImageSource, ManifestBytes } from './types.js';

export interface TarballImageOptions {
  changes?: string[];
  /** History comment (`podman import --message`). */
  message?: string;
  platform?: Partial<PlatformChoice>;
}

export async function openTarballSource(path: string, options: TarballImageOptions = {}): Promise<ImageSource> {
  const { digest, size, compression, diffId, diffSize } = await digestsOf(path);
  // bzip2 and xz are not layer media types: such a file is served decompressed.
  const served = compression === Compression.Gzip || compression === Compression.Zstd || compression === Compression.None;
  const layer: BlobInfo = served
    ? { digest, size, mediaType: compression === Compression.Gzip ? OCI_LAYER_GZIP : compression === Compression.Zstd ? OCI_LAYER_ZSTD : OCI_LAYER_TAR }
    : { digest: diffId, size: diffSize, mediaType: OCI_LAYER_TAR };
  const created = goTimeNow();
  const host = hostPlatform();
  const config: ImageConfig = {
    created,
    architecture: options.platform?.architecture ?? host.architecture,
    os: options.platform?.os ?? host.os,
    ...(options.platform?.variant ? { variant: options.platform.variant } : {}),
    config: applyConfigChanges({}, options.changes ?? []),
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created, created_by: `/bin/sh -c #(nop) ADD file:${diffId.slice(7)} in / `, ...(options.message ? { comment: options.message } : {}) }],
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  const configInfo: BlobInfo = { digest: sha256Digest(configBytes), size: configBytes.length, mediaType: OCI_CONFIG };
  const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: OCI_MANIFEST, config: configInfo, layers: [layer] }));
  const reference: ImageReference = { transport: 'dir', text: path };
  return {
    reference,
    async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
      if (instanceDigest) throw new ImageError('not-supported', 'a tarball image has no manifest list', {});
      return { bytes: manifest, mediaType: OCI_MANIFEST };
    },
    async getBlob(info: BlobInfo): Promise<Readable> {
      if (info.digest === configInfo.digest) return Readable.from([configBytes]);
      if (info.digest !== layer.digest) throw new ImageError('blob-unknown', `blob ${info.digest} is not part of the tarball image`, { digest: info.digest });
      const file = await openFileChunks(path);
      return served ? file : (await openDecompressed(file)).stream;
    },
    async getSignatures(): Promise<Buffer[]> {
      return [];
    },
    async close(): Promise<void> {},
  };
}

async function digestsOf(path: string): Promise<{ digest: string; size: number; compression: Compression; diffId: string; diffSize: number }> {
  const raw = createHash('sha256');
  let size = 0;
  const counted = (await openFileChunks(path)).pipe(new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      raw.update(chunk);
      size += chunk.length;
      callback(null, chunk);
    },
  }));
  const { compression, stream } = await openDecompressed(counted);
  const plain = createHash('sha256');
  let diffSize = 0;
  for await (const chunk of streamChunks(stream)) {
    plain.update(chunk);
    diffSize += chunk.length;
  }
  return { digest: `sha256:${raw.digest('hex')}`, size, compression, diffId: `sha256:${plain.digest('hex')}`, diffSize };
}
