// The LastWrite token exactly as containers/storage writes it (pkg/lockfile/lastwrite.go):
// UnixNano, a per-process counter, the PID, then random bytes, all little-endian.

import { fillRandom } from '../util/index.js';
import { ofdlock } from './native.js';
import type { LastWrite } from './types.js';

const LAST_WRITE_SIZE = 64;

// Shared by every lock file of the process, as Go's package-level lastWriterIDCounter is.
let writeCounter = 0n;

/** A fresh 64-byte token: bytes 0-7 time, 8-15 counter, 16-19 PID, 20-63 crypto random. */
export function newLastWrite(): LastWrite {
  writeCounter += 1n;
  const token = Buffer.alloc(LAST_WRITE_SIZE);
  token.writeBigUInt64LE(BigInt.asUintN(64, ofdlock.nowNanos()), 0);
  token.writeBigUInt64LE(BigInt.asUintN(64, writeCounter), 8);
  token.writeUInt32LE(process.pid >>> 0, 16);
  fillRandom(token, 20);
  return token;
}
