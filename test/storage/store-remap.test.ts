// A store opened with default maps (storage.conf remap-uids/remap-gids):
// layers and containers made without maps of their own take them, as Go's
// putLayer and CreateContainer do, while containers keep only their own maps
// in their records.

import assert from 'node:assert/strict';
import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { openStore, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const UIDS = [{ containerId: 0, hostId: 100000, size: 65536 }];
const GIDS = [{ containerId: 0, hostId: 200000, size: 65536 }];

// On overlay with idmapped mounts turned off: layers stored shifted (the shifting layout: store-shifting.test.ts).
for (const driver of ['overlay', 'vfs'] as const) {
  describe(`a store with default maps (${driver}, layers stored shifted)`, () => {
    let temp: TempStore;
    let store: Store;
    before(async () => {
      temp = await makeTempStore('berth-remap-');
      store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver, uidMap: UIDS, gidMap: GIDS, disableIdmappedMounts: true });
    });
    after(async () => {
      await store.close();
      await temp.dispose();
    });

    test('a base layer takes the store\'s maps and stores its files shifted; a child of a host-mapped layer stays unmapped', async () => {
      const tar = new TarBuilder().file('owned', 'x', { uid: 1, gid: 2 }).toBuffer();
      const { layer } = await store.putLayer(Readable.from([tar]));
      assert.deepEqual([layer.uidMap, layer.gidMap], [UIDS, GIDS]);
      const root = await store.mount(layer.id);
      try {
        const st = lstatSync(join(root, 'owned'));
        assert.deepEqual([st.uid, st.gid], [100001, 200002]);
      } finally {
        await store.unmount(layer.id);
      }
      const host = await store.createLayer({ hostUidMapping: true, hostGidMapping: true });
      assert.deepEqual([host.uidMap, host.gidMap], [undefined, undefined]);
      const child = await store.createLayer({ parent: host.id });
      assert.deepEqual([child.uidMap, child.gidMap], [undefined, undefined]);
    });

    test('a container without an image gets a layer with the store\'s maps; its record keeps none, as Go\'s', async () => {
      const container = await store.createContainer({});
      assert.deepEqual([container.uidMap, container.gidMap], [undefined, undefined]);
      const layer = await store.layer(container.layerId);
      assert.deepEqual([layer.uidMap, layer.gidMap], [UIDS, GIDS]);
      const own = await store.createContainer({ uidMap: [{ containerId: 0, hostId: 300000, size: 10 }], gidMap: [{ containerId: 0, hostId: 300000, size: 10 }] });
      assert.deepEqual((await store.layer(own.layerId)).uidMap, [{ containerId: 0, hostId: 300000, size: 10 }]);
    });
  });
}
