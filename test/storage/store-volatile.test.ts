// Volatile containers (v1.50): their layer and record go to the volatile
// files next to layers.json/containers.json (the run root with
// transient_store), which the 1.43 Go tools never read; reading a store
// writes nothing at all.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { goStorage } from '../helpers/go-cli.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { addBaseImage, fingerprint, openFixture, type StoreFixture } from './store-fixture.js';

const ids = (path: string): string[] => (JSON.parse(readFileSync(path, 'utf8')) as Array<{ id: string }>).map((r) => r.id);

describe('volatile containers', () => {
  let fx: StoreFixture;
  before(async () => {
    fx = await openFixture('vfs');
    await addBaseImage(fx.store);
  });
  after(async () => fx.temp.dispose());

  test('no volatile file exists until a volatile record does', async () => {
    await fx.store.createContainer({ names: ['plain'], image: 'img' });
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs-layers', 'volatile-layers.json')), false);
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs-containers', 'volatile-containers.json')), false);
  });

  test('a volatile container and its layer live in the volatile files only', async () => {
    const ctr = await fx.store.createContainer({ names: ['vol'], image: 'img', volatile: true });
    assert.deepEqual(ctr.flags?.Volatile, true);
    assert.deepEqual(ids(join(fx.roots.graphRoot, 'vfs-layers', 'volatile-layers.json')), [ctr.layerId]);
    assert.deepEqual(ids(join(fx.roots.graphRoot, 'vfs-containers', 'volatile-containers.json')), [ctr.id]);
    assert.equal(ids(join(fx.roots.graphRoot, 'vfs-layers', 'layers.json')).includes(ctr.layerId), false);
    assert.equal(ids(join(fx.roots.graphRoot, 'vfs-containers', 'containers.json')).includes(ctr.id), false);
    const fresh = await openStore({ graphRoot: fx.roots.graphRoot, runRoot: fx.roots.runRoot, driverName: 'vfs', driverOptions: [] });
    assert.equal((await fresh.container('vol')).layerId, ctr.layerId);
    const goSees = (await goStorage(fx.roots, ['containers'])).stdout.toString();
    assert.equal(goSees.includes(ctr.id), false);
    await fx.store.deleteContainer('vol');
    assert.deepEqual(ids(join(fx.roots.graphRoot, 'vfs-layers', 'volatile-layers.json')), []);
  });

  test('listing and looking things up writes nothing, not even a lock token', async () => {
    const before = fingerprint(fx.roots);
    const fresh = await openStore({ graphRoot: fx.roots.graphRoot, runRoot: fx.roots.runRoot, driverName: 'vfs', driverOptions: [] });
    await fresh.layers();
    await fresh.images();
    await fresh.containers();
    await fresh.lookup('plain');
    await fresh.mounted('plain');
    assert.equal(fingerprint(fx.roots), before);
  });
});

describe('transient store', () => {
  let temp: TempStore;
  before(async () => {
    temp = await makeTempStore('berth-transient-');
  });
  after(async () => temp.dispose());

  test('every container and its layer go to the run root, with containers.lock', async () => {
    const store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'vfs', driverOptions: [], transientStore: true });
    const baseId = await addBaseImage(store);
    const ctr = await store.createContainer({ names: ['t'], image: 'img' });
    assert.equal(ctr.flags?.Volatile, true);
    assert.deepEqual(ids(join(temp.runRoot, 'vfs-layers', 'volatile-layers.json')), [ctr.layerId]);
    assert.deepEqual(ids(join(temp.runRoot, 'vfs-containers', 'volatile-containers.json')), [ctr.id]);
    assert.equal(existsSync(join(temp.runRoot, 'vfs-containers', 'containers.lock')), true);
    assert.deepEqual(ids(join(temp.graphRoot, 'vfs-layers', 'layers.json')), [baseId]);
  });
});
