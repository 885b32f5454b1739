// One copy pipeline between any two transports (pull, push, save, load,
// import): manifest or index (a platform chosen), config, then the layers in
// parallel, each streamed once from the source through verification (and a
// compression change when the destination wants one) into the destination;
// the manifest rewritten only when the layers changed; signatures carried,
// and new ones made of the written manifest when the caller signs.

import type { Readable } from 'node:stream';
import { Compression, createCompressor, openDecompressed } from '../../archive/index.js';
import { sha256Digest } from '../../util/index.js';
import { ImageError } from '../errors.js';
import {
  choosePlatform, hostPlatform, isIndexType, layerMediaType, manifestMediaType, parseIndex, parseManifest, DOCKER_CONFIG, DOCKER_MANIFEST,
  OCI_CONFIG, OCI_MANIFEST, type Descriptor, type ImageManifest, type PlatformChoice,
} from '../manifest/index.js';
import { VerifyingStream, type BlobInfo, type ImageDestination, type ImageSource, type ManifestBytes } from '../transports/index.js';
import { checkImageAllowed, type ImageSigner, type Policy } from '../signature/index.js';
import type { CopyEventListener } from './progress.js';

export interface CopyOptions {
  /** The image to take from an index; fields left out come from the host. */
  platform?: Partial<PlatformChoice>;
  /** Layers copied at once (default 6). */
  concurrency?: number;
  signal?: AbortSignal;
  onEvent?: CopyEventListener;
  /** Drop the source's signatures instead of refusing to copy them onto a changed manifest. */
  removeSignatures?: boolean;
  /** How to compress a layer the destination wants compressed and the source has plain (default gzip; zstd makes the manifest OCI). */
  compressionFormat?: 'gzip' | 'zstd';
  /** The signature policy the source must pass (checked before any blob is read); absent: no check. */
  policy?: Policy;
  /**
   * Each adds a signature of the written manifest as the destination's docker
   * reference (podman's `--sign-by`); checked before any blob is copied.
   */
  signers?: ImageSigner[];
}

export interface CopyResult {
  /** Digest of the manifest written to the destination. */
  manifestDigest: string;
  configDigest: string;
  /** The manifest as written. */
  manifest: ManifestBytes;
}

const DEFAULT_CONCURRENCY = 6;

/** Copies one image; the destination is closed afterwards whatever happens (so a failed copy leaves nothing half made there). */
export async function copyImage(source: ImageSource, destination: ImageDestination, options: CopyOptions = {}): Promise<CopyResult> {
  const abort = new AbortController();
  const onAbort = () => abort.abort(options.signal?.reason);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const signal = abort.signal;
  try {
    const signing = await checkSigners(destination, options.signers ?? [], signal);
    const chosen = await chooseManifest(source, options.platform, signal, options.onEvent);
    const signatures = once(() => source.getSignatures(chosen.instanceDigest, { signal }));
    if (options.policy) {
      await checkImageAllowed(options.policy, {
        reference: source.reference, manifest: chosen.manifest.bytes, signatures,
        sigstoreSignatures: async () => (await source.getSigstoreSignatures?.(chosen.instanceDigest, { signal })) ?? [],
      });
    }
    return await copyChosen(source, destination, chosen, signatures, options, signing, abort);
  } catch (err) {
    abort.abort(err);
    throw err;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await destination.close().catch(() => undefined);
  }
}

export interface ChosenManifest {
  manifest: ManifestBytes;
  parsed: ImageManifest;
  /** Digest of the instance when it was chosen from an index. */
  instanceDigest?: string;
  /** The index it was chosen from. */
  toplevel?: ManifestBytes;
}

