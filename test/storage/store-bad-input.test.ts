// Issue 2 "Bad input": each refused call gives its typed error and leaves
// every byte under both roots (JSON, lock tokens, driver dirs) as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isStorageError, type StorageErrorCode } from '../../src/storage/index.js';
import { fingerprint, openFixture, type StoreFixture } from './store-fixture.js';

describe('refused input changes nothing on disk', () => {
  let fx: StoreFixture;
  let base: string;
  let top: string;
  let imageId: string;
  let containerId: string;

  before(async () => {
    fx = await openFixture('vfs');
    base = (await fx.store.createLayer({ names: ['base'] })).id;
    top = (await fx.store.createLayer({ parent: base, names: ['top'] })).id;
    await fx.store.createLayer({ id: 'aaaa' });
    await fx.store.createLayer({ id: 'aaab' });
    await fx.store.createImage({ names: ['solo-image'], layer: (await fx.store.createLayer({ names: ['solo'] })).id });
    imageId = (await fx.store.createImage({ names: ['img'], layer: top })).id;
    containerId = (await fx.store.createContainer({ names: ['ctr'], image: 'img' })).id;
  });
  after(async () => fx.temp.dispose());

  async function refused(code: StorageErrorCode, call: () => Promise<unknown>, message?: RegExp): Promise<void> {
    const before = fingerprint(fx.roots);
    await assert.rejects(call, (err: unknown) => {
      assert.ok(isStorageError(err, code), `expected ${code}, got ${String(err)}`);
      if (message) assert.match((err as Error).message, message);
      return true;
    });
    assert.equal(fingerprint(fx.roots), before, 'the store changed on disk');
  }

  test('unknown IDs', async () => {
    await refused('layer-unknown', () => fx.store.layer('nosuch'));
    await refused('image-unknown', () => fx.store.image('nosuch'));
    await refused('container-unknown', () => fx.store.container('nosuch'));
    await refused('not-a-layer', () => fx.store.deleteLayer('nosuch'), /^nosuch: identifier is not a layer$/);
    await refused('not-an-image', () => fx.store.deleteImage('nosuch'));
    await refused('not-a-container', () => fx.store.deleteContainer('nosuch'));
    await refused('layer-unknown', () => fx.store.createImage({ layer: 'nosuch' }));
    await refused('image-unknown', () => fx.store.createContainer({ image: 'nosuch' }), /locating image with ID "nosuch": image not known/);
    await refused('layer-unknown', () => fx.store.createLayer({ parent: 'nosuch' }));
    await refused('layer-unknown', () => fx.store.setNames('nosuch', ['x']));
    await refused('not-an-id', () => fx.store.setMetadata('nosuch', 'm'));
    await refused('layer-unknown', () => fx.store.lookup('nosuch'));
  });

  test('an ambiguous ID prefix is not found', async () => {
    await refused('layer-unknown', () => fx.store.layer('aaa'));
    await refused('not-a-layer', () => fx.store.deleteLayer('aaa'));
    assert.equal((await fx.store.layer('aaaa')).id, 'aaaa');
  });

  test('duplicate IDs and names', async () => {
    await refused('duplicate-name', () => fx.store.createLayer({ names: ['base'] }));
    await refused('duplicate-id', () => fx.store.createLayer({ id: base }));
    await refused('duplicate-name', () => fx.store.createImage({ names: ['img'], layer: top }), /image name "img" is already associated with image/);
    await refused('duplicate-id', () => fx.store.createImage({ id: imageId, layer: top }), /an image with ID ".*" already exists/);
    await refused('duplicate-name', () => fx.store.createContainer({ names: ['ctr'], image: 'img' }),
      /the container name "ctr" is already in use by .*\. You have to remove that container to be able to reuse that name: that name is already in use/);
    await refused('duplicate-id', () => fx.store.createContainer({ id: containerId, image: 'img' }));
  });

  test('names that are not valid', async () => {
    for (const name of ['', 'a\0b', 'tab\there', 'nl\n']) {
      await refused('invalid-name', () => fx.store.createLayer({ names: [name] }));
      await refused('invalid-name', () => fx.store.createImage({ names: [name], layer: top }));
      await refused('invalid-name', () => fx.store.createContainer({ names: [name], image: 'img' }));
      await refused('invalid-name', () => fx.store.addNames(imageId, [name]));
    }
  });

  test('IDs that are not safe path components', async () => {
    for (const id of ['', 'dd/dd', '..', '.hidden', 'cc cc', 'a\0b', 'layers.json', 'l', '../../etc']) {
      await refused('invalid-id', () => fx.store.createLayer({ id }));
      await refused('invalid-id', () => fx.store.createImage({ id, layer: top }));
      await refused('invalid-id', () => fx.store.createContainer({ id, image: 'img' }));
    }
  });

  test('deleting a layer in use, also when it is named instead of given by ID', async () => {
    await refused('layer-has-children', () => fx.store.deleteLayer(base), /used by layer .*: layer has children/);
    await refused('layer-has-children', () => fx.store.deleteLayer('base'));
    await refused('layer-used-by-image', () => fx.store.deleteLayer('solo'), /layer .* used by image .*: layer is in use by an image/);
    const ctr = await fx.store.container(containerId);
    await refused('layer-used-by-container', () => fx.store.deleteLayer(ctr.layerId), /used by container/);
    await refused('image-used-by-container', () => fx.store.deleteImage('img'), /image used by .*: image is in use by a container/);
    await refused('parent-is-container', () => fx.store.createLayer({ parent: ctr.layerId }));
  });

  test('an empty big-data key', async () => {
    await refused('invalid-big-data-name', () => fx.store.setImageBigData(imageId, '', Buffer.from('x')),
      /can't set empty name for image big data item: not a valid name for a big data item/);
    await refused('invalid-big-data-name', () => fx.store.setContainerBigData(containerId, '', Buffer.from('x')));
    await refused('invalid-big-data-name', () => fx.store.setLayerBigData(base, '', Buffer.from('x')));
    await refused('invalid-big-data-name', () => fx.store.createImage({ layer: top, bigData: [{ key: '', data: Buffer.from('x') }] }));
    await refused('invalid-big-data-name', () => fx.store.createContainer({ image: 'img', bigData: [{ key: '', data: Buffer.from('x') }] }));
  });

  test('an unknown big-data key', async () => {
    await refused('big-data-unknown', () => fx.store.imageBigData(imageId, 'k'),
      /locating item named "k" for image with ID ".*" \(consider removing the image to resolve the issue\): file does not exist/);
    await refused('big-data-unknown', () => fx.store.containerBigData(containerId, 'k'));
    await refused('big-data-unknown', () => fx.store.layerBigData(base, 'k'));
  });

  test('container files outside the container directory', async () => {
    await refused('invalid-path', () => fx.store.setContainerDirectoryFile(containerId, '../../escape', Buffer.from('x')));
    await refused('invalid-path', () => fx.store.fromContainerRunDirectory(containerId, '/etc/passwd'));
  });
});
