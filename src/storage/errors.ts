// The Store's typed errors: one class, stable codes mirroring the sentinel
// errors of containers/storage (ErrLayerUnknown → 'layer-unknown'), and the
// Go library's message text so users of both see the same words.

import { BerthError, type ErrorDetail } from '../util/index.js';

export const STORAGE_ERROR_MESSAGES = {
  'container-unknown': 'container not known',
  'digest-unknown': 'could not compute digest of item',
  'duplicate-id': 'that ID is already in use',
  'duplicate-image-names': 'read-only image store assigns the same name to multiple images',
  'duplicate-layer-names': 'read-only layer store assigns the same name to multiple layers',
  'duplicate-name': 'that name is already in use',
  'image-unknown': 'image not known',
  'image-used-by-container': 'image is in use by a container',
  'incomplete-options': 'missing necessary StoreOptions',
  'invalid-big-data-name': 'not a valid name for a big data item',
  'layer-has-children': 'layer has children',
  'layer-not-mounted': 'layer is not mounted',
  'layer-unknown': 'layer not known',
  'no-available-ids': 'not enough unused IDs in user namespace',
  'layer-used-by-container': 'layer is in use by a container',
  'layer-used-by-image': 'layer is in use by an image',
  'load-error': 'error loading storage metadata',
  'not-a-container': 'identifier is not a container',
  'not-a-layer': 'identifier is not a layer',
  'not-an-id': 'identifier is not a layer, image, or container',
  'not-an-image': 'identifier is not an image',
  'parent-is-container': 'would-be parent layer is a container',
  'parent-unknown': 'parent of layer not known',
  'size-unknown': 'size is not known',
  'store-is-read-only': 'called a write method on a read-only store',
  'not-supported': 'not supported',
  'invalid-mappings': 'invalid mappings specified',
  'invalid-name': 'not a valid name',
  'invalid-id': 'not a valid ID',
  'layer-unaccounted': 'layer in lower level storage driver not accounted for',
  'layer-unreferenced': 'layer not referenced by any images or containers',
  'layer-incorrect-content-digest': 'layer content incorrect digest',
  'layer-incorrect-content-size': 'layer content incorrect size',
  'layer-content-modified': 'layer content modified',
  'layer-data-missing': 'layer data item is missing',
  'layer-missing': 'layer is missing',
  'image-layer-missing': 'image layer is missing',
  'image-data-missing': 'image data item is missing',
  'image-data-incorrect-size': 'image data item has incorrect size',
  'container-image-missing': 'image missing',
  'container-data-missing': 'container data item is missing',
  'container-data-incorrect-size': 'container data item has incorrect size',
  'big-data-unknown': 'file does not exist',
  'driver-failure': 'storage driver operation failed',
  'config-invalid': 'invalid storage configuration',
  'digest-mismatch': 'layer content does not match the expected digest',
  'invalid-path': 'path leaves its directory',
} as const;

export type StorageErrorCode = keyof typeof STORAGE_ERROR_MESSAGES;

export class StorageError extends BerthError<StorageErrorCode> {
  /**
   * `context` is prefixed to the sentinel text, as Go's `fmt.Errorf("%s: %w", …)` does;
   * `separator` replaces the `: ` where Go's format has another (check's `%s, %w`).
   */
  constructor(code: StorageErrorCode, context?: string, detail: ErrorDetail = {}, options?: { cause?: unknown; separator?: string }) {
    const sentinel = STORAGE_ERROR_MESSAGES[code];
    const message = context ? `${context}${options?.separator ?? ': '}${sentinel}` : sentinel;
    super(code, message, detail, options?.cause === undefined ? undefined : { cause: options.cause });
  }
}

export function isStorageError(err: unknown, ...codes: StorageErrorCode[]): err is StorageError {
  return err instanceof StorageError && (codes.length === 0 || codes.includes(err.code));
}