/** The source's manifest, or the one of an index's images that `platform` (default: the host's) picks. */
export async function chooseManifest(source: ImageSource, platform: Partial<PlatformChoice> | undefined, signal?: AbortSignal, onEvent?: CopyEventListener): Promise<ChosenManifest> {
  const top = await source.getManifest(undefined, { signal });
  const topType = manifestMediaType(top.bytes, top.mediaType);
  onEvent?.({ type: 'manifest', digest: sha256Digest(top.bytes), mediaType: topType });
  if (!isIndexType(topType)) return { manifest: { bytes: top.bytes, mediaType: topType }, parsed: parseManifest(top.bytes) };
  const host = hostPlatform();
  const wanted: PlatformChoice = {
    os: platform?.os ?? host.os,
    architecture: platform?.architecture ?? host.architecture,
    variant: platform?.variant ?? (platform?.architecture && platform.architecture !== host.architecture ? undefined : host.variant),
  };
  const entry = choosePlatform(parseIndex(top.bytes), wanted);
  const instance = await source.getManifest(entry.digest, { signal });
  const digest = sha256Digest(instance.bytes);
  if (digest !== entry.digest) {
    throw new ImageError('blob-digest-mismatch', `manifest ${entry.digest}: the content has digest ${digest}`, { digest: entry.digest, got: digest });
  }
  const type = manifestMediaType(instance.bytes, entry.mediaType || instance.mediaType);
  if (isIndexType(type)) throw new ImageError('manifest-unsupported', `index entry ${entry.digest} is an index itself`, { digest: entry.digest });
  return { manifest: { bytes: instance.bytes, mediaType: type }, parsed: parseManifest(instance.bytes), instanceDigest: entry.digest, toplevel: { bytes: top.bytes, mediaType: topType } };
}

// The source's signatures read at most once: by the policy check, then again for the destination.
function once<T>(read: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= read());
}

async function copyChosen(
  source: ImageSource, destination: ImageDestination, chosen: ChosenManifest, sourceSignatures: () => Promise<Buffer[]>, options: CopyOptions, signing: Signing | undefined, abort: AbortController,
): Promise<CopyResult> {
  const { signal } = abort;
  const { parsed } = chosen;
  const targetType = manifestTypeFor(destination, chosen.manifest.mediaType, options.compressionFormat);
  const served = (await source.layerInfosForCopy?.(chosen.instanceDigest, { signal })) ?? parsed.layers;
  if (served.length !== parsed.layers.length) {
    throw new ImageError('manifest-invalid', `the source serves ${served.length} layers for a manifest of ${parsed.layers.length}`, {});
  }

  const configInfo = await copyBlob(source, destination, parsed.config, { kind: 'config', options, signal });
  const layerInfos = await copyLayers(source, destination, served.map((info, i) => ({ ...info, mediaType: info.mediaType ?? parsed.layers[i]?.mediaType })), targetType, options, abort);

  const changed = targetType !== chosen.manifest.mediaType
    || layerInfos.some((info, i) => info.digest !== parsed.layers[i]?.digest || info.mediaType !== parsed.layers[i]?.mediaType);
  const manifest = changed ? rewriteManifest(parsed, targetType, configInfo, layerInfos) : chosen.manifest;
  const manifestDigest = sha256Digest(manifest.bytes);

  let signatures = await sourceSignatures();
  if (changed && signatures.length > 0) {
    if (!options.removeSignatures) {
      throw new ImageError('not-supported', 'the image has signatures but copying it changes its manifest (use removeSignatures)', {});
    }
    signatures = [];
  }
  options.onEvent?.({ type: 'writing-manifest' });
  await destination.putManifest(manifest, undefined, { signal });
  if (signing) signatures = [...signatures, ...await createSignatures(signing, destination, { bytes: manifest.bytes, digest: manifestDigest }, options, signal)];
  if (signatures.length > 0) options.onEvent?.({ type: 'storing-signatures', count: signatures.length });
  await destination.putSignatures(signatures, undefined, { signal });
  await destination.commit({ signal, toplevelManifest: changed ? undefined : chosen.toplevel });
  options.onEvent?.({ type: 'done', manifestDigest, configDigest: configInfo.digest });
  return { manifestDigest, configDigest: configInfo.digest, manifest };
}

/** Who signs, and the docker reference the signatures name. */
interface Signing {
  signers: ImageSigner[];
  identity: string;
}

/**
 * The destination's docker reference (what containers/image signs without
 * --sign-identity), once every signer says it can sign; undefined: no signers.
 */
