// The `containers-storage:` destination: layers staged in parallel as they
// arrive (store.stageLayer, outside the layers lock), then at commit made
// layers with containers/image's IDs, and the image record with the big
// data, metadata and names containers/image writes (§7.2), byte for byte.

import type { Readable } from 'node:stream';
import { Compression } from '../../archive/index.js';
import { isStorageError, type ImageBigDataOption, type StagedLayer, type Store } from '../../storage/index.js';
import { sha256Digest } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { MAX_CONFIG_SIZE, parseConfig, parseManifest, type ImageConfig } from '../manifest/index.js';
import { imageIdFor, layerIdsFor } from './storage-layer-ids.js';
import type { BlobInfo, CommitOptions, ImageDestination, ImageReference, ManifestBytes, PutBlobOptions, TransferOptions } from './types.js';

interface KnownBlob {
  /** The layer's uncompressed digest. */
  diffId: string;
  /** Applied and waiting to become a layer; taken by the first layer that uses it. */
  staged?: StagedLayer;
}

export class StorageDestination implements ImageDestination {
  readonly supportedManifestMediaTypes: string[] = [];
  private config: { bytes: Buffer; digest: string; parsed: ImageConfig } | undefined;
  private readonly blobs = new Map<string, KnownBlob>();
  private manifest: (ManifestBytes & { digest: string }) | undefined;
  private signatures: Buffer[] = [];
  private closed = false;

  /** `name`: the normalised reference to add to the image's names (none: the image stays unnamed). */
  constructor(readonly reference: ImageReference, private readonly store: Store, private readonly name: string | undefined) {}

  /**
   * Skips the download when the store already has the layer: by the chain
   * ID the config gives (§7.3 "already present"), else a layer whose
   * uncompressed or compressed digest is this blob's.
   */
  async tryReusingBlob(info: BlobInfo, options: PutBlobOptions = {}): Promise<BlobInfo | undefined> {
    if (!info.digest) return undefined;
    if (this.blobs.has(info.digest)) return info;
    const { signal } = options;
    if (this.config && options.layerIndex !== undefined) {
      const diffIds = this.config.parsed.rootfs.diff_ids;
      const id = layerIdsFor(diffIds.slice(0, options.layerIndex + 1)).at(-1) as string;
      const layer = await this.store.layer(id, { signal }).catch((err: unknown) => (isStorageError(err, 'layer-unknown') ? undefined : Promise.reject(err)));
      if (layer?.uncompressedDigest) {
        this.blobs.set(info.digest, { diffId: layer.uncompressedDigest });
        return info;
      }
    }
    for (const which of ['uncompressed', 'compressed'] as const) {
      const found = which === 'uncompressed'
        ? await this.store.layersByUncompressedDigest(info.digest, { signal })
        : await this.store.layersByCompressedDigest(info.digest, { signal });
      const diffId = found.find((l) => l.uncompressedDigest)?.uncompressedDigest;
      if (diffId) {
        this.blobs.set(info.digest, { diffId });
        return info;
      }
    }
    return undefined;
  }

  async putBlob(stream: Readable, info: BlobInfo, options: PutBlobOptions = {}): Promise<BlobInfo> {
    if (options.isConfig) return this.putConfig(stream, info);
    const expectedDiffId = options.layerIndex !== undefined ? this.config?.parsed.rootfs.diff_ids[options.layerIndex] : undefined;
    const staged = await this.store.stageLayer(stream, { originalDigest: info.digest || undefined, uncompressedDigest: expectedDiffId, signal: options.signal });
    if (this.closed) {
      await this.store.discardStagedLayer(staged);
      throw new ImageError('aborted', 'the destination was closed while the layer was being written', { digest: info.digest });
    }
    const previous = this.blobs.get(staged.compressedDigest);
    if (previous?.staged) await this.store.discardStagedLayer(previous.staged);
    this.blobs.set(staged.compressedDigest, { diffId: staged.uncompressedDigest, staged });
    return { ...info, digest: staged.compressedDigest, size: staged.compressedSize };
  }

