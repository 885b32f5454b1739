// containers/storage-compatible lock files: one fd per path kept open for the process
// lifetime (or until releaseLockFile lets go of a removed record's), an in-process FIFO
// reader/writer queue, and one kernel OFD lock behind it.

import { closeSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isErrno } from '../util/index.js';
import { LockError } from './errors.js';
import { newLastWrite } from './last-write.js';
import { ofdlock, type LockKind } from './native.js';
import type { LastWrite, LockFile } from './types.js';

// Singletons per absolute path, as Go's lockfile package keeps them: a second fd on the same
// file would be a second open file description, which our own OFD lock would then exclude.
const lockFiles = new Map<string, OfdLockFile>();

/**
 * The read-write lock file at `path`, created if missing, with its directory
 * unless `createDirectory` is false: a lock inside a record's directory must
 * not bring back the directory of a record removed meanwhile (the open then
 * fails with a LockError whose cause is ENOENT).
 */
export function getLockFile(path: string, options: { createDirectory?: boolean } = {}): LockFile {
  return lockFileFor(path, false, options.createDirectory ?? true);
}

/** The read-only lock file at `path` (additional stores): only read locks may be taken. */
export function getROLockFile(path: string): LockFile {
  return lockFileFor(path, true, true);
}

/**
 * Closes this process's descriptor of the lock file at `path` and forgets it, as soon as nobody
 * here holds or waits for it (at once when idle). For the lock of a record that is removed (a
 * container's): a long-lived process (a daemon) would otherwise keep one descriptor for every
 * record it ever saw. A later getLockFile of the path opens it afresh; the released object
 * refuses new holds. Nothing happens for a path this process has not opened.
 */
export function releaseLockFile(path: string): void {
  lockFiles.get(resolve(path))?.release();
}

function lockFileFor(path: string, readOnly: boolean, createDirectory: boolean): LockFile {
  const absolute = resolve(path);
  const existing = lockFiles.get(absolute);
  if (existing) {
    if (existing.readOnly !== readOnly) {
      // Go's wording (GetLockFile / GetROLockFile on a path already known in the other mode).
      const message = readOnly ? `lock ${JSON.stringify(absolute)} is not a read-only lock` : `lock ${JSON.stringify(absolute)} is a read-only lock`;
      throw new LockError('mode-mismatch', message, { path: absolute, readOnly });
    }
    return existing;
  }
  const created = new OfdLockFile(absolute, readOnly, openLockFd(absolute, readOnly, createDirectory));
  lockFiles.set(absolute, created);
  return created;
}

// Go's openLock: if the directory is gone, create it (0700) and open again.
function openLockFd(path: string, readOnly: boolean, createDirectory: boolean): number {
  try {
    return ofdlock.open(path, readOnly);
  } catch (err) {
    if (!isErrno(err, 'ENOENT') || !createDirectory) throw ioError('open', path, err);
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    return ofdlock.open(path, readOnly);
  } catch (err) {
    throw ioError('open', path, err);
  }
}

function ioError(operation: string, path: string, cause: unknown): LockError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new LockError('io', `${operation} lock file ${path}: ${reason}`, { path, operation }, { cause });
}

interface Waiter {
  kind: LockKind;
  resolve: () => void;
  reject: (err: unknown) => void;
  /** Its caller gave up (AbortSignal) while the kernel wait for it was in flight. */
  abandoned?: boolean;
}

class OfdLockFile implements LockFile {
  readonly path: string;
  readonly readOnly: boolean;
  // Open until released (releaseLockFile): closing drops the kernel lock, and reopening per
  // hold (as Go does with classic locks) would cost two syscalls per lock() for nothing.
  readonly #fd: number;
  /** release() was called: the descriptor closes once the lock is idle with no one waiting. */
  #releasing = false;
  #closed = false;
  // In-process state; the kernel lock of the same kind is held exactly while it is not idle.
  #state: 'idle' | LockKind = 'idle';
  #readers = 0;
  // FIFO: a reader arriving behind a queued writer waits, so writers are not starved.
  readonly #waiters: Waiter[] = [];
  // A blocking F_OFD_SETLKW occupies a libuv threadpool thread (4 by default, shared with
  // fs and zlib), so at most one is in flight per lock file; everyone else waits in #waiters.
  #blockingCallInFlight = false;

  constructor(path: string, readOnly: boolean, fd: number) {
    this.path = path;
    this.readOnly = readOnly;
    this.#fd = fd;
  }

  lock(signal?: AbortSignal): Promise<void> {
    if (this.readOnly) {
      return Promise.reject(new LockError('read-only', `can't take write lock on read-only lock file ${this.path}`, { path: this.path }));
    }
    return this.#enqueue('write', signal);
  }

  rLock(signal?: AbortSignal): Promise<void> {
    return this.#enqueue('read', signal);
  }

