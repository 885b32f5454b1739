// sha256 digests in the OCI `sha256:<hex>` form.

import { createHash } from 'node:crypto';

export function sha256Digest(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

/** The sha256 digest and size a stream's bytes were checked against. */
export interface VerifiedBlob {
  digest: string;
  size: number;
}

/**
 * A readable that checks its own bytes against a known sha256 digest and size and fails before
 * its end when they differ (an image copy wraps every blob in one): whoever reads it to its end
 * without an error has read exactly those bytes, and need not hash them again.
 */
export interface SelfVerifyingReadable {
  readonly verifiedBlob: VerifiedBlob | undefined;
}

/** What `stream` verifies its own bytes against, if it is a SelfVerifyingReadable that does. */
export function verifiedBlobOf(stream: object): VerifiedBlob | undefined {
  return (stream as Partial<SelfVerifyingReadable>).verifiedBlob;
}
