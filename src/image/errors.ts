// The image side's typed error: one class, stable codes kept in one sorted
// list (so two branches adding codes merge line by line), the inputs in
// `detail`, the cause kept.

import { BerthError, type ErrorDetail } from '../util/index.js';

export const IMAGE_ERROR_CODES = [
  'aborted',
  'archive-invalid',
  'auth-file-invalid',
  'blob-digest-mismatch',
  'blob-size-mismatch',
  'blob-unknown',
  'config-invalid',
  'config-too-large',
  'credential-helper-failed',
  'credentials-invalid',
  'image-exists',
  'image-multiply-tagged',
  'image-unknown',
  'image-used',
  'invalid-option',
  'invalid-reference',
  'invalid-transport',
  'layout-invalid',
  'manifest-invalid',
  'manifest-too-large',
  'manifest-unknown',
  'manifest-unsupported',
  'no-matching-platform',
  'not-supported',
  'policy-denied',
  'policy-invalid',
  'registries-conf-invalid',
  'registries-d-invalid',
  'registry-blocked',
  'registry-error',
  'registry-unavailable',
  'short-name-ambiguous',
  'short-name-unresolvable',
  'signature-invalid',
  'signature-store-failed',
  'signatures-unsupported',
  'signing-failed',
  'signing-key-unknown',
  'too-many-redirects',
  'unauthorized',
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
