// In-process behaviour of LockFile: writer/reader exclusion through the async queue,
// FIFO fairness, read-only lock files, singletons, release and the typed errors.

import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLockFile, getROLockFile, LockError, releaseLockFile } from '../../src/lock/index.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

// Lets every already-settled promise callback run, so "still pending" means really waiting.
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<void>): { done: () => boolean; promise: Promise<void> } {
  let finished = false;
  const tracked = promise.then(() => {
    finished = true;
  });
  return { done: () => finished, promise: tracked };
}

describe('in-process lock queue', () => {
  it('a second writer waits until the first unlocks', async () => {
    const lock = getLockFile(join(dir, 'ww.lock'));
    await lock.lock();
    const second = track(lock.lock());
    await settle();
    assert.equal(second.done(), false);
    lock.unlock();
    await second.promise;
    assert.equal(lock.isWriteLocked(), true);
    lock.unlock();
    assert.equal(lock.isWriteLocked(), false);
  });

  it('readers share the lock at the same time', async () => {
    const lock = getLockFile(join(dir, 'rr.lock'));
    await lock.rLock();
    await lock.rLock();
    await lock.rLock();
    assert.equal(lock.isWriteLocked(), false);
    lock.unlock();
    lock.unlock();
    lock.unlock();
    assert.throws(() => lock.unlock(), (err: unknown) => err instanceof LockError && err.code === 'not-locked');
  });

  it('a writer waits until every reader has unlocked', async () => {
    const lock = getLockFile(join(dir, 'rw.lock'));
    await lock.rLock();
    await lock.rLock();
    const writer = track(lock.lock());
    lock.unlock();
    await settle();
    assert.equal(writer.done(), false);
    lock.unlock();
    await writer.promise;
    assert.equal(lock.isWriteLocked(), true);
    lock.unlock();
  });

  it('a reader arriving behind a queued writer waits for it (no writer starvation)', async () => {
    const lock = getLockFile(join(dir, 'fifo.lock'));
    const order: string[] = [];
    await lock.rLock();
    const writer = lock.lock().then(() => order.push('writer'));
    const lateReader = lock.rLock().then(() => order.push('late reader'));
    await settle();
    assert.deepEqual(order, []);
    lock.unlock();
    await writer;
    assert.deepEqual(order, ['writer']);
    lock.unlock();
    await lateReader;
    assert.deepEqual(order, ['writer', 'late reader']);
    lock.unlock();
  });

  it('withLock releases the lock when the callback throws', async () => {
    const lock = getLockFile(join(dir, 'with.lock'));
    await assert.rejects(lock.withLock(() => { throw new Error('boom'); }), /boom/);
    assert.equal(lock.isWriteLocked(), false);
    assert.equal(await lock.withRLock(() => 42), 42);
    assert.equal(await lock.withLock(async () => lock.isWriteLocked()), true);
  });

  it('returns one object per absolute path', () => {
    const lock = getLockFile(join(dir, 'same.lock'));
    assert.equal(getLockFile(join(dir, '.', 'sub', '..', 'same.lock')), lock);
    assert.equal(lock.path, join(dir, 'same.lock'));
  });

  it('refuses the same path in the other mode', () => {
    getLockFile(join(dir, 'mode.lock'));
    assert.throws(() => getROLockFile(join(dir, 'mode.lock')), (err: unknown) => err instanceof LockError && err.code === 'mode-mismatch');
  });

  it('creates a missing directory for the lock file, as Go does', async () => {
    const lock = getLockFile(join(dir, 'new', 'deeper', 'x.lock'));
    await lock.withLock(() => lock.recordWrite());
  });
});

describe('read-only lock files', () => {
  it('allow read locks and refuse the write lock with a typed error', async () => {
    const lock = getROLockFile(join(dir, 'ro', 'images.lock'));
    assert.equal(lock.readOnly, true);
    await assert.rejects(lock.lock(), (err: unknown) => err instanceof LockError && err.code === 'read-only');
    await lock.withRLock(() => assert.deepEqual(lock.getLastWrite(), Buffer.alloc(0)));
  });
});

describe('LastWrite preconditions', () => {
  it('recordWrite needs the write lock, even under a read lock', async () => {
    const lock = getLockFile(join(dir, 'rec.lock'));
    assert.throws(() => lock.recordWrite(), (err: unknown) => err instanceof LockError && err.code === 'not-write-locked');
    await lock.withRLock(() => {
      assert.throws(() => lock.recordWrite(), (err: unknown) => err instanceof LockError && err.code === 'not-write-locked');
    });
  });

  it('getLastWrite and modifiedSince need a lock', () => {
    const lock = getLockFile(join(dir, 'get.lock'));
    assert.throws(() => lock.getLastWrite(), (err: unknown) => err instanceof LockError && err.code === 'not-locked');
    assert.throws(() => lock.modifiedSince(Buffer.alloc(0)), (err: unknown) => err instanceof LockError && err.code === 'not-locked');
  });
});

/** How many of this process's descriptors are open on `path`. */
function descriptorsOn(path: string): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path);
    } catch {
      return false;
    }
  }).length;
}

describe('releaseLockFile', () => {
  it('closes an idle lock file at once; the released object refuses holds, and getLockFile opens the path afresh', async () => {
    const path = join(dir, 'idle-release.lock');
    const lock = getLockFile(path);
    await lock.withLock(() => undefined);
    assert.equal(descriptorsOn(path), 1);
    releaseLockFile(path);
    assert.equal(descriptorsOn(path), 0);
    await assert.rejects(lock.lock(), (err: unknown) => err instanceof LockError && err.code === 'released');
    await assert.rejects(lock.rLock(), (err: unknown) => err instanceof LockError && err.code === 'released');
    const again = getLockFile(path);
    assert.notEqual(again, lock);
    await again.withLock(() => undefined);
    assert.equal(descriptorsOn(path), 1);
    releaseLockFile(path);
  });

  it('waits for the holder and every waiter queued meanwhile, then closes', async () => {
    const path = join(dir, 'busy-release.lock');
    const lock = getLockFile(path);
    await lock.lock();
    const reader = track(lock.rLock());
    releaseLockFile(path);
    await settle();
    assert.equal(descriptorsOn(path), 1);
    lock.unlock();
    await reader.promise;
    // The reader got the lock from the same descriptor; it is still open while the reader holds it.
    assert.equal(descriptorsOn(path), 1);
    lock.unlock();
    assert.equal(descriptorsOn(path), 0);
  });

  it('does nothing for a path this process never opened', () => {
    releaseLockFile(join(dir, 'never-opened.lock'));
    assert.equal(descriptorsOn(join(dir, 'never-opened.lock')), 0);
  });
});
