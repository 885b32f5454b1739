// Images: transports (oci:, oci-archive:, docker-archive:, dir:,
// containers-storage:, and docker:// from the registry side), the copy
// pipeline between them (pull, push, save, load, import), manifests and
// platforms, and the ImageServer of seed 001, on the store's public surface only.

export * from './transports/index.js';
export * from './copy/index.js';
export {
  choosePlatform, applyConfigChanges, isIndexType, isManifestType, layerMediaType, OCI_INDEX, OCI_MANIFEST, OCI_CONFIG, OCI_LAYER_TAR,
  OCI_LAYER_GZIP, OCI_LAYER_ZSTD, DOCKER_LIST, DOCKER_MANIFEST, DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_LAYER_TAR,
  type Descriptor, type ImageManifest, type ImageIndex, type ImageConfig, type HistoryEntry, type PlatformChoice,
} from './manifest/index.js';
export { ImageError, isImageError, IMAGE_ERROR_CODES, type ImageErrorCode } from './errors.js';
export * from './server/index.js';
