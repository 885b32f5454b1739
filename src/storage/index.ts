// The containers/storage-compatible Store: open it, its records and options,
// its typed errors.

export { openStore } from './store.js';
export { graphDriverData, type GraphDriverData } from './driver-data.js';
export type * from './types.js';
export { StorageError, isStorageError, STORAGE_ERROR_MESSAGES, type StorageErrorCode } from './errors.js';
export * from './config/index.js';
