// The archive module's typed error: a stable code per failure class of layer
// tars (hostile names, malformed tars, limits), with the input that caused it.

import { BerthError, type ErrorDetail } from '../util/index.js';

export type ArchiveErrorCode =
  /** An entry would create, change or remove something outside the target directory. */
  | 'path-escape'
  /** The stream is not a well-formed tar (bad checksum, truncated, bad numeric field, bad PAX record). */
  | 'bad-tar'
  /** The uncompressed stream is larger than the configured limit (decompression bomb guard). */
  | 'size-limit'
  /** An entry type this build cannot create here (device nodes without root, unknown types). */
  | 'unsupported-entry'
  /** Replayed bytes do not match what the tar-split recorded (size or CRC-64). */
  | 'digest-mismatch'
  /** The tar-split metadata is malformed. */
  | 'bad-tar-split'
  /** Writing an entry failed for a reason of the host (permissions, space, a missing hard-link target's parent). */
  | 'write-failed'
  /** A compression format or tool is unavailable or failed. */
  | 'compression'
  /** An entry's owner has no host ID in the layer's ID mappings (or a host owner none in the container's). */
  | 'id-unmapped';

export class ArchiveError extends BerthError<ArchiveErrorCode> {
  constructor(code: ArchiveErrorCode, message: string, detail: ErrorDetail = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}
