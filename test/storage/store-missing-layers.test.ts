// Records that point at a layer that is already gone, as a mixed load of
// Berth and Go writers can leave them: deleting an image whose top layer was
// a deleted container's layer fails as Go's DeleteImage fails, and mounting a
// container whose lower layer is gone names that layer.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError } from '../../src/storage/index.js';
import { openFixture, type StoreFixture } from './store-fixture.js';

describe("deleteImage of an image whose top layer is gone (a deleted container's layer)", () => {
  let fx: StoreFixture;
  let image: string;
  let goneLayer: string;
  before(async () => {
    fx = await openFixture('overlay');
    const container = await fx.store.createContainer();
    goneLayer = container.layerId;
    image = (await fx.store.createImage({ names: ['on-a-container-layer'], layer: goneLayer })).id;
    await fx.store.deleteContainer(container.id);
  });
  after(async () => fx.temp.dispose());

  test('the dry run lists the missing layer, as Go does, and changes nothing', async () => {
    assert.deepEqual(await fx.store.deleteImage(image, { commit: false }), [goneLayer]);
    assert.equal(await fx.store.exists(image), true);
  });

  test("commit removes the image record, then fails with layer-unknown naming no path (Go: 'layer not known')", async () => {
    await assert.rejects(fx.store.deleteImage(image), (err) => {
      assert.ok(isStorageError(err, 'layer-unknown'));
      assert.equal(err.message, 'layer not known');
      assert.equal(err.detail.id, goneLayer);
      return true;
    });
    assert.equal(await fx.store.exists(image), false);
    await assert.rejects(fx.store.deleteImage(image), (err) => isStorageError(err, 'not-an-image'));
  });
});

describe('mounting a container whose lower layer is gone (overlay)', () => {
  let fx: StoreFixture;
  before(async () => {
    fx = await openFixture('overlay');
  });
  after(async () => fx.temp.dispose());

  async function containerOnLayerChain(): Promise<{ container: string; layer: string; lower: string }> {
    const lower = (await fx.store.createLayer()).id;
    const middle = (await fx.store.createLayer({ parent: lower })).id;
    const image = (await fx.store.createImage({ layer: middle })).id;
    const container = await fx.store.createContainer({ image });
    return { container: container.id, layer: container.layerId, lower };
  }

  test('a lower layer deleted without safety checks is named in a typed error', async () => {
    const { container, layer, lower } = await containerOnLayerChain();
    await fx.store.delete(lower);
    await assert.rejects(fx.store.mount(container), (err) => {
      assert.ok(isStorageError(err, 'layer-missing'), String(err));
      assert.equal(err.message, `mounting layer ${layer}: lower layer ${lower}: no record of it is left: layer is missing`);
      assert.deepEqual([err.detail.id, err.detail.lower], [layer, lower]);
      return true;
    });
  });

  test('a lower layer whose driver directory was removed is named too', async () => {
    const { container, layer, lower } = await containerOnLayerChain();
    rmSync(join(fx.roots.graphRoot, 'overlay', lower), { recursive: true, force: true });
    await assert.rejects(fx.store.mount(container), (err) => {
      assert.ok(isStorageError(err, 'layer-missing'), String(err));
      assert.equal(err.message, `mounting layer ${layer}: lower layer ${lower}: its driver directory is gone: layer is missing`);
      return true;
    });
    assert.equal(await fx.store.mounted(container), 0);
  });
});