async function checkSigners(destination: ImageDestination, signers: ImageSigner[], signal: AbortSignal): Promise<Signing | undefined> {
  if (signers.length === 0) return undefined;
  const identity = destination.reference.dockerReference;
  if (identity === undefined) {
    const name = `${destination.reference.transport}:${destination.reference.text}`;
    throw new ImageError('not-supported', `cannot sign: cannot determine canonical Docker reference for destination ${name}`, { destination: name });
  }
  for (const signer of signers) await signer.check(signal);
  return { signers, identity };
}

// Before commit(): a signer that fails leaves the destination without the image (a registry has its blobs, not its manifest).
async function createSignatures(signing: Signing, destination: ImageDestination, manifest: { bytes: Buffer; digest: string }, options: CopyOptions, signal: AbortSignal): Promise<Buffer[]> {
  const created: Buffer[] = [];
  for (const signer of signing.signers) {
    options.onEvent?.({ type: 'creating-signature', message: signer.progressMessage });
    try {
      created.push(await signer.signImageManifest(manifest, signing.identity, signal));
    } catch (err) {
      if (!(err instanceof ImageError)) throw err;
      const name = `${destination.reference.transport}:${destination.reference.text}`;
      throw new ImageError(err.code, `${err.message}; the image was not written to ${name}`, { ...err.detail, destination: name }, { cause: err });
    }
  }
  return created;
}

/** The manifest type the destination takes: the source's, else its OCI/Docker twin; OCI for zstd layers (Docker schema2 has no zstd type). */
function manifestTypeFor(destination: ImageDestination, sourceType: string, compressionFormat?: 'gzip' | 'zstd'): string {
  const supported = destination.supportedManifestMediaTypes;
  if (compressionFormat === 'zstd' && sourceType === DOCKER_MANIFEST && destination.desiredLayerCompression === 'compress' && (supported.length === 0 || supported.includes(OCI_MANIFEST))) return OCI_MANIFEST;
  if (supported.length === 0 || supported.includes(sourceType)) return sourceType;
  const twin = sourceType === OCI_MANIFEST ? DOCKER_MANIFEST : OCI_MANIFEST;
  if (supported.includes(twin)) return twin;
  throw new ImageError('manifest-unsupported', `the destination takes none of ${sourceType}, ${twin}`, { sourceType, supported });
}

/** Each distinct blob once, `concurrency` at a time; the first failure stops the others. */
async function copyLayers(source: ImageSource, destination: ImageDestination, layers: BlobInfo[], targetType: string, options: CopyOptions, abort: AbortController): Promise<BlobInfo[]> {
  const results: Array<Promise<BlobInfo>> = [];
  const byDigest = new Map<string, Promise<BlobInfo>>();
  const limit = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
  let running = 0;
  const waiting: Array<() => void> = [];
  const slot = async (): Promise<void> => {
    if (running < limit) {
      running++;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
  layers.forEach((info, layerIndex) => {
    let copy = byDigest.get(info.digest);
    if (!copy) {
      copy = (async () => {
        await slot();
        try {
          abort.signal.throwIfAborted();
          return await copyBlob(source, destination, info, { kind: 'layer', layerIndex, targetType, options, signal: abort.signal });
        } finally {
          release();
        }
      })();
      copy.catch((err: unknown) => abort.abort(err));
      byDigest.set(info.digest, copy);
    }
    results.push(copy);
  });
  // Every copy settles before a failure is reported: the destination is closed next, and a
  // blob still being written then would be left behind.
  const settled = await Promise.allSettled(results);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw abort.signal.reason instanceof Error ? abort.signal.reason : failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<BlobInfo>).value);
}

interface BlobCopy {
  kind: 'config' | 'layer';
  layerIndex?: number;
  targetType?: string;
  options: CopyOptions;
  signal: AbortSignal;
}

