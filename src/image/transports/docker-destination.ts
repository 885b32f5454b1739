// An image pushed to a registry through the ImageDestination contract: blobs
// are skipped when the repository has them, mounted from another repository
// when one is known to, uploaded otherwise; child manifests go by digest at
// once, the tagged manifest only in commit(), so nothing is visible before;
// its simple signing signatures go to the lookaside-staging location after it.

import type { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import { manifestSelector, referenceString, type DockerReference } from '../reference/index.js';
import { MEDIA_TYPE, type RegistryClient } from '../registry/index.js';
import type { RegistryClients } from './docker-clients.js';
import { appendLookasideSignatures, checkLookasideWritable } from './lookaside.js';
import type { BlobInfo, ImageDestination, ImageReference, ManifestBytes, TransferOptions } from './types.js';

export class DockerImageDestination implements ImageDestination {
  readonly reference: ImageReference;
  readonly supportedManifestMediaTypes = [MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest, MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerList];
  /** Registries get compressed layers, as containers/image sends them. */
  readonly desiredLayerCompression = 'compress' as const;
  readonly #target: DockerReference;
  readonly #client: RegistryClient;
  readonly #clients: RegistryClients;
  #pendingManifest: ManifestBytes | undefined;
  #pendingSignatures: { base: URL; signatures: Buffer[] } | undefined;

  private constructor(reference: ImageReference, target: DockerReference, client: RegistryClient, clients: RegistryClients) {
    this.reference = reference;
    this.#target = target;
    this.#client = client;
    this.#clients = clients;
  }

  /** `target` is where the image goes (registries.conf's primary location for the reference). */
  static async open(reference: ImageReference, target: DockerReference, insecure: boolean, clients: RegistryClients): Promise<DockerImageDestination> {
    const client = await clients.clientFor(target.domain, target.path, insecure);
    return new DockerImageDestination(reference, target, client, clients);
  }

  /** The blob itself, else one of its compressed variants: already in the repository, or mounted from another. */
  async tryReusingBlob(info: BlobInfo, options: TransferOptions = {}): Promise<BlobInfo | undefined> {
    for (const candidate of [info, ...(this.#clients.options.compressedVariants?.(info.digest) ?? [])]) {
      const size = await this.#client.blobExists(this.#target.path, candidate.digest, options);
      if (size !== undefined) return { ...candidate, size: size >= 0 ? size : candidate.size };
      for (const from of this.#clients.options.mountCandidates?.(candidate.digest, this.#target.domain) ?? []) {
        if (from === this.#target.path) continue;
        if (await this.#client.mountBlob(this.#target.path, candidate.digest, from, options)) return candidate;
      }
    }
    return undefined;
  }

  putBlob(stream: Readable, info: BlobInfo, options: TransferOptions & { isConfig?: boolean } = {}): Promise<BlobInfo> {
    const chunkSize = this.#clients.options.uploadChunkSize;
    return this.#client.uploadBlob(this.#target.path, stream, info, {
      ...(chunkSize !== undefined ? { chunkSize } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  }

  /** With `instanceDigest` (an index's child) the manifest is pushed now by digest; the top one waits for commit(). */
  async putManifest(manifest: ManifestBytes, instanceDigest?: string, options: TransferOptions = {}): Promise<void> {
    if (instanceDigest !== undefined) {
      const digest = await this.#client.putManifest(this.#target.path, instanceDigest, manifest.bytes, manifest.mediaType, options);
      if (digest !== instanceDigest) {
        throw new ImageError('blob-digest-mismatch', `manifest pushed as ${instanceDigest} has digest ${digest}`, { expected: instanceDigest, actual: digest });
      }
      return;
    }
    this.#pendingManifest = manifest;
  }

  /**
   * Kept for commit(), which writes them after the manifest; a location that
   * cannot be written is refused now, before the manifest is pushed.
   */
  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length === 0) return;
    const repository = referenceString({ domain: this.#target.domain, path: this.#target.path });
    const base = this.#clients.options.lookasideStaging?.(repository);
    if (!base) {
      throw new ImageError('signatures-unsupported', `pushing signatures to ${repository} is not supported: no lookaside-staging location is configured`, { repository });
    }
    checkLookasideWritable(base);
    this.#pendingSignatures = { base, signatures };
  }

  /** PUTs the top manifest under the tag (or digest) the reference names. */
  async commit(options: TransferOptions = {}): Promise<void> {
    const manifest = this.#pendingManifest;
    if (!manifest) throw new ImageError('manifest-invalid', 'commit() before putManifest(): there is no manifest to push');
    const digest = await this.#client.putManifest(this.#target.path, manifestSelector(this.#target), manifest.bytes, manifest.mediaType, options);
    if (this.#target.digest !== undefined && digest !== this.#target.digest) {
      throw new ImageError('blob-digest-mismatch', `manifest pushed as ${this.#target.digest} has digest ${digest}`, { expected: this.#target.digest, actual: digest });
    }
    this.#pendingManifest = undefined;
    const pending = this.#pendingSignatures;
    this.#pendingSignatures = undefined;
    if (pending) await this.#storeSignatures(pending.base, digest, pending.signatures);
  }

  // The manifest is in the registry already: a failure here says so, the image stays pushed.
  async #storeSignatures(base: URL, digest: string, signatures: Buffer[]): Promise<void> {
    try {
      await appendLookasideSignatures(base, digest, signatures);
    } catch (err) {
      const name = referenceString(this.#target);
      throw new ImageError('signature-store-failed', `image ${name} was pushed (manifest ${digest}), but writing its signatures to ${base.href} failed: ${(err as Error).message}`, {
        image: name, digest, url: base.href,
      }, { cause: err });
    }
  }

  async close(): Promise<void> {
    // The client belongs to the RegistryClients that opened this destination.
  }
}
