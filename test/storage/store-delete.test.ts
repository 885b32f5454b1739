// Deleting: the image cascade to layers no one else uses and its dry run,
// layer safety checks (by ID and by name), containers with their
// directories, Go's unchecked delete, wipe and garbage collection.

import { beforeEach, afterEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError } from '../../src/storage/index.js';
import { addBaseImage, fingerprint, openFixture, type StoreFixture } from './store-fixture.js';

describe('deleteImage', () => {
  let fx: StoreFixture;
  let base: string;
  let mid: string;
  let top: string;
  beforeEach(async () => {
    fx = await openFixture('vfs');
    base = (await fx.store.createLayer({ names: ['base'] })).id;
    mid = (await fx.store.createLayer({ parent: base, names: ['mid'] })).id;
    top = (await fx.store.createLayer({ parent: mid, names: ['top'] })).id;
    await fx.store.createImage({ names: ['image-a'], layer: top });
    await fx.store.createImage({ names: ['image-b'], layer: mid });
  });
  afterEach(async () => fx.temp.dispose());

  test('the dry run lists the layers only this image uses and changes nothing', async () => {
    const before = fingerprint(fx.roots);
    assert.deepEqual(await fx.store.deleteImage('image-a', { commit: false }), [top]);
    assert.deepEqual(await fx.store.deleteImage('image-b', { commit: false }), []);
    assert.equal(fingerprint(fx.roots), before);
  });

  test('commit removes the image and walks down until a layer is used elsewhere', async () => {
    assert.deepEqual(await fx.store.deleteImage('image-a'), [top]);
    assert.equal(await fx.store.exists('image-a'), false);
    assert.equal(await fx.store.exists(top), false);
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs', 'dir', top)), false);
    assert.deepEqual(await fx.store.deleteImage('image-b'), [mid, base]);
    assert.deepEqual(await fx.store.layers(), []);
  });

  test('a container keeps the image and its layers', async () => {
    const ctr = await fx.store.createContainer({ image: 'image-a' });
    await assert.rejects(fx.store.deleteImage('image-a'), (err) => isStorageError(err, 'image-used-by-container'));
    await fx.store.deleteContainer(ctr.id);
    assert.deepEqual(await fx.store.deleteImage('image-a', { commit: false }), [top]);
  });

  test('the image big-data directory goes with the image', async () => {
    await fx.store.setImageBigData('image-a', 'manifest', Buffer.from('{}'));
    const dir = join(fx.roots.graphRoot, 'vfs-images', (await fx.store.image('image-a')).id);
    assert.equal(existsSync(dir), true);
    await fx.store.deleteImage('image-a');
    assert.equal(existsSync(dir), false);
  });
});

describe('deleteLayer, deleteContainer, delete, wipe, garbageCollect', () => {
  let fx: StoreFixture;
  beforeEach(async () => {
    fx = await openFixture('vfs');
  });
  afterEach(async () => fx.temp.dispose());

  test('a layer named instead of given by ID still gets the safety checks (Go skips them)', async () => {
    const base = await fx.store.createLayer({ names: ['base'] });
    await fx.store.createLayer({ parent: base.id });
    await assert.rejects(fx.store.deleteLayer('base'), (err) => isStorageError(err, 'layer-has-children'));
    assert.equal(await fx.store.exists(base.id), true);
  });

  test('deleteLayer removes the record, driver directory, tar-split and big data', async () => {
    const layer = await fx.store.createLayer({ names: ['solo'] });
    await fx.store.setLayerBigData('solo', 'L/x', Buffer.from('data'));
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs-layers', layer.id, '=TC94')), true);
    await fx.store.deleteLayer('solo');
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs-layers', layer.id)), false);
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs', 'dir', layer.id)), false);
    assert.deepEqual(await fx.store.layers(), []);
  });

  test('deleteContainer removes its layer and both of its directories', async () => {
    await addBaseImage(fx.store);
    const ctr = await fx.store.createContainer({ names: ['c'], image: 'img' });
    await fx.store.setContainerDirectoryFile('c', 'config.json', Buffer.from('{}'));
    await fx.store.setContainerRunDirectoryFile('c', 'pidfile', Buffer.from('1'));
    await fx.store.deleteContainer('c');
    assert.equal(await fx.store.exists(ctr.layerId), false);
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs-containers', ctr.id)), false);
    assert.equal(existsSync(join(fx.roots.runRoot, 'vfs-containers', ctr.id)), false);
  });

  test('delete takes containers, then images, then layers, without safety checks', async () => {
    const base = await fx.store.createLayer({ names: ['shared'] });
    await fx.store.createImage({ names: ['shared'], layer: base.id });
    await fx.store.delete('shared');
    assert.deepEqual(await fx.store.images(), []);
    await fx.store.delete('shared');
    assert.deepEqual(await fx.store.layers(), []);
    await assert.rejects(fx.store.delete('shared'), (err) => isStorageError(err, 'layer-unknown'));
  });

  test('wipe leaves no record and no driver directory', async () => {
    await addBaseImage(fx.store);
    await fx.store.createContainer({ names: ['c'], image: 'img' });
    await fx.store.wipe();
    assert.deepEqual([await fx.store.layers(), await fx.store.images(), await fx.store.containers()], [[], [], []]);
    assert.deepEqual(readdirSync(join(fx.roots.graphRoot, 'vfs', 'dir')), []);
  });

  test('garbageCollect removes directories no record names, and only 64-hex ones', async () => {
    const stray = 'f'.repeat(64);
    const keep = 'not-an-id';
    for (const dir of ['vfs-containers', 'vfs-images']) {
      mkdirSync(join(fx.roots.graphRoot, dir, stray), { recursive: true });
      mkdirSync(join(fx.roots.graphRoot, dir, keep), { recursive: true });
    }
    mkdirSync(join(fx.roots.graphRoot, 'vfs', 'dir', stray), { recursive: true });
    const layer = await fx.store.createLayer();
    await fx.store.garbageCollect();
    for (const dir of ['vfs-containers', 'vfs-images']) {
      assert.equal(existsSync(join(fx.roots.graphRoot, dir, stray)), false);
      assert.equal(existsSync(join(fx.roots.graphRoot, dir, keep)), true);
    }
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs', 'dir', stray)), false);
    assert.equal(existsSync(join(fx.roots.graphRoot, 'vfs', 'dir', layer.id)), true);
  });
});
