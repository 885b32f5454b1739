// Typed errors of the container engine (the podman-like verbs above oci/).

import { BerthError } from '../util/index.js';

export type EngineErrorCode =
  /** No container has that name, ID or ID prefix. */
  | 'container-unknown'
  /** The store container has no Berth record (another tool made it). */
  | 'not-berth'
  /** The container is not in the state the operation needs (cleanup of one still running). */
  | 'invalid-state'
  /** The name is already used by another container. */
  | 'name-in-use'
  /** No image has that name or ID in the store. */
  | 'image-unknown'
  /** Neither a container nor an image has that name or ID (`inspect`). */
  | 'object-unknown'
  /** The image's config could not be found or read. */
  | 'image-config'
  /** A running container cannot be removed without force. */
  | 'container-running'
  /** An option the engine cannot honour. */
  | 'invalid-option'
  /** containers.conf could not be read, or a value in it has the wrong type. */
  | 'config-invalid';

export class EngineError extends BerthError<EngineErrorCode> {}

export function isEngineError(err: unknown, ...codes: EngineErrorCode[]): err is EngineError {
  return err instanceof EngineError && (codes.length === 0 || codes.includes(err.code));
}
