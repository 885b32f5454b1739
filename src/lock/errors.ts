// Typed errors of the lock module: one class with stable codes; `detail.path`
// names the lock file and `cause` carries the system error where there is one.

import { BerthError } from '../util/index.js';

export type LockErrorCode =
  /** unlock(), getLastWrite() or modifiedSince() without a hold in this process. */
  | 'not-locked'
  /** recordWrite() without the write lock. */
  | 'not-write-locked'
  /** lock() on a lock file opened read-only. */
  | 'read-only'
  /** The same path was asked for both read-write and read-only in one process. */
  | 'mode-mismatch'
  /** A system call on the lock file failed (open, fcntl, pread, pwrite, close). */
  | 'io'
  /** lock() or rLock() on a lock file object after releaseLockFile closed it. */
  | 'released';

export class LockError extends BerthError<LockErrorCode> {}
