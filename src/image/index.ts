// Images: transports (oci:, oci-archive:, docker-archive:, dir:,
// containers-storage:, and docker:// from the registry side), the copy
// pipeline between them (pull, push, save, load, import), manifests and
// platforms, and the ImageServer of seed 001, on the store's public surface only.

export * from './transports/index.js';
export * from './copy/index.js';
export {
  choosePlatform, applyConfigChanges, isIndexType, isManifestType, layerMediaType, OCI_INDEX, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_TAR,
  OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LIST, DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_LAYER_TAR,
  type Descriptor, type ImageManifest, type ImageIndex, type ImageConfig, type RunConfig, type HistoryEntry, type PlatformChoice,
} from './manifest/index.js';
export { ImageError, isImageError, IMAGE_ERROR_CODES, type ImageErrorCode } from './errors.js';
export { GpgSigner, type GpgSignerOptions, type ImageSigner } from './signature/index.js';
export * from './server/index.js';
export {
  parseNormalizedReference, parseReference, isShortName, repositoryName, referenceString, familiarString,
  withDefaultTag, withTagOrDigest, manifestSelector, digestProblem, DEFAULT_DOMAIN, DEFAULT_TAG, type DockerReference,
} from './reference/index.js';
export {
  loadRegistriesConfig, mergeRegistriesFile, emptyRegistriesConfig, registriesConfigFiles, shortNameAliasCacheFile, authFiles, loginAuthFile,
  certsDirRoots, findRegistry, pullSources, pushTarget, resolveShortName, loadShortNameAliasCache, findCredentials,
  runCredentialHelper, loadRegistryTls, saveCredentials, removeCredentials, removeAllCredentials,
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
