// The distribution (registry) API client on Node's http/https: auth,
// retries, redirects, resumable verified blob downloads, uploads, and the
// manifest types and platform choice a pull needs.

export { RegistryClient, type RegistryClientOptions, type RetryEvent, type FetchedManifest } from './client.js';
export type { UploadOptions } from './blob-upload.js';
export { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
export {
  MEDIA_TYPE, ACCEPTED_MANIFEST_TYPES, MANIFEST_SIZE_LIMIT, CONFIG_SIZE_LIMIT, isIndexMediaType, manifestMediaType, parseManifest, parseIndex,
  type ParsedManifest, type ParsedIndex, type IndexEntry, type PlatformSpec,
} from './manifest.js';
export { hostPlatform, chooseIndexEntry, type Platform } from './platform.js';
export { parseChallenges, type Challenge } from './challenge.js';
