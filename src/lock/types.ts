// The contract of a containers/storage-compatible lock file (pkg/lockfile):
// a POSIX-compatible record lock on the whole file plus the 64-byte
// LastWrite token that tells other processes the guarded data changed.

/** The 64 bytes last written into a lock file (empty for a fresh file). */
export type LastWrite = Buffer;

export interface LockFile {
  /** Absolute path of the lock file. */
  readonly path: string;
  /** Opened read-only: only read locks may be taken (additional stores). */
  readonly readOnly: boolean;

  /**
   * Takes the write lock: in-process writer exclusion first, then the kernel lock. An aborted
   * `signal` rejects the wait with the signal's reason and leaves the lock as it was.
   */
  lock(signal?: AbortSignal): Promise<void>;
  /** Takes a shared read lock; readers in one process share one kernel read lock. */
  rLock(signal?: AbortSignal): Promise<void>;
  /** Releases one hold taken by lock() or rLock(). */
  unlock(): void;
  /** Runs `fn` under the write lock and releases it however `fn` ends. */
  withLock<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T>;
  /** Runs `fn` under a read lock and releases it however `fn` ends. */
  withRLock<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T>;
  /** True while this process holds the write lock. */
  isWriteLocked(): boolean;

  /** Writes a fresh token (pwrite of 64 bytes at offset 0); the write lock must be held. */
  recordWrite(): LastWrite;
  /** The token currently in the file; a lock must be held. */
  getLastWrite(): LastWrite;
  /** Whether the file's token differs from `previous`; a lock must be held. */
  modifiedSince(previous: LastWrite): boolean;
}
