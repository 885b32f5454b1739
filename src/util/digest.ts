// sha256 digests in the OCI `sha256:<hex>` form.

import { createHash } from 'node:crypto';

export function sha256Digest(data: string | Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}
