// The image module's typed errors: one class, stable codes. Messages name the
// image, blob or file they are about.

import { BerthError, type ErrorDetail } from '../util/index.js';

export const IMAGE_ERROR_CODES = [
  'blob-digest-mismatch',
  'blob-size-mismatch',
  'blob-unknown',
  'config-invalid',
  'image-exists',
  'image-multiply-tagged',
  'image-unknown',
  'image-used',
  'invalid-reference',
  'invalid-transport',
  'layout-invalid',
  'manifest-invalid',
  'manifest-too-large',
  'manifest-unsupported',
  'no-matching-platform',
  'archive-invalid',
  'not-supported',
  'aborted',
] as const;

export type ImageErrorCode = (typeof IMAGE_ERROR_CODES)[number];

export class ImageError extends BerthError<ImageErrorCode> {
  constructor(code: ImageErrorCode, message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}

export function isImageError(err: unknown, ...codes: ImageErrorCode[]): err is ImageError {
  return err instanceof ImageError && (codes.length === 0 || codes.includes(err.code));
}
