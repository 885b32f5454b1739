// Berth's OFD locks against other processes: classic POSIX lock holders (Python lockf, the
// same lock Go takes) and a second Node process using the compiled lock module.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLockFile, getROLockFile } from '../../src/lock/index.js';
import { ofdlock } from '../../src/lock/native.js';
import { holdClassicLock, lineFrom, probeClassicLock, waitForBlockedWaiter } from './other-process.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-xlock-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lockModuleUrl = new URL('../../src/lock/index.js', import.meta.url).href;

describe('against another process', () => {
  it('our write lock excludes classic read and write locks, and unlocking frees them', async () => {
    const lock = getLockFile(join(dir, 'w.lock'));
    await lock.lock();
    assert.equal(await probeClassicLock(lock.path, 'write'), 'busy');
    assert.equal(await probeClassicLock(lock.path, 'read'), 'busy');
    lock.unlock();
    assert.equal(await probeClassicLock(lock.path, 'write'), 'free');
  });

  it('our read lock admits other readers and excludes writers', async () => {
    const lock = getROLockFile(join(dir, 'r.lock'));
    await lock.withRLock(async () => {
      assert.equal(await probeClassicLock(lock.path, 'read'), 'free');
      assert.equal(await probeClassicLock(lock.path, 'write'), 'busy');
    });
  });

  it('reading the lock file through another fd does not release our lock', async () => {
    const lock = getLockFile(join(dir, 'close.lock'));
    await lock.withLock(async () => {
      lock.recordWrite();
      // fs.readFileSync opens and closes its own fd: a classic POSIX lock would be dropped here.
      assert.equal(readFileSync(lock.path).length, 64);
      assert.equal(await probeClassicLock(lock.path, 'write'), 'busy');
    });
  });

  it('2,000 blocked waits in a row each settle once their holder lets go (a wait thread per call)', async () => {
    const path = join(dir, 'many-waits.lock');
    const holder = ofdlock.open(path, false);
    const waiter = ofdlock.open(path, false);
    for (let i = 0; i < 2000; i++) {
      assert.equal(ofdlock.tryLock(holder, 'write'), true);
      const waited = ofdlock.lockAsync(waiter, i % 2 ? 'read' : 'write');
      ofdlock.unlock(holder);
      await waited;
      ofdlock.unlock(waiter);
    }
  });

  it('a second fd in this process is excluded by our lock (OFD, not per-process)', async () => {
    const lock = getLockFile(join(dir, 'second-fd.lock'));
    await lock.withLock(() => {
      const otherFd = ofdlock.open(lock.path, true);
      assert.equal(ofdlock.tryLock(otherFd, 'read'), false);
    });
  });

  it('lock() waits while a classic-lock holder has the file, then gets it', async () => {
    const lock = getLockFile(join(dir, 'held.lock'));
    const holder = holdClassicLock(lock.path, 'read');
    try {
      await holder.locked;
      let released = false;
      const acquired = lock.lock().then(() => released);
      await waitForBlockedWaiter(lock.path, 'OFDLCK');
      released = true;
      await holder.release();
      assert.equal(await acquired, true, 'lock() resolved before the other process released');
      lock.unlock();
    } finally {
      await holder.release();
    }
  });

  it('a second Node process using the lock module waits for our write lock', async () => {
    const lock = getLockFile(join(dir, 'node.lock'));
    await lock.lock();
    const script = `
      import { getLockFile } from ${JSON.stringify(lockModuleUrl)};
      const lock = getLockFile(${JSON.stringify(lock.path)});
      await lock.lock();
      console.log('acquired');
      lock.recordWrite();
      lock.unlock();
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      let released = false;
      const childAcquired = lineFrom(child, 'acquired').then(() => released);
      await waitForBlockedWaiter(lock.path, 'OFDLCK');
      const before = lock.getLastWrite();
      released = true;
      lock.unlock();
      assert.equal(await childAcquired, true, 'the child got the lock while we held it');
      await exited;
      await lock.withRLock(() => assert.equal(lock.modifiedSince(before), true));
    } finally {
      if (lock.isWriteLocked()) lock.unlock();
      child.kill();
    }
  });

  it('waits for locks others hold take no libuv pool thread: fs work goes on meanwhile', async () => {
    // Two pool threads and three blocked waits: were the waits on the pool, the readFile would hang.
    const paths = ['pool-a.lock', 'pool-b.lock', 'pool-c.lock'].map((name) => join(dir, name));
    const holders = paths.map((path) => holdClassicLock(path, 'write'));
    await Promise.all(holders.map((h) => h.locked));
    const script = `
      import { readFile } from 'node:fs/promises';
      import { getLockFile } from ${JSON.stringify(lockModuleUrl)};
      const locks = ${JSON.stringify(paths)}.map((path) => getLockFile(path));
      const all = Promise.all(locks.map((lock) => lock.lock()));
      process.stdin.once('data', async () => {
        await readFile(${JSON.stringify(paths[0])});
        console.log('read');
        await all;
        console.log('locked all');
        process.exit(0);
      });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, UV_THREADPOOL_SIZE: '2' } });
    try {
      const lockedAll = lineFrom(child, 'locked all');
      for (const path of paths) await waitForBlockedWaiter(path, 'OFDLCK');
      const read = lineFrom(child, 'read');
      child.stdin.write('go\n');
      await read;
      await Promise.all(holders.map((h) => h.release()));
      await lockedAll;
    } finally {
      child.kill();
      await Promise.all(holders.map((h) => h.release()));
    }
  });
});
