// Random bytes for IDs, temp names and lock tokens, read from the kernel's
// /dev/urandom (what Go's crypto/rand falls back to). The store's verbs need a
// few dozen bytes each; node:crypto, the usual source, costs ~3-5 ms to load,
// a tenth of a `berth storage create-container` above `node -e 0`.

import { randomFillSync } from 'node:crypto';
import { openSync, readSync } from 'node:fs';

/** Kept open for the process's life (close-on-exec, as Node opens every file). */
let urandom: number | undefined;

/** Fills `bytes` from `offset` to the end with random bytes. */
export function fillRandom(bytes: Uint8Array, offset = 0): Uint8Array {
  let fd: number;
  try {
    fd = urandom ??= openSync('/dev/urandom', 'r');
  } catch {
    // A root without device nodes (some chroots): the crypto module's source.
    return randomFillSync(bytes, offset);
  }
  for (let filled = offset; filled < bytes.length;) {
    filled += readSync(fd, bytes, filled, bytes.length - filled, null);
  }
  return bytes;
}

/** `size` random bytes. */
export function randomBytes(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  fillRandom(bytes);
  return bytes;
}