async function copyBlob(source: ImageSource, destination: ImageDestination, info: BlobInfo, copy: BlobCopy): Promise<BlobInfo> {
  const { kind, layerIndex, options, signal } = copy;
  const putOptions = { signal, layerIndex, isConfig: kind === 'config' };
  if (kind === 'layer') {
    const reused = await destination.tryReusingBlob(info, putOptions);
    if (reused) {
      options.onEvent?.({ type: 'blob-skipped', digest: info.digest, size: info.size, kind });
      // A destination may reuse a compressed twin of the blob (a registry that has the layer as pulled).
      return { ...reused, mediaType: layerMediaType(copy.targetType as string, layerCompressionOf(reused.mediaType ?? info.mediaType)) };
    }
  }
  options.onEvent?.({ type: 'blob-start', digest: info.digest, size: info.size, kind });
  const raw = await source.getBlob(info, { signal });
  let arrived = 0;
  const verified = new VerifyingStream(info, (bytes) => {
    arrived += bytes;
    options.onEvent?.({ type: 'blob-progress', digest: info.digest, bytes: arrived, size: info.size });
  });
  const destroy = () => raw.destroy(signal.reason instanceof Error ? signal.reason : new ImageError('aborted', 'copy aborted', {}));
  signal.addEventListener('abort', destroy, { once: true });
  raw.once('error', (err) => verified.destroy(err));
  raw.pipe(verified);
  try {
    const { stream, mediaType, transformed } = kind === 'layer' ? await recompressFor(destination, verified, info, copy.targetType as string, options.compressionFormat ?? 'gzip') : { stream: verified as Readable, mediaType: info.mediaType, transformed: false };
    const expected = transformed ? { ...info, digest: '', size: -1, mediaType } : { ...info, mediaType };
    const stored = await destination.putBlob(stream, expected, putOptions);
    options.onEvent?.({ type: 'blob-done', digest: info.digest, bytes: arrived, kind });
    return { ...stored, mediaType: kind === 'layer' ? mediaType : info.mediaType };
  } finally {
    signal.removeEventListener('abort', destroy);
  }
}

/**
 * The layer as the destination wants it: compressed (gzip, or zstd when
 * asked) for one that compresses and a layer that is a plain tar, the plain
 * tar for one that decompresses, else untouched. The media type follows (in
 * the target manifest's family).
 */
async function recompressFor(destination: ImageDestination, verified: Readable, info: BlobInfo, targetType: string, format: 'gzip' | 'zstd'): Promise<{ stream: Readable; mediaType: string; transformed: boolean }> {
  const wish = destination.desiredLayerCompression ?? 'preserve';
  const compression = layerCompressionOf(info.mediaType);
  if (wish === 'compress' && compression === 'none') {
    const compressor = createCompressor(format === 'zstd' ? Compression.Zstd : Compression.Gzip);
    verified.once('error', (err) => compressor.destroy(err));
    return { stream: verified.pipe(compressor), mediaType: layerMediaType(targetType, format), transformed: true };
  }
  if (wish === 'decompress' && compression !== 'none') {
    const { stream } = await openDecompressed(verified);
    return { stream, mediaType: layerMediaType(targetType, 'none'), transformed: true };
  }
  return { stream: verified, mediaType: layerMediaType(targetType, compression), transformed: false };
}

function layerCompressionOf(mediaType: string | undefined): 'none' | 'gzip' | 'zstd' {
  if (!mediaType) return 'gzip';
  if (mediaType.endsWith('+zstd')) return 'zstd';
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.gzip')) return 'gzip';
  return 'none';
}

/** The manifest with new layer descriptors (and media types of `targetType`'s family); other fields kept. */
function rewriteManifest(parsed: ImageManifest, targetType: string, config: BlobInfo, layers: BlobInfo[]): ManifestBytes {
  const configType = targetType === DOCKER_MANIFEST ? DOCKER_CONFIG : OCI_CONFIG;
  const descriptor = (info: BlobInfo, mediaType: string, old?: Descriptor): Descriptor => ({
    mediaType, digest: info.digest, size: info.size, ...(old?.annotations ? { annotations: old.annotations } : {}),
  });
  const body = {
    ...parsed,
    schemaVersion: 2,
    mediaType: targetType,
    config: descriptor(config, configType, parsed.config),
    layers: layers.map((info, i) => descriptor(info, info.mediaType ?? layerMediaType(targetType, 'gzip'), parsed.layers[i])),
  };
  return { bytes: Buffer.from(JSON.stringify(body)), mediaType: targetType };
}
