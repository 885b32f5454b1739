// Store calls that wait for another process's lock give up on the caller's
// AbortSignal, write nothing, and leave the store usable afterwards.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { holdClassicLock } from '../lock/other-process.js';
import { addBaseImage, fingerprint, openFixture, type StoreFixture } from './store-fixture.js';

describe('Store calls with an AbortSignal', () => {
  let fx: StoreFixture;
  before(async () => {
    fx = await openFixture('vfs');
    await addBaseImage(fx.store);
  });
  after(async () => fx.temp.dispose());

  it('createContainer gives up waiting for containers.lock held by another process and writes nothing', async () => {
    const holder = holdClassicLock(join(fx.temp.graphRoot, 'vfs-containers', 'containers.lock'), 'write');
    await holder.locked;
    const before = fingerprint(fx.roots);
    try {
      await assert.rejects(fx.store.createContainer({ image: 'img', names: ['late'], signal: AbortSignal.timeout(100) }), (err: Error) => err.name === 'TimeoutError');
      await assert.rejects(fx.store.containers({ signal: AbortSignal.timeout(50) }), (err: Error) => err.name === 'TimeoutError');
    } finally {
      await holder.release();
    }
    assert.equal(fingerprint(fx.roots), before);
    const made = await fx.store.createContainer({ image: 'img', names: ['late'], signal: AbortSignal.timeout(5000) });
    assert.deepEqual((await fx.store.containers()).map((c) => c.id), [made.id]);
  });

  it('an already aborted signal rejects before any lock or file is touched', async () => {
    const before = fingerprint(fx.roots);
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(fx.store.createLayer({ names: ['never'], signal: controller.signal }), (err: Error) => err.name === 'AbortError');
    assert.equal(fingerprint(fx.roots), before);
  });
});
