// The transport contract every image source and destination implements
// (docker://, oci:, oci-archive:, docker-archive:, dir:, containers-storage:),
// as containers/image's types.ImageSource / ImageDestination: pull, push,
// save, load and import are one copy pipeline between two of these.

import type { Readable } from 'node:stream';

/** What a manifest says of a blob (layer or config). */
export interface BlobInfo {
  /** `sha256:<hex>`. */
  digest: string;
  /** Bytes; -1 when not known (a local layer not yet compressed). */
  size: number;
  mediaType?: string;
  /** Foreign-layer URLs, as manifests may list them. */
  urls?: string[];
  annotations?: Record<string, string>;
}

/** A sigstore signature as a registry attachment holds it: the signed payload (a layer's bytes), that layer's media type and annotations. */
export interface SigstoreSignature {
  mediaType: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

export interface ManifestBytes {
  bytes: Buffer;
  mediaType: string;
}

export interface TransferOptions {
  signal?: AbortSignal;
  /** Called with the count of bytes that just arrived (for progress bars). */
  onProgress?: (bytes: number) => void;
}

/** What putBlob and tryReusingBlob are told about the blob (containers/image's PutBlobOptions). */
export interface PutBlobOptions extends TransferOptions {
  isConfig?: boolean;
  /** Position of the layer in the manifest, base first (a store derives layer IDs and diffIDs from it). */
  layerIndex?: number;
}

export interface CommitOptions extends TransferOptions {
  /** The index or manifest list the copied image was chosen from, when it came from one. */
  toplevelManifest?: ManifestBytes;
}

/** Whether a destination wants layers compressed, decompressed, or as the source has them. */
export type LayerCompressionWish = 'preserve' | 'compress' | 'decompress';

/** A parsed `transport:reference`, e.g. `docker://quay.io/a/b:1`, `oci:/tmp/lay:tag`. */
export interface ImageReference {
  readonly transport: TransportName;
  /** The reference as the user writes it after `transport:` (`//quay.io/a/b:1` for docker). */
  readonly text: string;
  /** The docker reference the image should be named by in a store, when there is one. */
  readonly dockerReference?: string;
}

export type TransportName = 'docker' | 'oci' | 'oci-archive' | 'docker-archive' | 'dir' | 'containers-storage';

export interface ImageSource {
  readonly reference: ImageReference;
  /**
   * The manifest (or index/list) bytes as stored, never re-serialised: their
   * digest is the image's. `instanceDigest` picks one entry of an index.
   */
  getManifest(instanceDigest?: string, options?: TransferOptions): Promise<ManifestBytes>;
  /** The blob's bytes as stored (compressed layers stay compressed); the copy pipeline verifies digest and size. */
  getBlob(info: BlobInfo, options?: TransferOptions): Promise<Readable>;
  /** Simple-signing signatures of the manifest (empty when the transport has none). */
  getSignatures(instanceDigest?: string, options?: TransferOptions): Promise<Buffer[]>;
  /** Sigstore signatures of the manifest (absent: the transport has none). */
  getSigstoreSignatures?(instanceDigest?: string, options?: TransferOptions): Promise<SigstoreSignature[]>;
  /**
   * The layers getBlob serves in place of those the manifest lists, when they differ (a store
   * serves uncompressed diffs): the copy then rewrites the manifest. Absent or undefined: as listed.
   */
  layerInfosForCopy?(instanceDigest?: string, options?: TransferOptions): Promise<BlobInfo[] | undefined>;
  close(): Promise<void>;
}

export interface ImageDestination {
  readonly reference: ImageReference;
  /** Manifest media types it accepts, preferred first; empty: any. */
  readonly supportedManifestMediaTypes: string[];
  /** Absent: 'preserve'. */
  readonly desiredLayerCompression?: LayerCompressionWish;
  /** Whether a blob the destination already has can be skipped; returns its info if so. */
  tryReusingBlob(info: BlobInfo, options?: PutBlobOptions): Promise<BlobInfo | undefined>;
  /** Stores a blob from a stream whose digest and size the caller vouches for when known (digest '' / size -1: not known). */
  putBlob(stream: Readable, info: BlobInfo, options?: PutBlobOptions): Promise<BlobInfo>;
  putManifest(manifest: ManifestBytes, instanceDigest?: string, options?: TransferOptions): Promise<void>;
  putSignatures(signatures: Buffer[], instanceDigest?: string, options?: TransferOptions): Promise<void>;
  /** Makes what was put visible (names the image, writes the index); nothing is visible before. */
  commit(options?: CommitOptions): Promise<void>;
  close(): Promise<void>;
}
