// Automatic user namespaces (podman's --userns=auto, CRI user namespaces):
// createContainer({ autoUserNs }) takes ranges of the auto-userns user's
// subordinate IDs that no other container of the store uses, sized by the
// request or by what the image's files need, and stores the container's
// files with those host owners.

import assert from 'node:assert/strict';
import { chownSync, lstatSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { isStorageError, openStore, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { fingerprint as storeFingerprint } from './store-fixture.js';

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
      // Sizing by the image mounts a scratch layer and deletes it: only write marks change (and, on vfs,
      // the owner of `dir/`, which Go's vfs create gives to each new layer's root, the scratch layer's too).
      const fingerprint = (roots: Parameters<typeof storeFingerprint>[0]) => storeFingerprint(roots, { ignoreWriteMarks: true });
      if (driver === 'vfs') chownSync(join(temp.graphRoot, 'vfs', 'dir'), 0, 0);
      const before = fingerprint({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver });
      await assert.rejects(store.createContainer({ image, autoUserNs: true, autoUserNsOpts: { size: 60000 } }), (err) => isStorageError(err, 'no-available-ids'));
      await assert.rejects(store.createContainer({ image, autoUserNs: true, autoUserNsOpts: { initialSize: 70000 } }), (err) => isStorageError(err, 'no-available-ids') && /bigger than the maximum/.test(err.message));
      assert.equal(fingerprint({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver }), before);
    });
  });
}

describe('automatic user namespaces sized by the image\'s /etc/passwd and /etc/group', () => {
  let temp: TempStore;
  let store: Store;
  const imageWith = async (files: Record<string, string>, name: string) => {
    const tar = new TarBuilder().dir('etc').file('owned', 'x', { uid: 1000, gid: 1000 });
    for (const [path, text] of Object.entries(files)) tar.file(path, text);
    const { layer } = await store.putLayer(Readable.from([tar.toBuffer()]));
    return (await store.createImage({ layer: layer.id, names: [name] })).id;
  };
  before(async () => {
    temp = await makeTempStore('berth-auto-userns-passwd-');
    const subuid = join(temp.dir, 'subuid');
    const subgid = join(temp.dir, 'subgid');
    writeFileSync(subuid, 'containers:100000:65536\n');
    writeFileSync(subgid, 'containers:100000:65536\n');
    store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay', subIdFiles: { subuid, subgid } });
  });
  after(async () => {
    await store.close();
    await temp.dispose();
  });

  test('a user of the image\'s /etc/passwd with uid 5000 sizes the namespace 5000 (Go\'s highest ID, not one more); nobody does not count', async () => {
    const passwd = 'root:x:0:0:root:/root:/bin/sh\napp:x:5000:1200::/home/app:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n  \nbad:x:notanumber:+70\n';
    const image = await imageWith({ 'etc/passwd': passwd }, 'passwd');
    const layersBefore = new Set((await store.layers()).map((layer) => layer.id));
    const container = await store.createContainer({ image, autoUserNs: true });
    assert.deepEqual(container.uidMap, [{ containerId: 0, hostId: 100000, size: 5000 }]);
    // New: the container's layer only, on the image's top layer (overlay shifts here: no mapped copy);
    // the scratch layer the files were read through is gone.
    const made = (await store.layers()).filter((layer) => !layersBefore.has(layer.id)).map((layer) => layer.id);
    assert.deepEqual(made, [container.layerId]);
    assert.equal((await store.layer(container.layerId)).parent, (await store.image(image)).topLayer);
    assert.deepEqual(await store.mounted(container.layerId), 0);
    await store.deleteContainer(container.id);
  });

  test('a group of the image\'s /etc/group counts too, and given files replace the image\'s', async () => {
    const image = await imageWith({ 'etc/passwd': 'root:x:0:0::/:/bin/sh\n', 'etc/group': 'root:x:0:\nstaff:x:7000:app\nnogroup:x:65534:\n' }, 'group');
    const container = await store.createContainer({ image, autoUserNs: true });
    assert.deepEqual(container.gidMap, [{ containerId: 0, hostId: 100000, size: 7000 }]);
    await store.deleteContainer(container.id);
    const passwdFile = join(temp.dir, 'passwd');
    writeFileSync(passwdFile, 'app:x:3000:3000::/:/bin/sh\n');
    const given = await store.createContainer({ image, autoUserNs: true, autoUserNsOpts: { passwdFile } });
    assert.deepEqual(given.uidMap, [{ containerId: 0, hostId: 100000, size: 7000 }], 'the image\'s group file still counts');
    await store.deleteContainer(given.id);
  });
});