  private async putConfig(stream: Readable, info: BlobInfo): Promise<BlobInfo> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_CONFIG_SIZE) throw new ImageError('config-invalid', `config ${info.digest} is over the limit of ${MAX_CONFIG_SIZE} bytes`, { digest: info.digest });
      chunks.push(chunk);
    }
    const bytes = Buffer.concat(chunks);
    const digest = sha256Digest(bytes);
    this.config = { bytes, digest, parsed: parseConfig(bytes) };
    return { ...info, digest, size };
  }

  async putManifest(manifest: ManifestBytes, instanceDigest?: string): Promise<void> {
    if (instanceDigest) return; // a store keeps one image per copy: the per-platform manifest comes without an instance
    this.manifest = { ...manifest, digest: sha256Digest(manifest.bytes) };
  }

  async putSignatures(signatures: Buffer[]): Promise<void> {
    this.signatures = signatures;
  }

  async commit(options: CommitOptions = {}): Promise<void> {
    const { signal } = options;
    const config = this.config;
    const manifest = this.manifest;
    if (!config || !manifest) throw new ImageError('manifest-invalid', 'commit before the config and manifest were written', {});
    const layerBlobs = parseManifest(manifest.bytes).layers;
    const diffIds = config.parsed.rootfs.diff_ids;
    if (layerBlobs.length !== diffIds.length) {
      throw new ImageError('config-invalid', `manifest lists ${layerBlobs.length} layers, config ${diffIds.length} diff_ids`, {});
    }
    const ids = layerIdsFor(diffIds);
    for (let i = 0; i < ids.length; i++) {
      await this.commitLayer(ids[i] as string, ids[i - 1], layerBlobs[i]?.digest as string, diffIds[i] as string, signal);
    }
    const imageId = imageIdFor(config.digest);
    const topLayer = ids.at(-1);
    const bigData = this.bigData(config, manifest, options.toplevelManifest);
    const metadata = this.metadata(manifest.digest);
    const existing = await this.store.image(imageId, { signal }).catch((err: unknown) => (isStorageError(err, 'image-unknown') ? undefined : Promise.reject(err)));
    if (existing) {
      // §7.1: same ID and top layer → reuse, rewriting big data and metadata.
      if ((existing.topLayer ?? undefined) !== topLayer) {
        throw new ImageError('image-exists', `image ${imageId} exists with top layer ${existing.topLayer ?? 'none'}, not ${topLayer ?? 'none'}`, { id: imageId });
      }
      for (const item of bigData) await this.store.setImageBigData(imageId, item.key, item.data, { signal });
      await this.store.setMetadata(imageId, metadata, { signal });
    } else {
      await this.store.createImage({ id: imageId, layer: topLayer, creationDate: config.parsed.created, bigData, metadata, signal });
    }
    if (this.name) await this.store.addNames(imageId, [this.name], { signal });
  }

  /** The layer `id` exists after this: kept, made from a stage, or from another layer with the same diff. */
  private async commitLayer(id: string, parent: string | undefined, blobDigest: string, diffId: string, signal?: AbortSignal): Promise<void> {
    if (await this.store.exists(id, { signal })) return;
    const blob = this.blobs.get(blobDigest);
    if (blob && blob.diffId !== diffId) {
      throw new ImageError('blob-digest-mismatch', `layer ${blobDigest}: uncompressed digest ${blob.diffId}, config says ${diffId}`, { digest: blobDigest, diffId });
    }
    try {
      if (blob?.staged) {
        const staged = blob.staged;
        blob.staged = undefined;
        await this.store.putLayer(undefined, { id, parent, staged, uncompressedDigest: diffId, signal });
        return;
      }
      // §7.3: the same diff under another parent is re-applied from the store's own copy, no download.
      const source = (await this.store.layersByUncompressedDigest(diffId, { signal }))[0];
      if (!source) throw new ImageError('blob-unknown', `layer ${blobDigest} (diff ${diffId}) was neither copied nor found in the store`, { digest: blobDigest });
      const diff = await this.store.diff(source.id, { compression: Compression.None, signal });
      await this.store.putLayer(diff, { id, parent, uncompressedDigest: diffId, signal });
    } catch (err) {
      // Another process committed the same layer meanwhile: it is the same layer.
      if (isStorageError(err, 'duplicate-id') && (await this.store.exists(id))) return;
      throw err;
    }
  }

  /** In containers/image's order: config, the top-level manifest if it differs, the manifest by digest and as `manifest`, signatures. */
  private bigData(config: { bytes: Buffer; digest: string }, manifest: ManifestBytes & { digest: string }, toplevel?: ManifestBytes): ImageBigDataOption[] {
    const items: ImageBigDataOption[] = [{ key: config.digest, data: config.bytes }];
    if (toplevel) {
      const topDigest = sha256Digest(toplevel.bytes);
      if (topDigest !== manifest.digest) items.push({ key: `manifest-${topDigest}`, data: toplevel.bytes });
    }
    items.push({ key: `manifest-${manifest.digest}`, data: manifest.bytes }, { key: 'manifest', data: manifest.bytes });
    if (this.signatures.length > 0) items.push({ key: 'signatures', data: Buffer.concat(this.signatures) });
    items.push({ key: `signature-${manifest.digest.slice('sha256:'.length)}`, data: Buffer.concat(this.signatures) });
    return items;
  }

  private metadata(manifestDigest: string): string {
    const sizes = this.signatures.map((s) => s.length);
    const record: Record<string, unknown> = {};
    if (sizes.length > 0) record['signature-sizes'] = sizes;
    record['signatures-sizes'] = { [manifestDigest]: sizes };
    return JSON.stringify(record);
  }

  /** Stages no layer took are removed: a failed or abandoned copy leaves no incomplete layer. */
  async close(options?: TransferOptions): Promise<void> {
    this.closed = true;
    for (const blob of this.blobs.values()) {
      if (!blob.staged) continue;
      const staged = blob.staged;
      blob.staged = undefined;
      await this.store.discardStagedLayer(staged, { signal: options?.signal });
    }
  }
}
