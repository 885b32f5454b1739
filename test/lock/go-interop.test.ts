// Interop with the Go containers-storage CLI (v1.43): it must wait for Berth's lock on
// images.lock, and Berth must see the LastWrite tokens Go writes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getLockFile } from '../../src/lock/index.js';
import { goStorage, goStorageTry, type StoreRoots } from '../helpers/go-cli.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { waitForBlockedWaiter } from './other-process.js';

let store: TempStore;
let roots: StoreRoots;
before(async () => {
  store = await makeTempStore('berth-lock-go-');
  roots = { graphRoot: store.graphRoot, runRoot: store.runRoot, driver: 'vfs' };
  await goStorage(roots, ['images']);
});
after(async () => {
  await store.dispose();
});

describe('Go containers-storage CLI', () => {
  it('waits for our write lock on images.lock and finishes after we release it', async (t) => {
    const lock = getLockFile(join(store.graphRoot, 'vfs-images', 'images.lock'));
    await lock.lock();
    const started = performance.now();
    let released = false;
    let releasedAt = 0;
    const run = goStorageTry(roots, ['images']).then((result) => ({ result, releasedBeforeExit: released, exitedAt: performance.now() }));
    try {
      await waitForBlockedWaiter(lock.path, 'POSIX');
    } finally {
      released = true;
      releasedAt = performance.now();
      lock.unlock();
    }
    const { result, releasedBeforeExit, exitedAt } = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(releasedBeforeExit, true, 'the Go CLI finished while we held images.lock');
    t.diagnostic(`Go CLI blocked for ${(releasedAt - started).toFixed(0)} ms; exited ${(exitedAt - releasedAt).toFixed(0)} ms after our release`);
  });

  it('sees the token Go writes when it saves layers', async () => {
    const lock = getLockFile(join(store.graphRoot, 'vfs-layers', 'layers.lock'));
    const before = await lock.withRLock(() => lock.getLastWrite());
    await goStorage(roots, ['create-layer']);
    await lock.withRLock(() => {
      assert.equal(lock.modifiedSince(before), true);
      const token = lock.getLastWrite();
      assert.equal(token.length, 64);
      assert.notEqual(token.readUInt32LE(16), process.pid);
    });
  });
});