  unlock(): void {
    if (this.#state === 'idle') {
      throw new LockError('not-locked', `unlock of lock file ${this.path} that is not locked`, { path: this.path });
    }
    if (this.#state === 'read' && --this.#readers > 0) return;
    this.#state = 'idle';
    try {
      ofdlock.unlock(this.#fd);
    } catch (err) {
      throw ioError('unlock', this.path, err);
    } finally {
      this.#admitNext();
    }
  }

  async withLock<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    await this.lock(signal);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  async withRLock<T>(fn: () => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    await this.rLock(signal);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  isWriteLocked(): boolean {
    return this.#state === 'write';
  }

  recordWrite(): LastWrite {
    if (this.#state !== 'write') {
      throw new LockError('not-write-locked', `recording a write to lock file ${this.path} requires the write lock`, { path: this.path });
    }
    const token = newLastWrite();
    try {
      ofdlock.pwrite64(this.#fd, token);
    } catch (err) {
      throw ioError('write', this.path, err);
    }
    return token;
  }

  getLastWrite(): LastWrite {
    if (this.#state === 'idle') {
      throw new LockError('not-locked', `reading the last write of lock file ${this.path} requires a lock`, { path: this.path });
    }
    try {
      return ofdlock.pread64(this.#fd);
    } catch (err) {
      throw ioError('read', this.path, err);
    }
  }

  // v1.50 semantics: compare bytes, so a short or empty file is a state like any other.
  modifiedSince(previous: LastWrite): boolean {
    return !this.getLastWrite().equals(previous);
  }

  /** See releaseLockFile. */
  release(): void {
    this.#releasing = true;
    this.#closeIfReleased();
  }

  #closeIfReleased(): void {
    if (!this.#releasing || this.#closed || this.#state !== 'idle' || this.#waiters.length > 0 || this.#blockingCallInFlight) return;
    this.#closed = true;
    if (lockFiles.get(this.path) === this) lockFiles.delete(this.path);
    try {
      closeSync(this.#fd);
    } catch (err) {
      throw ioError('close', this.path, err);
    }
  }

  #enqueue(kind: LockKind, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#closed) {
      return Promise.reject(new LockError('released', `lock file ${this.path} was released: get it again to lock it`, { path: this.path }));
    }
    return new Promise<void>((resolve, reject) => {
      if (!signal) {
        this.#waiters.push({ kind, resolve, reject });
        this.#admitNext();
        return;
      }
      const onAbort = (): void => this.#abandon(waiter, signal.reason);
      const waiter: Waiter = {
        kind,
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
      this.#admitNext();
    });
  }

  // A waiter whose signal fired. Out of the queue at once, unless the kernel wait in flight is
  // its own: a blocked F_OFD_SETLKW cannot be taken back, so the lock it brings is released
  // again on arrival (#enterState), and the caller is answered now all the same.
  #abandon(waiter: Waiter, reason: unknown): void {
    const at = this.#waiters.indexOf(waiter);
    if (at < 0) return;
    if (at === 0 && this.#blockingCallInFlight) {
      waiter.abandoned = true;
      waiter.reject(reason);
      return;
    }
    this.#waiters.splice(at, 1);
    waiter.reject(reason);
    this.#admitNext();
  }

  // Lets in whoever may go now: joins readers to a held read lock, or, when idle, takes the
  // kernel lock for the head waiter (non-blocking first; the blocking call only when busy).
  #admitNext(): void {
    const head = this.#waiters[0];
    if (!head) this.#closeIfReleased();
    if (!head || this.#blockingCallInFlight) return;
    if (this.#state === 'read' && head.kind === 'read') {
      this.#admitReaders();
      return;
    }
    if (this.#state !== 'idle') return;
    let acquired: boolean;
    try {
      acquired = ofdlock.tryLock(this.#fd, head.kind);
    } catch (err) {
      this.#failHead(err);
      return;
    }
    if (acquired) this.#enterState(head.kind);
    else this.#waitForKernelLock(head.kind);
  }

  #waitForKernelLock(kind: LockKind): void {
    this.#blockingCallInFlight = true;
    ofdlock.lockAsync(this.#fd, kind).then(
      () => {
        this.#blockingCallInFlight = false;
        // Nothing leaves the queue while the call is in flight, so the head is still `kind`.
        this.#enterState(kind);
      },
      (err: unknown) => {
        this.#blockingCallInFlight = false;
        this.#failHead(err);
      },
    );
  }

  #enterState(kind: LockKind): void {
    this.#state = kind;
    if (this.#waiters[0]?.abandoned) {
      this.#waiters.shift();
      if (kind === 'read') this.#admitReaders();
      if (this.#readers === 0) this.#release();
      return;
    }
    if (kind === 'read') this.#admitReaders();
    else this.#waiters.shift()?.resolve();
  }

  // The kernel lock was taken for a waiter that gave up and no one joined it: drop it.
  #release(): void {
    this.#state = 'idle';
    try {
      ofdlock.unlock(this.#fd);
    } catch (err) {
      this.#waiters.shift()?.reject(ioError('unlock', this.path, err));
    }
    this.#admitNext();
  }

  #admitReaders(): void {
    while (this.#waiters[0]?.kind === 'read') {
      this.#readers++;
      this.#waiters.shift()?.resolve();
    }
  }

  #failHead(err: unknown): void {
    this.#waiters.shift()?.reject(ioError('lock', this.path, err));
    this.#admitNext();
  }
}
