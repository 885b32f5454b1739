// A store on overlay where idmapped lowers work (this kernel): containers
// with maps get no remapped copy of the image's layers, layers are stored
// without maps, and mounting a container applies its maps (containers/storage
// v1.50.2's canUseShifting). Maps that are not one contiguous range, and a
// store with idmapped mounts turned off, keep the chowned copies.

import assert from 'node:assert/strict';
import { chownSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isStorageError, openStore, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, mountPointsUnder, ownerOf, type TempStore } from '../helpers/temp-store.js';

const UIDS = [{ containerId: 0, hostId: 100000, size: 65536 }];
const GIDS = [{ containerId: 0, hostId: 200000, size: 65536 }];

describe('containers with maps on overlay that shifts', () => {
  let temp: TempStore;
  let store: Store;
  let image: string;
  let topLayer: string;
  const overlayHome = () => join(temp.graphRoot, 'overlay');
  const layerMounts = async () => (await mountPointsUnder(temp.dir)).filter((m) => m !== overlayHome());

  before(async () => {
    temp = await makeTempStore('berth-shifting-');
    store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay' });
    const tar = new TarBuilder().dir('etc').file('etc/f', 'root').file('owned', 'x', { uid: 1000, gid: 7 }).toBuffer();
    const { layer } = await store.putLayer(Readable.from([tar]));
    topLayer = layer.id;
    image = (await store.createImage({ layer: layer.id, names: ['shifted'] })).id;
  });
  after(async () => {
    await store.close();
    await temp.dispose();
  });

  test('createContainer makes only the container\'s layer, without maps, on the image\'s own top layer; the record keeps the maps', async () => {
    const container = await store.createContainer({ image, uidMap: UIDS, gidMap: GIDS });
    assert.deepEqual([container.uidMap, container.gidMap], [UIDS, GIDS]);
    const layer = await store.layer(container.layerId);
    assert.deepEqual([layer.parent, layer.uidMap, layer.gidMap], [topLayer, undefined, undefined]);
    assert.equal((await store.image(image)).mappedTopLayers, undefined);
    assert.deepEqual((await store.layers()).map((l) => l.id).sort(), [topLayer, container.layerId].sort());
    // No chowned copy on disk: the layer dirs are the image's and the container's, the image's files as the tar had them.
    assert.deepEqual(readdirSync(overlayHome()).filter((name) => name.length === 64).sort(), [topLayer, container.layerId].sort());
    assert.equal(ownerOf(join(overlayHome(), topLayer, 'diff', 'owned')), '1000:7');
    await store.deleteContainer(container.id);
  });

  test('mounting the container shows the image\'s files through its maps; writes land in its upper dir; unmount leaves no mount', async () => {
    const container = await store.createContainer({ image, uidMap: UIDS, gidMap: GIDS });
    const root = await store.mount(container.id);
    try {
      assert.deepEqual([ownerOf(join(root, 'owned')), ownerOf(join(root, 'etc', 'f')), ownerOf(root)], ['101000:200007', '100000:200000', '100000:200000']);
      writeFileSync(join(root, 'written'), 'y');
      chownSync(join(root, 'written'), 100001, 200001);
      const upper = join(overlayHome(), container.layerId, 'diff');
      assert.equal(ownerOf(join(upper, 'written')), '100001:200001');
      assert.deepEqual(await layerMounts(), [root]);
    } finally {
      await store.unmount(container.id);
    }
    assert.deepEqual(await layerMounts(), []);
    // Mounting the image's layer itself (no container, no maps) shows the host's owners.
    const plain = await store.mount(topLayer);
    try {
      assert.equal(ownerOf(join(plain, 'owned')), '1000:7');
    } finally {
      await store.unmount(topLayer);
    }
    await store.deleteContainer(container.id);
  });

  test('maps that are not one contiguous range get a remapped copy, registered on the image, as without shifting', async () => {
    const uidMap = [{ containerId: 0, hostId: 300000, size: 1 }, { containerId: 1, hostId: 400000, size: 65535 }];
    const container = await store.createContainer({ image, uidMap, gidMap: GIDS });
    const layer = await store.layer(container.layerId);
    assert.deepEqual(layer.uidMap, uidMap);
    const mapped = (await store.image(image)).mappedTopLayers;
    assert.equal(mapped?.length, 1);
    assert.equal(layer.parent, mapped![0]);
    assert.equal(ownerOf(join(overlayHome(), mapped![0]!, 'diff1', 'owned')), '400999:200007', 'a chowned copy (UpdateLayerIDMap keeps it as diff1)');
    const root = await store.mount(container.id);
    try {
      assert.equal(ownerOf(join(root, 'owned')), '400999:200007', 'stored shifted, mounted as it is');
    } finally {
      await store.unmount(container.id);
    }
    await store.deleteContainer(container.id);
  });

  test('layers are stored with the host\'s IDs and no maps, whatever maps they are given (Go\'s PutLayer)', async () => {
    const tar = new TarBuilder().file('one', '1', { uid: 1, gid: 2 }).toBuffer();
    const { layer } = await store.putLayer(Readable.from([tar]), { uidMap: UIDS, gidMap: GIDS });
    assert.deepEqual([layer.uidMap, layer.gidMap], [undefined, undefined]);
    assert.equal(ownerOf(join(overlayHome(), layer.id, 'diff', 'one')), '1:2');
    await store.deleteLayer(layer.id);
  });

  test('a container made shifted does not mount on a store with idmapped mounts turned off (Go: shifting not enabled)', async () => {
    const container = await store.createContainer({ image, uidMap: UIDS, gidMap: GIDS });
    const unshifted = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay', disableIdmappedMounts: true });
    try {
      await assert.rejects(unshifted.mount(container.id), (err) => isStorageError(err, 'not-supported') && err.message.includes(`cannot mount layer ${container.layerId}: shifting not enabled`));
      // There, a new container gets the chowned copy of the image's top layer.
      const copied = await unshifted.createContainer({ image, uidMap: UIDS, gidMap: GIDS });
      assert.deepEqual((await unshifted.layer(copied.layerId)).uidMap, UIDS);
      assert.equal((await unshifted.image(image)).mappedTopLayers?.length, 2);
      await unshifted.deleteContainer(copied.id);
    } finally {
      await unshifted.close();
    }
    assert.deepEqual(await layerMounts(), []);
    await store.deleteContainer(container.id);
  });
});
