// Parsing and checking of manifests, indexes and configs: media type from
// the declared type or the body, schema 1 refused, digests validated before
// they name a file, sizes capped before parsing.

import { ImageError } from '../errors.js';
import {
  DOCKER_LIST, DOCKER_MANIFEST, DOCKER_SCHEMA1, DOCKER_SCHEMA1_SIGNED, OCI_INDEX, OCI_MANIFEST, isIndexType, isManifestType,
} from './media-types.js';

/** containers/image's limit on manifests and configs. */
export const MAX_MANIFEST_SIZE = 4 << 20;
export const MAX_CONFIG_SIZE = 4 << 20;

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  urls?: string[];
  annotations?: Record<string, string>;
  platform?: Platform;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

export interface HistoryEntry {
  created?: string;
  created_by?: string;
  author?: string;
  comment?: string;
  empty_layer?: boolean;
}

/** The parts of an image config Berth reads; unknown fields are kept by never re-serialising it. */
export interface ImageConfig {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    ExposedPorts?: Record<string, object>;
    Volumes?: Record<string, object>;
    StopSignal?: string;
  };
  rootfs: { type: string; diff_ids: string[] };
  history?: HistoryEntry[];
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** Refuses anything but `sha256:<64 hex>`: digests name files in layouts and archives. */
export function checkDigest(digest: unknown, what: string): string {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new ImageError('manifest-invalid', `${what}: ${JSON.stringify(digest)} is not a sha256 digest`, { digest });
  }
  return digest;
}

/**
 * The manifest's media type: the declared one when it is specific, else
 * from the body (`mediaType`, then `manifests` / `config`+`layers` /
 * `fsLayers`), as §4.2 says. Schema 1 is refused.
 */
export function manifestMediaType(bytes: Buffer, declared?: string): string {
  let type = declared && !['text/plain', 'application/json', 'application/octet-stream'].includes(declared) ? declared : '';
  if (!type) {
    const body = parseJson(bytes, 'manifest') as Record<string, unknown>;
    if (typeof body.mediaType === 'string' && body.mediaType) type = body.mediaType;
    else if (Array.isArray(body.manifests)) type = OCI_INDEX;
    else if (body.config && Array.isArray(body.layers)) type = OCI_MANIFEST;
    else if (Array.isArray(body.fsLayers)) type = DOCKER_SCHEMA1;
  }
  if (type === DOCKER_SCHEMA1 || type === DOCKER_SCHEMA1_SIGNED) {
    throw new ImageError('manifest-unsupported', `manifest type ${type} (Docker schema 1) is not supported`, { mediaType: type });
  }
  if (!isIndexType(type) && !isManifestType(type)) {
    throw new ImageError('manifest-unsupported', `manifest type ${JSON.stringify(type)} is not supported`, { mediaType: type });
  }
  return type;
}

export function parseManifest(bytes: Buffer): ImageManifest {
  const body = parseJson(bytes, 'manifest') as ImageManifest;
  if (body.schemaVersion !== 2 || typeof body.config !== 'object' || body.config === null || !Array.isArray(body.layers)) {
    throw new ImageError('manifest-invalid', 'manifest: not a schema 2 image manifest (config and layers)', {});
  }
  checkDescriptor(body.config, 'manifest config');
  body.layers.forEach((layer, i) => checkDescriptor(layer, `manifest layer ${i}`));
  return body;
}

export function parseIndex(bytes: Buffer): ImageIndex {
  const body = parseJson(bytes, 'index') as ImageIndex;
  if (body.schemaVersion !== 2 || !Array.isArray(body.manifests)) {
    throw new ImageError('manifest-invalid', 'index: not a schema 2 image index (manifests)', {});
  }
  body.manifests.forEach((entry, i) => checkDescriptor(entry, `index entry ${i}`));
  return body;
}

export function parseConfig(bytes: Buffer): ImageConfig {
  if (bytes.length > MAX_CONFIG_SIZE) throw new ImageError('config-invalid', `config of ${bytes.length} bytes is over the limit of ${MAX_CONFIG_SIZE}`, {});
  const body = parseJson(bytes, 'config') as ImageConfig;
  if (typeof body !== 'object' || body === null || !body.rootfs || !Array.isArray(body.rootfs.diff_ids)) {
    throw new ImageError('config-invalid', 'image config: no rootfs.diff_ids', {});
  }
  body.rootfs.diff_ids.forEach((d, i) => checkDigest(d, `config diff_id ${i}`));
  return body;
}

/** Manifest media type of `bytes` as an index or manifest of the other family (OCI ↔ Docker). */
export function isDockerFamily(mediaType: string): boolean {
  return mediaType === DOCKER_MANIFEST || mediaType === DOCKER_LIST;
}

function checkDescriptor(d: Descriptor, what: string): void {
  if (typeof d !== 'object' || d === null) throw new ImageError('manifest-invalid', `${what}: not an object`, {});
  checkDigest(d.digest, what);
  if (!Number.isSafeInteger(d.size) || d.size < 0) throw new ImageError('manifest-invalid', `${what}: size ${JSON.stringify(d.size)} is not a byte count`, { size: d.size });
  if (d.mediaType !== undefined && typeof d.mediaType !== 'string') throw new ImageError('manifest-invalid', `${what}: mediaType is not a string`, {});
}

function parseJson(bytes: Buffer, what: string): unknown {
  if (bytes.length > MAX_MANIFEST_SIZE) {
    throw new ImageError('manifest-too-large', `${what} of ${bytes.length} bytes is over the limit of ${MAX_MANIFEST_SIZE}`, { size: bytes.length });
  }
  try {
    const value: unknown = JSON.parse(bytes.toString('utf8'));
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not a JSON object');
    return value;
  } catch (err) {
    throw new ImageError('manifest-invalid', `${what} is not valid JSON: ${(err as Error).message}`, {}, { cause: err });
  }
}
