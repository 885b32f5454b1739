// Identifiers as containers/storage makes them (pkg/stringid, overlay's
// randomid): 64 hex chars from 32 random bytes, and 26-char base32 short
// links for overlay's l/ directory.

import { randomBytes } from './random.js';

const HEX_ID = /^[a-f0-9]{64}$/;

/** A new random ID; like Go, never one whose first 12 characters are all digits. */
export function generateRandomId(isTaken: (id: string) => boolean = () => false): string {
  for (;;) {
    const id = randomBytes(32).toString('hex');
    if (/^\d{12}/.test(id) || isTaken(id)) continue;
    return id;
  }
}

export function isFullHexId(s: string): boolean {
  return HEX_ID.test(s);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** 17 random bytes in standard base32, first 26 characters (overlay's link IDs). */
export function generateShortLinkId(): string {
  const bytes = randomBytes(17);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out;
}
