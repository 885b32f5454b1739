// Overlay shifting a container's IDs at mount time (containers/storage
// v1.50.2's idmapped lowers): the support probe and its cache, the mount's
// idmapped lowers and directory owners, writes through the mount, and no
// mount left behind; the addon's user namespace and idmapped mount calls.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chownSync, closeSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { IdMappings } from '../../src/idmap/index.js';
import { createDriver, isDriverError, type Driver } from '../../src/storage/drivers/index.js';
import { idmappedBind, userNamespaceFd } from '../../src/storage/drivers/mount-syscalls.js';
import { makeTempStore, mountPointsUnder, ownerOf, type TempStore } from '../helpers/temp-store.js';
import { buildTar } from './tar-builder.js';

const MAPS = new IdMappings([{ containerId: 0, hostId: 100000, size: 65536 }], [{ containerId: 0, hostId: 200000, size: 65536 }]);
/** This process's children that are still around (running or unreaped). */
const children = () => readdirSync('/proc/self/task').flatMap((task) => readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' ').filter(Boolean));

describe('overlay shifting with idmapped lowers', () => {
  let temp: TempStore;
  let driver: Driver;
  let home: string;
  const base = 'a'.repeat(64);
  const container = 'b'.repeat(64);
  /** Mount points under the store other than the home's own bind mount. */
  const layerMounts = async () => (await mountPointsUnder(temp.dir)).filter((m) => m !== home);

  before(async () => {
    temp = await makeTempStore('berth-overlay-shift-');
    driver = await createDriver('overlay', { graphRoot: temp.graphRoot, runRoot: temp.runRoot, options: [] });
    home = path.join(temp.graphRoot, 'overlay');
    await driver.create(base, undefined);
    await driver.applyDiff(base, undefined, Readable.from([buildTar([
      { name: 'etc/', type: 'dir' },
      { name: 'etc/f', content: 'root' },
      { name: 'home/', type: 'dir' },
      { name: 'home/u', content: 'user', uid: 1000, gid: 1001 },
    ])]));
    await driver.create(container, base);
  });
  after(async () => {
    await driver.cleanup();
    await temp.dispose();
  });

  test('support is probed once, with no mount or scratch directory left, and cached where the Go driver caches it', async () => {
    assert.equal(existsSync(path.join(temp.runRoot, 'overlay', 'idmapped-lower-dir-true')), false, 'not probed at init');
    assert.equal(await driver.supportsShifting(), true);
    assert.equal(readFileSync(path.join(temp.runRoot, 'overlay', 'idmapped-lower-dir-true'), 'utf8'), '');
    assert.deepEqual(await layerMounts(), []);
    assert.deepEqual(readdirSync(home).filter((name) => name.startsWith('compat')), []);
    // A second driver reads the cache; with _CONTAINERS_OVERLAY_DISABLE_IDMAP's option it does not shift.
    const disabled = await createDriver('overlay', { graphRoot: temp.graphRoot, runRoot: temp.runRoot, options: ['overlay.skip_mount_home=true'], disableIdmappedMounts: true });
    assert.equal(await disabled.supportsShifting(), false);
  });

  test('a mount with maps shows the lower files through them; diff and merged belong to the maps\' root; no idmapped mount outlives the overlay', async () => {
    const merged = await driver.mount(container, { idMappings: MAPS });
    try {
      assert.equal(ownerOf(path.join(merged, 'etc', 'f')), '100000:200000');
      assert.equal(ownerOf(path.join(merged, 'home', 'u')), '101000:201001');
      assert.equal(ownerOf(path.join(home, container, 'diff')), '100000:200000');
      assert.equal(ownerOf(merged), '100000:200000');
      // The lowers are idmapped clones of the home on <id>/mapped/0, already detached: only the overlay is mounted.
      assert.deepEqual(await layerMounts(), [merged]);
      const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4] === merged)!;
      assert.match(line, new RegExp(`lowerdir=${home}/${container}/mapped/0/l/[A-Z2-7]{26}[,\\s]`));
      assert.deepEqual(readdirSync(path.join(home, container, 'mapped')), ['0']);
      // The image layer's own files keep the host's owners on disk.
      assert.equal(ownerOf(path.join(home, base, 'diff', 'home', 'u')), '1000:1001');
      // Writes land in the upper dir with the host IDs they are given.
      writeFileSync(path.join(merged, 'new'), 'x');
      chownSync(path.join(merged, 'new'), 100007, 200007);
      chownSync(path.join(merged, 'etc', 'f'), 100005, 200005);
      assert.equal(ownerOf(path.join(home, container, 'diff', 'new')), '100007:200007');
      assert.equal(ownerOf(path.join(home, container, 'diff', 'etc', 'f')), '100005:200005');
      assert.equal(ownerOf(path.join(home, base, 'diff', 'etc', 'f')), '0:0', 'the copy-up leaves the lower alone');
    } finally {
      await driver.unmount(container);
    }
    assert.deepEqual(await layerMounts(), []);
    assert.deepEqual(children(), [], 'the user namespace\'s helper process is reaped');
  });

  test('without maps, or with shifting disabled for them, the lowers are mounted as they are', async () => {
    for (const options of [{}, { idMappings: MAPS, disableShifting: true }]) {
      const merged = await driver.mount(base, options);
      try {
        assert.equal(ownerOf(path.join(merged, 'home', 'u')), '1000:1001');
        assert.equal(existsSync(path.join(home, base, 'mapped')), false);
      } finally {
        await driver.unmount(base);
      }
    }
    assert.deepEqual(await layerMounts(), []);
  });

  test('unmount detaches an idmapped lower a killed process left on mapped/<n>, as Go\'s Put does', async () => {
    const usernsFd = userNamespaceFd(MAPS);
    try {
      idmappedBind(home, path.join(home, container, 'mapped', '0'), usernsFd);
    } finally {
      closeSync(usernsFd);
    }
    assert.deepEqual(await layerMounts(), [path.join(home, container, 'mapped', '0')]);
    await driver.unmount(container);
    assert.deepEqual(await layerMounts(), []);
  });

  test('the namespace and idmapped mount calls fail with typed errors naming the step and the input', async () => {
    // Two ranges for one container ID: the kernel refuses the uid_map write.
    const overlapping = new IdMappings([{ containerId: 0, hostId: 100000, size: 10 }, { containerId: 5, hostId: 300000, size: 10 }], [{ containerId: 0, hostId: 1, size: 1 }]);
    assert.throws(() => userNamespaceFd(overlapping), (err) => isDriverError(err, 'idmap-failed') && /write uid_map: Invalid argument/.test(err.message)
      && (err.cause as NodeJS.ErrnoException).code === 'EINVAL');
    assert.deepEqual(children(), []);
    const missing = path.join(temp.dir, 'missing');
    const target = path.join(temp.dir, 'target');
    await mkdir(target);
    const usernsFd = userNamespaceFd(MAPS);
    try {
      assert.throws(() => idmappedBind(missing, target, usernsFd), (err) => isDriverError(err, 'idmap-failed') && err.message.includes(`open_tree: No such file or directory '${missing}'`)
        && (err.cause as NodeJS.ErrnoException).code === 'ENOENT');
    } finally {
      closeSync(usernsFd);
    }
    assert.deepEqual(await layerMounts(), []);
  });
});
