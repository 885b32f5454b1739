// Typed errors of the secrets store.

import { BerthError } from '../util/index.js';

export type SecretErrorCode =
  /** No secret has that name or ID. */
  | 'secret-unknown'
  /** A secret already has that name. */
  | 'secret-exists'
  /** A name outside podman's rule, a driver other than file, data that is empty or too large. */
  | 'invalid-option';

export class SecretError extends BerthError<SecretErrorCode> {}

export function isSecretError(err: unknown, ...codes: SecretErrorCode[]): err is SecretError {
  return err instanceof SecretError && (codes.length === 0 || codes.includes(err.code));
}
