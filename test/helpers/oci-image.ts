// Tiny OCI images built in code, with no registry and no internet: the config
// and manifest JSON for a set of layer tars, an OCI image layout on disk for
// skopeo, and the layer/image IDs containers/image derives from them.

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { compress as zstdCompress } from 'zstd-napi';
import type { Store } from '../../src/storage/index.js';

export interface OciImage {
  /** The image config JSON; its sha256 hex is the image ID in containers-storage. */
  config: Buffer;
  configDigest: string;
  manifest: Buffer;
  manifestDigest: string;
  /** Per layer, bottom first: the uncompressed tar's digest. */
  diffIds: string[];
  /** Per layer, bottom first: the blob as the manifest lists it. */
  layerBlobs: Array<{ data: Buffer; digest: string; mediaType: string }>;
}

/** A layer blob as stored in a registry: a plain tar, gzip or zstd. */
export type LayerFormat = 'tar' | 'gzip' | 'zstd';

export interface OciImageOptions {
  cmd?: string[];
  /** More fields of the config's `config` object (Entrypoint, StopSignal, User, …). */
  config?: Record<string, unknown>;
  /** Compress the layer blobs with gzip (default: uncompressed `tar` media type). */
  gzip?: boolean;
  /** Each layer's own blob format, bottom first (overrides `gzip`). */
  layerFormats?: LayerFormat[];
  /** The config's platform (default: this machine's, linux). */
  platform?: { architecture: string; os?: string; variant?: string };
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Config and manifest for `layerTars` (uncompressed, bottom first), as a build tool would write them. */
export function buildOciImage(layerTars: Buffer[], options: OciImageOptions = {}): OciImage {
  const diffIds = layerTars.map((tar) => `sha256:${sha256Hex(tar)}`);
  const layerBlobs = layerTars.map((tar, i) => {
    const format = options.layerFormats?.[i] ?? (options.gzip ? 'gzip' : 'tar');
    const data = format === 'gzip' ? gzipSync(tar) : format === 'zstd' ? zstdCompress(tar) : tar;
    const mediaType = format === 'tar' ? 'application/vnd.oci.image.layer.v1.tar' : `application/vnd.oci.image.layer.v1.tar+${format}`;
    return { data, digest: `sha256:${sha256Hex(data)}`, mediaType };
  });
  const config = Buffer.from(JSON.stringify({
    created: '2024-01-01T00:00:00Z',
    architecture: options.platform?.architecture ?? goArch(),
    os: options.platform?.os ?? 'linux',
    ...(options.platform?.variant ? { variant: options.platform.variant } : {}),
    config: { Env: ['PATH=/bin'], Cmd: options.cmd ?? ['/bin/busybox', 'sh'], ...options.config },
    rootfs: { type: 'layers', diff_ids: diffIds },
    history: diffIds.map(() => ({ created: '2024-01-01T00:00:00Z', created_by: 'berth test' })),
  }));
  const configDigest = `sha256:${sha256Hex(config)}`;
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layerBlobs.map((b) => ({ mediaType: b.mediaType, digest: b.digest, size: b.data.length })),
  }));
  return { config, configDigest, manifest, manifestDigest: `sha256:${sha256Hex(manifest)}`, diffIds, layerBlobs };
}

/** Writes `image` as an OCI image layout at `dir` (for `skopeo copy oci:DIR:tag …`). */
export async function writeOciLayout(dir: string, image: OciImage, tag = 'latest'): Promise<void> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const writeBlob = (digest: string, data: Buffer) => writeFile(join(blobs, digest.slice('sha256:'.length)), data);
  await writeBlob(image.configDigest, image.config);
  await writeBlob(image.manifestDigest, image.manifest);
  for (const blob of image.layerBlobs) await writeBlob(blob.digest, blob.data);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: image.manifestDigest,
      size: image.manifest.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    }],
  }));
}

/**
 * Layer IDs as containers/image assigns them when it stores an image: the
 * bottom layer's ID is its diffID hex, every other is sha256("<parent ID>+<diffID hex>").
 */
export function containersImageLayerIds(diffIds: string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const hex = diffId.slice('sha256:'.length);
    const parent = ids.at(-1);
    ids.push(parent === undefined ? hex : sha256Hex(`${parent}+${hex}`));
  }
  return ids;
}

function goArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch;
}

/**
 * Puts `image` into `store` as containers/image would: layers with its IDs and
 * digests (reused when the store has them), the image under the config digest with the manifest, config and
 * (empty) signature big data, and the name in names-history as skopeo leaves
 * it (podman names containers' images from it). Returns the image ID.
 */
export async function storeOciImage(store: Store, image: OciImage, name: string): Promise<string> {
  const layerIds = containersImageLayerIds(image.diffIds);
  for (const [i, id] of layerIds.entries()) {
    const blob = image.layerBlobs[i]!;
    if (await store.exists(id)) continue;
    await store.putLayer(Readable.from([blob.data]), {
      id,
      parent: layerIds[i - 1],
      originalDigest: blob.digest,
      uncompressedDigest: image.diffIds[i],
    });
  }
  const imageId = image.configDigest.slice('sha256:'.length);
  await store.createImage({
    id: imageId,
    names: [name],
    namesHistory: [name],
    layer: layerIds.at(-1),
    metadata: JSON.stringify({ 'signatures-sizes': { [image.manifestDigest]: [] } }),
    digest: image.manifestDigest,
    bigData: [
      { key: image.configDigest, data: image.config },
      { key: `manifest-${image.manifestDigest}`, data: image.manifest },
      { key: 'manifest', data: image.manifest },
    ],
  });
  return imageId;
}
