// Berth's public library API: `import { openStore } from 'berth'` gives the
// containers/storage-compatible Store (seed 002) with async methods.

export { openStore, StorageError, isStorageError, STORAGE_ERROR_MESSAGES } from './storage/index.js';
export type {
  Store, StoreOptions, Layer, Image, Container, IDMap, LayerOptions, ImageOptions, ContainerOptions, DiffOptions,
  CheckOptions, CheckReport, RepairOptions, StorageErrorCode,
} from './storage/index.js';
export { Compression, ChangeKind, type Change } from './archive/index.js';
