// The ImageServer of seed 001 through the library: list, status, prepare,
// pull with resolved candidates, untag, resolve names, remove with the
// store's safety checks, tag, inspect, prune, tree and history.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageServer, isImageError } from '../../src/image/index.js';
import type { Store } from '../../src/storage/index.js';
import { openTestStore } from '../helpers/berth.js';
import { writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { threeLayerImage } from './helpers.js';

describe('ImageServer', () => {
  let temp: TempStore;
  let store: Store;
  let server: ImageServer;
  let image: OciImage;
  let layout: string;
  let id: string;

  before(async () => {
    temp = await makeTempStore('berth-image-server-');
    store = await openTestStore(temp);
    image = threeLayerImage();
    layout = join(temp.dir, 'layout');
    await writeOciLayout(layout, image, 'v1');
    id = image.configDigest.slice(7);
    // Short names resolve to two layouts: the first does not exist, the second does.
    server = new ImageServer(store, { resolveShortName: (name) => [`oci:${join(temp.dir, 'missing')}:${name}`, `oci:${layout}:${name}`] });
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('resolveNames refuses an image ID and keeps a transport reference as it is', async () => {
    await assert.rejects(server.resolveNames(id), (err) => isImageError(err, 'invalid-reference') && /cannot parse an image ID/.test(err.message));
    assert.deepEqual(await server.resolveNames(`oci:${layout}:v1`), [`oci:${layout}:v1`]);
    assert.equal((await server.resolveNames('v1')).length, 2);
  });

  it('prepareImage reads the manifest and config without storing anything', async () => {
    const prepared = await server.prepareImage(`oci:${layout}:v1`);
    try {
      assert.equal(prepared.manifestDigest, image.manifestDigest);
      assert.equal(prepared.configDigest, image.configDigest);
      assert.deepEqual(prepared.config.rootfs.diff_ids, image.diffIds);
    } finally {
      await prepared.close();
    }
    assert.deepEqual(await store.images(), []);
  });

  it('pullImage tries the resolved candidates in order and names the image as asked', async () => {
    const pulled = await server.pullImage('v1', { name: 'localhost/served:v1' });
    assert.deepEqual(pulled, { name: 'localhost/served:v1', id, manifestDigest: image.manifestDigest });
    const broken = new ImageServer(store, { resolveShortName: () => [`oci:${join(temp.dir, 'a')}:x`, `oci:${join(temp.dir, 'b')}:x`] });
    await assert.rejects(broken.pullImage('x'), (err) => isImageError(err, 'image-unknown') && err.message.includes('/a') && err.message.includes('/b'));
  });

  it('listImages and imageStatus report names, digests, size and the config', async () => {
    const [listed] = await server.listImages();
    assert.equal(listed?.id, id);
    assert.deepEqual(listed?.repoTags, ['localhost/served:v1']);
    assert.deepEqual(listed?.repoDigests, [`localhost/served@${image.manifestDigest}`]);
    assert.ok((listed?.size ?? 0) > 200_000);
    const status = await server.imageStatus('localhost/served:v1');
    assert.equal(status.configDigest, image.configDigest);
    assert.deepEqual(status.ociConfig?.rootfs.diff_ids, image.diffIds);
    assert.equal((await server.imageStatus(image.manifestDigest)).id, id);
    await assert.rejects(server.imageStatus('localhost/nothing:1'), (err) => isImageError(err, 'image-unknown'));
  });

  it('tagImage, imageTree and imageHistory', async () => {
    assert.equal(await server.tagImage(id, 'served:2'), 'docker.io/library/served:2');
    const tree = await server.imageTree('served:2');
    assert.equal(tree.layers.length, 3);
    assert.deepEqual(tree.layers.at(-1)?.tags.sort(), ['docker.io/library/served:2', 'localhost/served:v1']);
    const history = await server.imageHistory(id);
    assert.equal(history.length, 3);
    assert.equal(history[0]?.id, id);
  });

  it('removeImage refuses an image a container uses and a multiply-named image by ID; untagImage of the last name removes it', async () => {
    const container = await store.createContainer({ image: id });
    await assert.rejects(server.removeImage(id, { force: false }), (err) => isImageError(err, 'image-multiply-tagged'));
    await server.untagImage('served:2');
    await assert.rejects(server.removeImage(id), (err) => isImageError(err, 'image-used'));
    await store.deleteContainer(container.id);
    await server.untagImage('localhost/served:v1');
    assert.deepEqual(await store.images(), []);
    assert.deepEqual(await store.layers(), []);
  });

  it('the package entry exports the ImageServer and the copy pipeline', async () => {
    const entry = await import('../../src/index.js');
    assert.equal(entry.ImageServer, ImageServer);
    assert.equal(typeof entry.copyImage, 'function');
    assert.equal(typeof entry.parseImageReference, 'function');
  });

  it('pruneImages removes unnamed images no container uses', async () => {
    await server.pullImage(`oci:${layout}:v1`, { name: 'localhost/keep:1' });
    await store.setNames(id, []);
    const container = await store.createContainer({ image: id });
    assert.deepEqual(await server.pruneImages(), []);
    await store.deleteContainer(container.id);
    assert.deepEqual(await server.pruneImages(), [id]);
    assert.deepEqual(await store.images(), []);
  });
});
