// Images: references, registries.conf, the registry client, transports and
// the copy pipeline between them (pull, push, save, load, import), on the
// store's public surface only.

export type {
  BlobInfo, ManifestBytes, TransferOptions, ImageReference, TransportName, ImageSource, ImageDestination,
} from './transports/types.js';
export { ImageError, isImageError, IMAGE_ERROR_CODES, type ImageErrorCode } from './errors.js';
export {
  parseNormalizedReference, parseReference, isShortName, repositoryName, referenceString, familiarString,
  withDefaultTag, withTagOrDigest, manifestSelector, digestProblem, DEFAULT_DOMAIN, DEFAULT_TAG, type DockerReference,
} from './reference/index.js';
export {
  loadRegistriesConfig, mergeRegistriesFile, emptyRegistriesConfig, registriesConfigFiles, shortNameAliasCacheFile, authFiles, loginAuthFile,
  certsDirRoots, findRegistry, pullSources, pushTarget, resolveShortName, loadShortNameAliasCache, findCredentials,
  runCredentialHelper, loadRegistryTls, saveCredentials, removeCredentials,
  type RegistriesConfig, type RegistriesConfigFiles, type RegistryEntry, type RegistryMirror, type ShortNameMode,
  type UserEnvironment, type AuthFileLocation, type PullSource, type ShortNameResolution, type ShortNameOptions,
  type Credentials, type CredentialLookup, type RegistryTls,
} from './registries/index.js';
export {
  RegistryClient, DEFAULT_RETRY_POLICY, MEDIA_TYPE, ACCEPTED_MANIFEST_TYPES, MANIFEST_SIZE_LIMIT, CONFIG_SIZE_LIMIT,
  isIndexMediaType, manifestMediaType, parseManifest, parseIndex, hostPlatform, chooseIndexEntry,
  type RegistryClientOptions, type RetryEvent, type FetchedManifest, type UploadOptions, type RetryPolicy,
  type ParsedManifest, type ParsedIndex, type IndexEntry, type PlatformSpec, type Platform,
} from './registry/index.js';
export { parseDockerReference, dockerImageReference, DockerTransport, type DockerImageReference } from './transports/docker.js';
export type { DockerTransportOptions } from './transports/docker-clients.js';
export { loadRegistryContext, parseCreds, type RegistryContext, type RegistryFlags } from './transports/docker-context.js';
export type { DockerImageSource } from './transports/docker-source.js';
export type { DockerImageDestination } from './transports/docker-destination.js';
