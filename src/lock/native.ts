// Loads the ofdlock addon (native/ofdlock) that provides whole-file Linux OFD
// record locks and the pread/pwrite of the 64-byte LastWrite token.

import { loadNativeAddon } from '../util/native-addon.js';

export type LockKind = 'read' | 'write';

export interface OfdLockAddon {
  /** Opens (creating, mode 0644) the lock file: O_RDWR, or O_RDONLY when `readOnly`; always O_CLOEXEC. */
  open(path: string, readOnly: boolean): number;
  /** F_OFD_SETLK: false when another open file description holds a conflicting lock. */
  tryLock(fd: number, kind: LockKind): boolean;
  /** F_OFD_SETLKW on a libuv threadpool thread; resolves once the lock is held. */
  lockAsync(fd: number, kind: LockKind): Promise<void>;
  /** F_UNLCK on the whole file for this fd's open file description. */
  unlock(fd: number): void;
  /** pwrite of exactly 64 bytes at offset 0. */
  pwrite64(fd: number, token: Buffer): void;
  /** pread of up to 64 bytes at offset 0 (shorter for a fresh or foreign file). */
  pread64(fd: number): Buffer;
  /** CLOCK_REALTIME in nanoseconds (Go's time.Now().UnixNano()). */
  nowNanos(): bigint;
}

export const ofdlock = loadNativeAddon<OfdLockAddon>('ofdlock');
