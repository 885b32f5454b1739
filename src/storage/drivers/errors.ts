// The graph drivers' typed error: a stable code per failure class, the Go
// driver's message text, and the layer or option it concerns.

import { BerthError, type ErrorDetail } from '../../util/index.js';

export type DriverErrorCode =
  /** A driver option key the driver does not know (`overlay: Unknown option …`). */
  | 'unknown-option'
  /** A known option with a value that does not parse, or options that conflict. */
  | 'invalid-option'
  /** A feature Berth's drivers do not implement (mount_program, quotas, imagestore, …). */
  | 'not-supported'
  /** The layer has no directory in the driver's home. */
  | 'layer-unknown'
  /** mount(2) or umount(2) failed. */
  | 'mount-failed'
  /** A user namespace for ID maps or an idmapped mount of a lower layer could not be made. */
  | 'idmap-failed'
  /** Copying a parent layer's tree (vfs) failed. */
  | 'copy-failed'
  /** A lower chain deeper than the driver allows. */
  | 'max-depth-exceeded'
  /** Even the relative form of the mount data does not fit in a page. */
  | 'mount-data-too-large';

export class DriverError extends BerthError<DriverErrorCode> {
  constructor(code: DriverErrorCode, message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}

export function isDriverError(err: unknown, ...codes: DriverErrorCode[]): err is DriverError {
  return err instanceof DriverError && (codes.length === 0 || codes.includes(err.code));
}
