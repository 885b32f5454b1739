// Berth's public library API: the containers/storage-compatible Store
// (seed 002) with async methods, on the same on-disk store podman, buildah,
// skopeo and the Go containers-storage CLI use.
//
//   import { openStore, isStorageError } from 'berth';
//
//   const store = await openStore({
//     graphRoot: '/var/lib/containers/storage',
//     runRoot: '/run/containers/storage',
//     driverName: 'overlay',
//     driverOptions: ['overlay.mountopt=nodev'],
//   });
//   const layer = await store.createLayer({ names: ['base'] });
//   const image = await store.createImage({ layer: layer.id, names: ['example'] });
//   const ctr = await store.createContainer({ image: image.id, names: ['web'] });
//   const rootfs = await store.mount(ctr.id);
//   await store.unmount(ctr.id);
//   try {
//     await store.deleteLayer(layer.id, { signal: AbortSignal.timeout(1000) });
//   } catch (err) {
//     if (isStorageError(err, 'layer-has-children', 'layer-used-by-image')) console.log(err.message);
//   }
//
// Every refused call throws a StorageError whose `code` is stable (see
// STORAGE_ERROR_MESSAGES) and whose message uses the Go library's words.

export { openStore, StorageError, isStorageError, STORAGE_ERROR_MESSAGES } from './storage/index.js';
export type {
  Store, StoreOptions, Layer, Image, Container, IDMap, IDMappingOptions, AutoUserNsOptions, CallOptions,
  CreateLayerOptions, PutLayerOptions, LayerBigDataOption, CreateImageOptions, ImageBigDataOption, CreateContainerOptions,
  ContainerBigDataOption, StageLayerOptions, StagedLayer, DeleteImageOptions, MountOptions, MountImageOptions, UnmountOptions, LayerDiffOptions, DiffOptions,
  SetImageBigDataOptions, CheckOptions, CheckReport, RepairOptions, StorageErrorCode,
} from './storage/index.js';
export { loadStoreOptions, type LoadStoreOptionsInput, type LoadedStoreOptions } from './storage/config/index.js';
export { Compression, ChangeKind, type Change } from './archive/index.js';
export {
  ImageServer, copyImage, openImageSource, openImageDestination, parseImageReference, ImageError, isImageError,
  DockerTransport, loadRegistryContext, parseDockerReference, parseNormalizedReference, referenceString, familiarString,
  resolveShortName, parseManifest, parseIndex, chooseIndexEntry, hostPlatform, RegistryClient, GpgSigner, type ImageSigner,
  type ImageServerOptions, type ImageResult, type CopyOptions, type CopyResult, type CopyEvent, type ImageSource, type ImageDestination,
  type ParsedReference, type TransportContext, type ImageErrorCode, type RegistryContext, type RegistryFlags,
  type DockerTransportOptions, type DockerImageReference, type DockerReference, type BlobInfo, type Platform,
} from './image/index.js';
