// Typed errors of the oci module: one class, stable codes (CRI-O's
// internal/oci errors and what the runtimes say), the inputs in `detail`.

import { BerthError } from '../util/index.js';

export type OciErrorCode =
  /** No runtime handler of that name is configured. */
  | 'runtime-handler-unknown'
  /** The runtime or conmon binary is missing or not executable. */
  | 'binary-missing'
  /** conmon refused its options or died before reporting the container's PID. */
  | 'conmon-failed'
  /** The OCI runtime refused a command; `detail.stderr` has what it said. */
  | 'runtime-failed'
  /** The runtime does not know the container (deleted, never created). */
  | 'container-not-found'
  /** The verb does not apply to the container's current state (start of a running one, exec in a stopped one). */
  | 'invalid-state'
  /** A signal name or number that Linux does not have. */
  | 'invalid-signal'
  /** The container did not stop or exit in time. */
  | 'timeout'
  /** A part the operation needs is missing on this host (criu, a runtime command). */
  | 'unsupported'
  /** The spec could not be made from the image and options. */
  | 'invalid-spec'
  /** A container record on disk could not be read. */
  | 'state-corrupt'
  /** An option's value is not one it takes (detach keys). */
  | 'invalid-option';

export class OciError extends BerthError<OciErrorCode> {}

export function isOciError(err: unknown, ...codes: OciErrorCode[]): err is OciError {
  return err instanceof OciError && (codes.length === 0 || codes.includes(err.code));
}

/**
 * An exec that ran but failed (non-zero exit, timeout): CRI-O's ExecSyncError,
 * with the output the process produced.
 */
export class ExecSyncError extends BerthError<'exec-failed'> {
  readonly stdout: Buffer;
  readonly stderr: Buffer;
  readonly exitCode: number;

  constructor(message: string, result: { stdout: Buffer; stderr: Buffer; exitCode: number }, options?: { cause?: unknown }) {
    super('exec-failed', message, { exitCode: result.exitCode }, options);
    this.stdout = result.stdout;
    this.stderr = result.stderr;
    this.exitCode = result.exitCode;
  }
}
