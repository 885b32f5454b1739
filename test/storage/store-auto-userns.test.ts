// Automatic user namespaces (podman's --userns=auto, CRI user namespaces):
// createContainer({ autoUserNs }) takes ranges of the auto-userns user's
// subordinate IDs that no other container of the store uses, sized by the
// request or by what the image's files need, and stores the container's
// files with those host owners.

import assert from 'node:assert/strict';
import { lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isStorageError, openStore, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { fingerprint } from './store-fixture.js';

for (const driver of ['vfs', 'overlay'] as const) {
  describe(`automatic user namespaces (${driver})`, () => {
    let temp: TempStore;
    let store: Store;
    let image: string;
    before(async () => {
      temp = await makeTempStore('berth-auto-userns-');
      const subuid = join(temp.dir, 'subuid');
      const subgid = join(temp.dir, 'subgid');
      // Two ranges for the user, another user's range in between that must not be taken.
      writeFileSync(subuid, 'containers:100000:3000\nsomeone:103000:1000\ncontainers:200000:2000\n');
      writeFileSync(subgid, 'containers:500000:5000\n');
      store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver, subIdFiles: { subuid, subgid }, autoNsMinSize: 1024 });
      const tar = new TarBuilder().file('owned', 'x', { uid: 1500, gid: 7 }).file('root', 'y').toBuffer();
      const { layer } = await store.putLayer(Readable.from([tar]));
      image = (await store.createImage({ layer: layer.id, names: ['auto'] })).id;
    });
    after(async () => {
      await store.close();
      await temp.dispose();
    });

    test('containers get disjoint ranges, sized by what the image\'s files need, and their files those owners', async () => {
      // The image has an owner 1500: 1501 IDs, more than the minimum of 1024.
      const first = await store.createContainer({ image, autoUserNs: true });
      assert.deepEqual(first.uidMap, [{ containerId: 0, hostId: 100000, size: 1501 }]);
      assert.deepEqual(first.gidMap, [{ containerId: 0, hostId: 500000, size: 1501 }]);
      const root = await store.mount(first.id);
      try {
        const st = lstatSync(join(root, 'owned'));
        assert.deepEqual([st.uid, st.gid], [101500, 500007]);
      } finally {
        await store.unmount(first.id);
      }
      // The rest of the first range (1499 IDs) and then the second range: split maps.
      const second = await store.createContainer({ image, autoUserNs: true });
      assert.deepEqual(second.uidMap, [
        { containerId: 0, hostId: 101501, size: 1499 },
        { containerId: 1499, hostId: 200000, size: 2 },
      ]);
      assert.deepEqual(second.gidMap, [{ containerId: 0, hostId: 501501, size: 1501 }]);
    });

    test('a requested size and additional maps are honoured', async () => {
      // Container ID 999 is the host's 0 by request; 0…998 come from what is left free.
      const container = await store.createContainer({
        image,
        autoUserNs: true,
        autoUserNsOpts: { size: 1000, additionalUidMappings: [{ containerId: 999, hostId: 0, size: 1 }] },
      });
      assert.deepEqual(container.uidMap, [
        { containerId: 0, hostId: 200002, size: 999 },
        { containerId: 999, hostId: 0, size: 1 },
      ]);
      assert.deepEqual(container.gidMap, [{ containerId: 0, hostId: 503002, size: 1000 }]);
    });

    test('a namespace larger than what is left, or than the maximum, is refused and leaves nothing', async () => {
      const before = fingerprint({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver });
      await assert.rejects(store.createContainer({ image, autoUserNs: true, autoUserNsOpts: { size: 60000 } }), (err) => isStorageError(err, 'no-available-ids'));
      await assert.rejects(store.createContainer({ image, autoUserNs: true, autoUserNsOpts: { initialSize: 70000 } }), (err) => isStorageError(err, 'no-available-ids') && /bigger than the maximum/.test(err.message));
      assert.equal(fingerprint({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver }), before);
    });
  });
}
