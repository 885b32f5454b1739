// Names, metadata, big data, lookups and sizes of layers, images and
// containers through the Store, checked in the records and on disk.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readAll } from '../helpers/streams.js';
import { openFixture, readJson, type StoreFixture } from './store-fixture.js';

describe('records through the Store', () => {
  let fx: StoreFixture;
  let base: string;
  let imageId: string;
  before(async () => {
    fx = await openFixture('vfs');
    base = (await fx.store.createLayer({ names: ['base'] })).id;
    imageId = (await fx.store.createImage({ names: ['img'], layer: base, metadata: 'meta' })).id;
  });
  after(async () => fx.temp.dispose());

  test('set and add names take a name from the record that had it; add puts new names first', async () => {
    const other = (await fx.store.createImage({ names: ['other'], layer: base })).id;
    await fx.store.addNames(imageId, ['x', 'y']);
    assert.deepEqual(await fx.store.names(imageId), ['x', 'y', 'img']);
    await fx.store.setNames(other, ['other', 'x']);
    assert.deepEqual(await fx.store.names(imageId), ['y', 'img']);
    await fx.store.removeNames(imageId, ['y']);
    assert.deepEqual(await fx.store.names(imageId), ['img']);
    const image = await fx.store.image(other);
    assert.deepEqual(image.namesHistory, ['x', 'other']);
    await fx.store.deleteImage(other);
  });

  test('metadata of each kind of record', async () => {
    await fx.store.setMetadata(base, 'layer meta');
    assert.equal(await fx.store.metadata('base'), 'layer meta');
    assert.equal(await fx.store.metadata('img'), 'meta');
    await fx.store.setMetadata('img', '');
    assert.equal(await fx.store.metadata('img'), '');
  });

  test('image big data: file, size, digest, the digestManifest callback and the image digest', async () => {
    const manifest = Buffer.from('{"schemaVersion":2}');
    await fx.store.setImageBigData(imageId, 'manifest-sha256:abc', manifest, { digestManifest: () => 'sha256:' + 'e'.repeat(64) });
    await fx.store.setImageBigData(imageId, 'config', Buffer.from('cfg'));
    assert.deepEqual(await fx.store.listImageBigData(imageId), ['manifest-sha256:abc', 'config']);
    assert.deepEqual(await fx.store.imageBigData(imageId, 'config'), Buffer.from('cfg'));
    assert.equal(await fx.store.imageBigDataSize(imageId, 'config'), 3);
    assert.equal(await fx.store.imageBigDataDigest(imageId, 'config'), 'sha256:' + createHash('sha256').update('cfg').digest('hex'));
    const image = await fx.store.image(imageId);
    assert.equal(image.digest, 'sha256:' + 'e'.repeat(64));
    assert.deepEqual((await fx.store.imagesByDigest('sha256:' + 'e'.repeat(64))).map((i) => i.id), [imageId]);
    const file = join(fx.roots.graphRoot, 'vfs-images', imageId, '=' + Buffer.from('manifest-sha256:abc').toString('base64'));
    assert.deepEqual(readFileSync(file), manifest);
    assert.match(readJson(join(fx.roots.graphRoot, 'vfs-images', 'images.json')), /"digest":"sha256:e{64}"/);
  });

  test('rewriting an item with the same bytes does not rewrite images.json', async () => {
    const path = join(fx.roots.graphRoot, 'vfs-images', 'images.json');
    const before = readFileSync(path);
    await fx.store.setImageBigData(imageId, 'config', Buffer.from('cfg'));
    assert.deepEqual(readFileSync(path), before);
  });

  test('imageSize adds the layers and the big data', async () => {
    assert.equal(await fx.store.imageSize(imageId), (await fx.store.layerSize(base)) + 3 + Buffer.from('{"schemaVersion":2}').length);
  });

  test('layer big data is a stream, listed by name only', async () => {
    await fx.store.setLayerBigData(base, 'ldata', Buffer.from('layer data'));
    assert.deepEqual(await fx.store.listLayerBigData(base), ['ldata']);
    assert.equal((await readAll(await fx.store.layerBigData(base, 'ldata'))).toString(), 'layer data');
  });

  test('a container: flags, lookups by name, prefix and layer, big data, directories and size', async () => {
    const ctr = await fx.store.createContainer({ names: ['web'], image: 'img', metadata: 'cmeta', mountOpts: ['nodev'] });
    assert.deepEqual(ctr.flags, { MountLabel: '', ProcessLabel: '', MountOpts: ['nodev'] });
    assert.equal((await fx.store.layer(ctr.layerId)).parent, base);
    assert.equal((await fx.store.container(ctr.id.slice(0, 10))).id, ctr.id);
    assert.equal((await fx.store.container(ctr.layerId)).id, ctr.id);
    assert.equal((await fx.store.containerByLayer(ctr.layerId)).id, ctr.id);
    assert.equal(await fx.store.lookup('web'), ctr.id);
    await fx.store.setContainerBigData('web', 'state', Buffer.from('12345'));
    assert.equal(await fx.store.containerBigDataSize('web', 'state'), 5);
    assert.deepEqual(await fx.store.containerBigData('web', 'state'), Buffer.from('12345'));
    const dir = await fx.store.containerDirectory('web');
    assert.equal(dir, join(fx.roots.graphRoot, 'vfs-containers', ctr.id, 'userdata'));
    await fx.store.setContainerDirectoryFile('web', 'sub/file', Buffer.from('abc'));
    assert.deepEqual(await fx.store.fromContainerDirectory('web', 'sub/file'), Buffer.from('abc'));
    const runDir = await fx.store.containerRunDirectory('web');
    assert.equal(runDir, join(fx.roots.runRoot, 'vfs-containers', ctr.id, 'userdata'));
    await fx.store.setContainerRunDirectoryFile('web', 'pid', Buffer.from('42'));
    assert.equal(existsSync(join(runDir, 'pid')), true);
    assert.equal(await fx.store.containerSize('web'), (await fx.store.diffSize(ctr.layerId)) + 5 + 3 + 2);
  });

  test('lookup tries layers, then images, then containers; exists follows it', async () => {
    assert.equal(await fx.store.lookup('base'), base);
    assert.equal(await fx.store.lookup('img'), imageId);
    assert.equal(await fx.store.exists('nosuch'), false);
    assert.deepEqual((await fx.store.imagesByTopLayer('base')).map((i) => i.id), [imageId]);
  });
});
