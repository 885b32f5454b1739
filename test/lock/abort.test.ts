// Giving up a lock wait: an AbortSignal rejects the wait with its reason, the
// queue moves on without it, and a kernel lock that arrives for a waiter that
// gave up is released at once.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLockFile } from '../../src/lock/index.js';
import { holdClassicLock, probeClassicLock, waitForBlockedWaiter } from './other-process.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lock-abort-'));
});
after(async () => rm(dir, { recursive: true, force: true }));

describe('lock waits with an AbortSignal', () => {
  it('an already aborted signal rejects at once and takes nothing', async () => {
    const lock = getLockFile(join(dir, 'pre-aborted.lock'));
    await assert.rejects(lock.lock(AbortSignal.abort(new Error('gave up'))), /gave up/);
    assert.equal(lock.isWriteLocked(), false);
    assert.equal(await probeClassicLock(lock.path, 'write'), 'free');
  });

  it('a waiter queued behind an in-process holder leaves the queue; the next waiter still gets the lock', async () => {
    const lock = getLockFile(join(dir, 'queued.lock'));
    await lock.lock();
    const controller = new AbortController();
    const abandoned = lock.lock(controller.signal);
    const next = lock.lock();
    controller.abort();
    await assert.rejects(abandoned, (err: Error) => err.name === 'AbortError');
    lock.unlock();
    await next;
    assert.equal(lock.isWriteLocked(), true);
    lock.unlock();
    assert.equal(await probeClassicLock(lock.path, 'write'), 'free');
  });

  it('a wait blocked on another process times out, and the lock it later gets is released again', async () => {
    const lock = getLockFile(join(dir, 'other-process.lock'));
    const holder = holdClassicLock(lock.path, 'write');
    await holder.locked;
    // The holder keeps its lock until released below: only the signal can end this wait.
    const gaveUp = assert.rejects(lock.lock(AbortSignal.timeout(150)), (err: Error) => err.name === 'TimeoutError');
    await waitForBlockedWaiter(lock.path, 'OFDLCK');
    await gaveUp;
    await holder.release();
    // The kernel wait still completes; the lock must not stay with us.
    for (let i = 0; i < 200 && (await probeClassicLock(lock.path, 'write')) === 'busy'; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(await probeClassicLock(lock.path, 'write'), 'free');
    assert.equal(lock.isWriteLocked(), false);
    await lock.withLock(() => assert.equal(lock.isWriteLocked(), true));
  });

  it('readers that joined an abandoned read wait keep the lock until they let go', async () => {
    const lock = getLockFile(join(dir, 'read-join.lock'));
    const holder = holdClassicLock(lock.path, 'write');
    await holder.locked;
    const controller = new AbortController();
    const abandoned = assert.rejects(lock.rLock(controller.signal), (err: Error) => err.name === 'AbortError');
    const joined = lock.rLock();
    await waitForBlockedWaiter(lock.path, 'OFDLCK');
    controller.abort();
    await abandoned;
    await holder.release();
    await joined;
    assert.equal(await probeClassicLock(lock.path, 'write'), 'busy');
    lock.unlock();
    assert.equal(await probeClassicLock(lock.path, 'write'), 'free');
  });
});
