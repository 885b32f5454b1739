// Named volumes (podman's `local` driver): a directory per volume under the
// store's graph root, its data in `_data` as podman lays it out, and Berth's
// record beside it.

export { VolumeStore, checkedVolumeName, type Volume, type VolumeCreateOptions, type VolumeWriter } from './volume-store.js';
export { VolumeError, isVolumeError, type VolumeErrorCode } from './errors.js';
