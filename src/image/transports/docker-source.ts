// An image in a registry read through the ImageSource contract: opening it
// fetches the manifest from the first pull source (mirrors in order, then the
// primary) that has it, and every later read goes to that same place.

import type { Readable } from 'node:stream';
import { ImageError } from '../errors.js';
import { manifestSelector, referenceString, type DockerReference } from '../reference/index.js';
import { pullSources, type PullSource } from '../registries/index.js';
import type { FetchedManifest, RegistryClient } from '../registry/index.js';
import type { RegistryClients } from './docker-clients.js';
import { readLookasideSignatures } from './lookaside.js';
import type { BlobInfo, ImageReference, ImageSource, ManifestBytes, SigstoreSignature, TransferOptions } from './types.js';

export class DockerImageSource implements ImageSource {
  readonly reference: ImageReference;
  /** Where the bytes come from (a mirror or the rewritten primary); the name stays `reference`. */
  readonly pulledFrom: DockerReference;
  readonly #client: RegistryClient;
  readonly #top: FetchedManifest;
  readonly #clients: RegistryClients;

  private constructor(reference: ImageReference, pulledFrom: DockerReference, client: RegistryClient, top: FetchedManifest, clients: RegistryClients) {
    this.reference = reference;
    this.pulledFrom = pulledFrom;
    this.#client = client;
    this.#top = top;
    this.#clients = clients;
  }

  /** Tries each pull source in order; the error names every one that failed. */
  static async open(reference: ImageReference, ref: DockerReference, clients: RegistryClients, options: TransferOptions = {}): Promise<DockerImageSource> {
    const sources = pullSources(clients.options.registries, ref);
    const failures: Array<{ source: PullSource; error: unknown }> = [];
    for (const source of sources) {
      const from = source.reference;
      try {
        const client = await clients.clientFor(from.domain, from.path, source.insecure);
        const top = await client.getManifest(from.path, manifestSelector(from), options);
        return new DockerImageSource(reference, from, client, top, clients);
      } catch (err) {
        if (options.signal?.aborted) throw err;
        failures.push({ source, error: err });
      }
    }
    const last = failures[failures.length - 1]?.error;
    if (failures.length === 1) throw last;
    const lines = failures.map((f) => `${f.source.mirror ? 'mirror' : 'primary'} ${referenceString(f.source.reference)}: ${(f.error as Error).message}`);
    const code = last instanceof ImageError ? last.code : 'registry-error';
    throw new ImageError(code, `reading manifest of ${referenceString(ref)}: every source failed: ${lines.join('; ')}`, {
      reference: referenceString(ref), tried: failures.map((f) => referenceString(f.source.reference)),
    }, { cause: last });
  }

  /** The manifest or index `reference` names; with `instanceDigest`, that entry of the index (verified by digest). */
  async getManifest(instanceDigest?: string, options: TransferOptions = {}): Promise<ManifestBytes> {
    if (instanceDigest === undefined || instanceDigest === this.#top.digest) return { bytes: this.#top.bytes, mediaType: this.#top.mediaType };
    const fetched = await this.#client.getManifest(this.pulledFrom.path, instanceDigest, options);
    return { bytes: fetched.bytes, mediaType: fetched.mediaType };
  }

  /** The digest of the top-level manifest (index or manifest) as fetched. */
  get manifestDigest(): string {
    return this.#top.digest;
  }

  /** The blob, verified against `info.digest` and `info.size` while it streams, resumed after drops. */
  async getBlob(info: BlobInfo, options: TransferOptions = {}): Promise<Readable> {
    if (info.urls && info.urls.length > 0 && info.mediaType?.includes('foreign')) {
      throw new ImageError('manifest-unsupported', `layer ${info.digest} is a foreign layer (${info.urls.join(', ')}); Berth does not fetch those`, {
        digest: info.digest,
      });
    }
    return this.#client.getBlob(this.pulledFrom.path, info, options);
  }

  /** Simple-signing signatures from the lookaside location, if one is configured. */
  async getSignatures(instanceDigest?: string, options: TransferOptions = {}): Promise<Buffer[]> {
    const base = this.#clients.options.lookaside?.(referenceString({ domain: this.pulledFrom.domain, path: this.pulledFrom.path }));
    if (!base) return [];
    return readLookasideSignatures(base, instanceDigest ?? this.#top.digest, options.signal);
  }

  /**
   * Sigstore signatures attached in the registry when registries.d enables them: the OCI manifest
   * tagged `sha256-<hex>.sig`, one layer per signature (its bytes the payload, its annotations the signature).
   */
  async getSigstoreSignatures(instanceDigest?: string, options: TransferOptions = {}): Promise<SigstoreSignature[]> {
    const repository = referenceString({ domain: this.pulledFrom.domain, path: this.pulledFrom.path });
    if (!this.#clients.options.useSigstoreAttachments?.(repository)) return [];
    const digest = instanceDigest ?? this.#top.digest;
    let attachment: FetchedManifest;
    try {
      attachment = await this.#client.getManifest(this.pulledFrom.path, digest.replace(':', '-') + '.sig', options);
    } catch (err) {
      if (err instanceof ImageError && err.code === 'manifest-unknown') return [];
      throw err;
    }
    const layers = (JSON.parse(attachment.bytes.toString('utf8')) as { layers?: BlobInfo[] }).layers ?? [];
    return Promise.all(layers.map(async (layer) => ({
      mediaType: layer.mediaType ?? '',
      payload: await this.#client.getBlobBytes(this.pulledFrom.path, layer, options),
      annotations: layer.annotations ?? {},
    })));
  }

  async close(): Promise<void> {
    // The clients belong to the RegistryClients that opened this source.
  }
}
