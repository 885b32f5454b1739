// Additional (read-only) image stores and split stores, through the library on
// both drivers: a store built on another store's images and layers, which it
// lists as read-only, builds layers and containers on, pulls an image up to
// rename it, and checks without touching; a split store whose images and
// layers live under `imageStore` and whose graph root's images stay usable.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openStore, type Store } from '../../src/storage/index.js';
import { berthStorage, checkProblems } from '../helpers/berth.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { readAll } from '../helpers/streams.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { fingerprint } from './store-fixture.js';

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`additional image stores (${driver})`, () => {
    let temp: TempStore;
    const ro = { graphRoot: '', runRoot: '', driver };
    let store: Store;
    let roLayer: string;
    let roImage: string;

    before(async () => {
      temp = await makeTempStore(`berth-ais-${driver}-`);
      ro.graphRoot = join(temp.dir, 'ro-graph');
      ro.runRoot = join(temp.dir, 'ro-run');
      // Made by another process: in one process a lock file is either read-write or read-only (as in Go).
      const tarFile = join(temp.dir, 'ro.tar');
      writeFileSync(tarFile, new TarBuilder().file('from-ro', 'lower\n').toBuffer());
      roLayer = (await berthStorage(ro, ['import-layer', '-n', 'ro-layer', '-f', tarFile])).stdout.toString().split('\n')[0]!;
      roImage = (await berthStorage(ro, ['create-image', '-n', 'ro-image', roLayer])).stdout.toString().split('\n')[0]!;
      writeFileSync(join(temp.dir, 'config'), '{}');
      await berthStorage(ro, ['set-image-data', '-f', join(temp.dir, 'config'), roImage, 'config']);
      await berthStorage(ro, ['shutdown']);
      store = await openStore({
        graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver, driverOptions: [`${driver}.imagestore=${ro.graphRoot}`],
      });
    });
    after(async () => {
      await store.shutdown({ force: true });
      await temp.dispose();
    });

    test('lists the other store\'s layers and images as read-only, after its own', async () => {
      const own = await store.createLayer({ names: ['own'] });
      const layers = await store.layers();
      assert.deepEqual(layers.map((layer) => [layer.id, layer.readOnly]), [[own.id, false], [roLayer, true]]);
      assert.equal((await store.layer('ro-layer')).readOnly, true);
      const image = await store.image('ro-image');
      assert.equal(image.id, roImage);
      assert.equal(image.readOnly, true);
      await store.deleteLayer(own.id);
    });

    test('a layer and a container built on the read-only layer and image see its files', async () => {
      const roBefore = fingerprint(ro);
      const child = await store.createLayer({ parent: 'ro-layer' });
      assert.equal(child.parent, roLayer);
      const childRoot = await store.mount(child.id);
      assert.equal(readFileSync(join(childRoot, 'from-ro'), 'utf8'), 'lower\n');
      writeFileSync(join(childRoot, 'from-rw'), 'upper\n');
      await store.unmount(child.id);
      const container = await store.createContainer({ image: 'ro-image' });
      const root = await store.mount(container.id);
      assert.equal(readFileSync(join(root, 'from-ro'), 'utf8'), 'lower\n');
      assert.equal(existsSync(join(root, 'from-rw')), false);
      await store.unmount(container.id);
      // The file written into the child behind the store's back is what check must name (no digest vouches for it).
      assert.deepEqual(checkProblems(await store.check({ layerUnreferencedMaximumAge: 1e12 })), [
        `layers ${child.id}: layer ${child.id}: +/from-rw with no diff digest recorded: layer content modified`,
      ]);
      await store.deleteContainer(container.id);
      await store.deleteLayer(child.id);
      assert.equal(fingerprint(ro), roBefore, 'the read-only store is unchanged');
    });

    test('diff, changes and diffsize read the read-only layer from its own store', async () => {
      const tar = await readAll(await store.diff(roLayer));
      assert.ok(tar.includes(Buffer.from('from-ro')) && tar.includes(Buffer.from('lower\n')));
      assert.deepEqual((await store.changes(roLayer)).map((change) => change.path), ['/from-ro']);
      assert.equal(await store.diffSize(roLayer), 'lower\n'.length);
    });

    test('adding a name pulls the image up into this store; deleting that copy leaves the original', async () => {
      const roImages = readFileSync(join(ro.graphRoot, `${driver}-images`, 'images.json'), 'utf8');
      await store.addNames(roImage, ['renamed']);
      const pulled = await store.image('renamed');
      assert.equal(pulled.id, roImage);
      assert.equal(pulled.readOnly, false);
      assert.deepEqual(pulled.names, ['renamed', 'ro-image']);
      assert.deepEqual((await store.imageBigData(roImage, 'config')).toString(), '{}');
      assert.equal(readFileSync(join(ro.graphRoot, `${driver}-images`, 'images.json'), 'utf8'), roImages);
      await store.deleteImage('renamed', { commit: true });
      assert.equal((await store.image(roImage)).readOnly, true);
      assert.equal((await store.layer(roLayer)).readOnly, true, 'the read-only layers stay');
    });

    test('check reports damage in the read-only store as read-only, and repair leaves it', async () => {
      const files = driver === 'vfs' ? join(ro.graphRoot, 'vfs', 'dir', roLayer) : join(ro.graphRoot, 'overlay', roLayer, 'diff');
      writeFileSync(join(files, 'from-ro'), 'changed\n');
      const report = await store.check();
      assert.deepEqual(Object.keys(report.layers), []);
      assert.deepEqual(Object.keys(report.rolayers), [roLayer]);
      assert.match(report.rolayers[roLayer]![0]!.message, new RegExp(`^read-only layer ${roLayer}: file integrity checksum failed for "from-ro"`));
      assert.deepEqual(await store.repair(report), []);
      assert.equal((await store.layer(roLayer)).id, roLayer);
      writeFileSync(join(files, 'from-ro'), 'lower\n');
      assert.deepEqual(checkProblems(await store.check()), []);
    });
  });

  describe(`split store (${driver})`, () => {
    let temp: TempStore;
    before(async () => {
      temp = await makeTempStore(`berth-split-${driver}-`);
    });
    after(async () => temp.dispose());

    test('images and layers go under imageStore, containers under the graph root; the graph root\'s images stay usable', async () => {
      const plain = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver });
      const old = await plain.createImage({ names: ['old'] });
      const imageStore = join(temp.dir, 'images');
      const split = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver, imageStore });
      const layer = await split.createLayer();
      const image = await split.createImage({ layer: layer.id, names: ['new'] });
      const container = await split.createContainer({ image: 'new' });
      assert.match(readFileSync(join(imageStore, `${driver}-images`, 'images.json'), 'utf8'), new RegExp(image.id));
      assert.match(readFileSync(join(imageStore, `${driver}-layers`, 'layers.json'), 'utf8'), new RegExp(layer.id));
      assert.match(readFileSync(join(temp.graphRoot, `${driver}-containers`, 'containers.json'), 'utf8'), new RegExp(container.id));
      assert.doesNotMatch(readFileSync(join(temp.graphRoot, `${driver}-images`, 'images.json'), 'utf8'), new RegExp(image.id));
      assert.equal((await split.image('old')).id, old.id);
      await split.deleteImage('old', { commit: true });
      assert.equal(await plain.exists(old.id), false);
      await split.deleteContainer(container.id);
    });
  });
}
