// The 64-byte LastWrite token: Go's layout (time, shared counter, PID, random),
// written in place without truncating, and modifiedSince's byte comparison.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLockFile } from '../../src/lock/index.js';
import { holdClassicLock } from './other-process.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'berth-lastwrite-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function decode(token: Buffer) {
  return {
    unixNano: token.readBigUInt64LE(0),
    counter: token.readBigUInt64LE(8),
    pid: token.readUInt32LE(16),
    random: token.subarray(20),
  };
}

describe('LastWrite token', () => {
  it('is 64 bytes of time, counter and PID at offset 0 of the file', async () => {
    const lock = getLockFile(join(dir, 'fmt.lock'));
    const before = BigInt(Date.now()) * 1_000_000n;
    const token = await lock.withLock(() => lock.recordWrite());
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    assert.equal(token.length, 64);
    assert.deepEqual(await readFile(lock.path), token);
    const fields = decode(token);
    assert.ok(fields.unixNano >= before && fields.unixNano <= after, `time ${fields.unixNano} outside [${before}, ${after}]`);
    assert.equal(fields.pid, process.pid);
    assert.ok(fields.counter >= 1n);
    assert.notDeepEqual(fields.random, Buffer.alloc(44));
  });

  it('shares one counter across all lock files of the process', async () => {
    const a = getLockFile(join(dir, 'count-a.lock'));
    const b = getLockFile(join(dir, 'count-b.lock'));
    const first = await a.withLock(() => a.recordWrite());
    const second = await b.withLock(() => b.recordWrite());
    const third = await a.withLock(() => a.recordWrite());
    assert.equal(decode(second).counter, decode(first).counter + 1n);
    assert.equal(decode(third).counter, decode(first).counter + 2n);
    assert.notDeepEqual(first.subarray(20), third.subarray(20));
  });

  it('overwrites the first 64 bytes without truncating a longer file', async () => {
    const path = join(dir, 'long.lock');
    await writeFile(path, Buffer.alloc(100, 0xaa));
    const lock = getLockFile(path);
    const token = await lock.withLock(() => lock.recordWrite());
    const content = await readFile(path);
    assert.equal(content.length, 100);
    assert.deepEqual(content.subarray(0, 64), token);
    assert.deepEqual(content.subarray(64), Buffer.alloc(36, 0xaa));
  });
});

describe('modifiedSince', () => {
  it('treats an empty fresh file as a valid state and sees our own writes', async () => {
    const lock = getLockFile(join(dir, 'mod.lock'));
    await lock.withLock(() => {
      const fresh = lock.getLastWrite();
      assert.equal(fresh.length, 0);
      assert.equal(lock.modifiedSince(fresh), false);
      const token = lock.recordWrite();
      assert.equal(lock.modifiedSince(fresh), true);
      assert.equal(lock.modifiedSince(token), false);
      assert.deepEqual(lock.getLastWrite(), token);
    });
  });

  it('sees a token written by another process', async () => {
    const lock = getLockFile(join(dir, 'foreign.lock'));
    const ours = await lock.withLock(() => lock.recordWrite());
    const writer = holdClassicLock(lock.path, 'write', { writeToken: true });
    await writer.locked;
    await writer.release();
    await lock.withRLock(() => {
      assert.equal(lock.modifiedSince(ours), true);
      assert.deepEqual(lock.getLastWrite(), Buffer.from(Array.from({ length: 64 }, (_, i) => i)));
    });
  });
});
