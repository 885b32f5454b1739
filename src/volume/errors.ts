// Typed errors of the named-volume records.

import { BerthError } from '../util/index.js';

export type VolumeErrorCode =
  /** No volume has that name. */
  | 'volume-unknown'
  /** A volume (or another tool's directory) already has that name. */
  | 'volume-exists'
  /** Containers use the volume: it is removed only with force, or once they are gone. */
  | 'volume-in-use'
  /** A name outside podman's rule, or an option the local driver does not take. */
  | 'invalid-option';

export class VolumeError extends BerthError<VolumeErrorCode> {}

export function isVolumeError(err: unknown, ...codes: VolumeErrorCode[]): err is VolumeError {
  return err instanceof VolumeError && (codes.length === 0 || codes.includes(err.code));
}
