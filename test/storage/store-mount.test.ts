// Mount reference counts kept in mountpoints.json across processes (§7.3):
// counts shared with the Go CLI, a stale count kept, unmount decrementing,
// force, read-only image mounts and shutdown.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError } from '../../src/storage/index.js';
import { goStorage } from '../helpers/go-cli.js';
import { mountPointsUnder } from '../helpers/temp-store.js';
import { addBaseImage, openFixture, type StoreFixture } from './store-fixture.js';

const mountpoints = (fx: StoreFixture): unknown => JSON.parse(readFileSync(join(fx.roots.runRoot, `${fx.roots.driver}-layers`, 'mountpoints.json'), 'utf8'));

describe('mount counts (vfs)', () => {
  let fx: StoreFixture;
  let ctrLayer: string;
  before(async () => {
    fx = await openFixture('vfs');
    await addBaseImage(fx.store);
    ctrLayer = (await fx.store.createContainer({ names: ['c'], image: 'img' })).layerId;
  });
  after(async () => fx.temp.dispose());

  test('each mount adds one, shared with the Go CLI through mountpoints.json', async () => {
    const path = await fx.store.mount('c');
    assert.equal(path, join(fx.roots.graphRoot, 'vfs', 'dir', ctrLayer));
    assert.deepEqual(mountpoints(fx), [{ id: ctrLayer, path, count: 1 }]);
    await goStorage(fx.roots, ['mount', 'c']);
    assert.equal(await fx.store.mounted('c'), 2);
    await fx.store.mount(ctrLayer);
    assert.deepEqual(mountpoints(fx), [{ id: ctrLayer, path, count: 3 }]);
  });

  test('unmount decrements; the last one drops the entry; force drops it at once', async () => {
    assert.equal(await fx.store.unmount('c'), true);
    assert.equal(await fx.store.mounted('c'), 2);
    assert.equal(await fx.store.unmount('c', { force: true }), false);
    assert.equal(await fx.store.mounted('c'), 0);
    assert.deepEqual(mountpoints(fx), []);
    assert.equal(await fx.store.unmount('c'), false);
  });

  test('a layer that is not known cannot be mounted', async () => {
    await assert.rejects(fx.store.mount('nosuch'), (err) => isStorageError(err, 'layer-unknown'));
  });
});

describe('mounts (overlay)', () => {
  let fx: StoreFixture;
  let ctrLayer: string;
  before(async () => {
    fx = await openFixture('overlay');
    await addBaseImage(fx.store);
    ctrLayer = (await fx.store.createContainer({ names: ['c'], image: 'img' })).layerId;
  });
  after(async () => fx.temp.dispose());

  test('a stale count is kept: the layer is mounted and counting goes on from it', async () => {
    const merged = join(fx.roots.graphRoot, 'overlay', ctrLayer, 'merged');
    const file = join(fx.roots.runRoot, 'overlay-layers', 'mountpoints.json');
    writeFileSync(file, JSON.stringify([{ id: ctrLayer, path: merged, count: 3 }]));
    writeFileSync(join(fx.roots.runRoot, 'overlay-layers', 'mountpoints.lock'), Buffer.alloc(64, 1));
    const path = await fx.store.mount('c');
    assert.equal(path, merged);
    assert.ok((await mountPointsUnder(fx.temp.dir)).includes(merged));
    assert.equal(await fx.store.mounted('c'), 4);
  });

  test('force unmount takes the kernel mount down and removes merged/', async () => {
    const merged = join(fx.roots.graphRoot, 'overlay', ctrLayer, 'merged');
    assert.equal(await fx.store.unmount('c', { force: true }), false);
    assert.equal((await mountPointsUnder(fx.temp.dir)).includes(merged), false);
    assert.equal(existsSync(merged), false);
  });

  test('mountImage mounts the top layer read-only; unmountImage undoes it', async () => {
    const path = await fx.store.mountImage('img');
    assert.throws(() => writeFileSync(join(path, 'x'), 'x'), /EROFS/);
    assert.equal(await fx.store.unmountImage('img'), false);
  });

  test('shutdown refuses while a layer is mounted, and with force unmounts it', async () => {
    await fx.store.mount('c');
    await assert.rejects(fx.store.shutdown(), (err) => isStorageError(err, 'layer-used-by-container'));
    assert.deepEqual(await fx.store.shutdown({ force: true }), []);
    assert.equal(await fx.store.mounted('c'), 0);
  });
});
