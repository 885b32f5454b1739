// Manifest media types and the parsing of manifests and indexes fetched from
// a registry: the type decided from Content-Type or sniffed from the JSON,
// schema1 refused, descriptors validated before anything trusts them.

import { ImageError } from '../errors.js';
import { digestProblem } from '../reference/index.js';
import type { BlobInfo } from '../transports/types.js';

export const MEDIA_TYPE = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/**
 * Sent as `Accept` on every manifest request: distribution answers 404 for an
 * OCI manifest whose type is not accepted, and synthesises schema1 for a
 * Docker list requested without the list type. Schema1 is listed so that a
 * registry holding only schema1 says so, and Berth can refuse it clearly.
 */
export const ACCEPTED_MANIFEST_TYPES = [
  MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest, MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerList,
  MEDIA_TYPE.dockerSchema1Signed, MEDIA_TYPE.dockerSchema1,
];

export const MANIFEST_SIZE_LIMIT = 4 << 20;
export const CONFIG_SIZE_LIMIT = 4 << 20;

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface IndexEntry extends BlobInfo {
  platform?: PlatformSpec;
}

export interface ParsedManifest {
  mediaType: string;
  config: BlobInfo;
  layers: BlobInfo[];
}

export interface ParsedIndex {
  mediaType: string;
  manifests: IndexEntry[];
}

export function isIndexMediaType(mediaType: string): boolean {
  return mediaType === MEDIA_TYPE.ociIndex || mediaType === MEDIA_TYPE.dockerList;
}

/**
 * The manifest's media type: Content-Type when it is a known manifest type,
 * otherwise the JSON's `mediaType`, otherwise its shape. Throws for bytes that
 * are not a JSON object, for schema1 and for types Berth does not pull.
 */
export function manifestMediaType(bytes: Buffer, contentType?: string): string {
  const json = parseJsonObject(bytes, 'manifest');
  const declared = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  const header = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  let mediaType = header && header !== 'text/plain' && header !== 'application/json' && header !== 'application/octet-stream' ? header : declared;
  if (mediaType === undefined) {
    if (Array.isArray(json.manifests)) mediaType = MEDIA_TYPE.ociIndex;
    else if (json.config !== undefined && Array.isArray(json.layers)) mediaType = MEDIA_TYPE.ociManifest;
    else if (json.fsLayers !== undefined || json.schemaVersion === 1) mediaType = MEDIA_TYPE.dockerSchema1;
  }
  if (mediaType === MEDIA_TYPE.dockerSchema1 || mediaType === MEDIA_TYPE.dockerSchema1Signed || json.schemaVersion === 1) {
    throw new ImageError('manifest-unsupported',
      `manifest type ${mediaType ?? 'schema1'} (Docker schema 1) is not supported: push the image again with a current tool`, { mediaType });
  }
  const known: string[] = [MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest, MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerList];
  if (mediaType === undefined || !known.includes(mediaType)) {
    throw new ImageError('manifest-unsupported', `manifest type ${mediaType ?? '(none)'} is not an image manifest or index`, { mediaType });
  }
  return mediaType;
}

export function parseManifest(bytes: Buffer, mediaType: string): ParsedManifest {
  const { json, list: layers } = parseSchema2(bytes, 'manifest', 'layers');
  return {
    mediaType,
    config: parseDescriptor(json.config, 'config'),
    layers: layers.map((l, i) => parseDescriptor(l, `layers[${i}]`)),
  };
}

export function parseIndex(bytes: Buffer, mediaType: string): ParsedIndex {
  const { list: manifests } = parseSchema2(bytes, 'index', 'manifests');
  return {
    mediaType,
    manifests: manifests.map((m, i): IndexEntry => {
      const entry: IndexEntry = parseDescriptor(m, `manifests[${i}]`);
      const platform = (m as Record<string, unknown>).platform;
      if (platform !== undefined) {
        const p = platform as Record<string, unknown>;
        if (typeof p.os !== 'string' || typeof p.architecture !== 'string') throw invalid(`manifests[${i}].platform needs os and architecture`);
        entry.platform = p as unknown as PlatformSpec;
      }
      return entry;
    }),
  };
}

// A schemaVersion 2 JSON object with its descriptor array under `listKey`.
function parseSchema2(bytes: Buffer, what: string, listKey: string): { json: Record<string, unknown>; list: unknown[] } {
  const json = parseJsonObject(bytes, what);
  if (json.schemaVersion !== 2) throw invalid(`schemaVersion is ${JSON.stringify(json.schemaVersion)}, not 2`);
  const list = json[listKey];
  if (!Array.isArray(list)) throw invalid(`"${listKey}" is not an array`);
  return { json, list };
}

function parseDescriptor(value: unknown, where: string): BlobInfo {
  if (typeof value !== 'object' || value === null) throw invalid(`${where} is not a descriptor`);
  const d = value as Record<string, unknown>;
  if (typeof d.digest !== 'string' || digestProblem(d.digest) !== undefined) throw invalid(`${where}.digest ${JSON.stringify(d.digest)} is not a valid digest`);
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw invalid(`${where}.size ${JSON.stringify(d.size)} is not a size`);
  const info: BlobInfo = { digest: d.digest, size: d.size };
  if (typeof d.mediaType === 'string') info.mediaType = d.mediaType;
  if (Array.isArray(d.urls)) info.urls = d.urls.filter((u): u is string => typeof u === 'string');
  if (typeof d.annotations === 'object' && d.annotations !== null) info.annotations = d.annotations as Record<string, string>;
  return info;
}

function parseJsonObject(bytes: Buffer, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ImageError('manifest-invalid', `${what} is not valid JSON: ${(err as Error).message}`, {}, { cause: err });
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(`${what} is not a JSON object`);
  return json as Record<string, unknown>;
}

function invalid(message: string): ImageError {
  return new ImageError('manifest-invalid', `invalid manifest: ${message}`);
}
