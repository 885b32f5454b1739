// An image pushed to a registry through the ImageDestination contract: blobs
// are skipped when the repository has them, mounted from another repository
// when one is known to, uploaded otherwise; child manifests go by digest at
// once, the tagged manifest only in commit(), so nothing is visible before.

import type { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import { manifestSelector, type DockerReference } from '../reference/index.js';
import { MEDIA_TYPE, type RegistryClient } from '../registry/index.js';
import type { RegistryClients } from './docker-clients.js';
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

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length > 0) {
      throw new ImageError('signatures-unsupported', `pushing signatures to ${this.#target.domain} is not supported: no lookaside staging or sigstore attachments yet`, {
        count: signatures.length,
      });
    }
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
  }

  async close(): Promise<void> {
    // The client belongs to the RegistryClients that opened this destination.
  }
}
