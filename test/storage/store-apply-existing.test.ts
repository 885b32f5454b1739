// applyDiff onto a layer that already exists: flagged `incomplete` on disk
// while the diff goes in, emptied again when the apply fails, refused when
// something builds on the layer; and check reporting a layer whose files no
// recorded digest vouches for, on Berth's layers and on the Go CLI's.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { isStorageError } from '../../src/storage/index.js';
import { checkProblems } from '../helpers/berth.js';
import { goStorage, type GoLayer, type StoreRoots } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { fingerprint, openFixture, type StoreFixture } from './store-fixture.js';

const TAR = new TarBuilder({ prefixDotSlash: true }).dir('etc').file('etc/hostname', 'berth\n').toBuffer();

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`applyDiff onto an existing layer (${driver})`, () => {
    let fx: StoreFixture;
    before(async () => {
      fx = await openFixture(driver);
    });
    after(async () => fx.temp.dispose());

    test('the layer is flagged incomplete on disk while the diff goes in, and not after', async () => {
      const layer = await fx.store.createLayer();
      const input = new PassThrough();
      const applied = fx.store.applyDiff(layer.id, input);
      input.write(TAR.subarray(0, 512));
      let flaggedMidway: boolean;
      try {
        flaggedMidway = await waitFor(() => recordOnDisk(fx.roots, layer.id)?.flags?.incomplete === true);
      } finally {
        input.end(TAR.subarray(512));
      }
      assert.equal(await applied, TAR.length);
      assert.ok(flaggedMidway, 'layers.json flags the layer incomplete while the diff goes in');
      const record = recordOnDisk(fx.roots, layer.id);
      assert.equal(record?.flags, undefined);
      assert.match(record?.['diff-digest'] ?? '', /^sha256:/);
    });

    test('a failed apply leaves the layer, emptied and unflagged; the next apply fills it', async () => {
      const layer = await fx.store.createLayer({ names: ['refilled'] });
      // Whole entries, then junk where the next header should be: what came first is written before the failure.
      const good = new TarBuilder().tree('written-first', { dirs: 20, filesPerDir: 20, largeFiles: 2 });
      const junk = Buffer.concat([good.toBuffer().subarray(0, good.byteLength()), Buffer.alloc(512, 0x41)]);
      const input = new PassThrough();
      const applied = fx.store.applyDiff('refilled', input);
      input.write(junk.subarray(0, junk.length - 512));
      const partlyWritten = await waitFor(() => readdirSync(layerFilesDir(fx.roots, layer.id)).length > 0);
      input.end(junk.subarray(junk.length - 512));
      await assert.rejects(applied);
      assert.ok(partlyWritten, 'the apply wrote files before it failed');
      const record = recordOnDisk(fx.roots, layer.id);
      assert.ok(record, 'the layer is still listed');
      assert.equal(record.flags, undefined);
      assert.equal(record['diff-digest'], undefined);
      assert.deepEqual(readdirSync(layerFilesDir(fx.roots, layer.id)), []);
      assert.deepEqual(checkProblems(await fx.store.check({ layerUnreferencedMaximumAge: Infinity })), []);
      await fx.store.applyDiff('refilled', Readable.from([TAR]));
      assert.equal(readFileSync(join(layerFilesDir(fx.roots, layer.id), 'etc', 'hostname'), 'utf8'), 'berth\n');
    });

    test('a layer with a child, an image or a container is refused and left as it was; a mounted one is applied to', async () => {
      const parent = await fx.store.createLayer();
      await fx.store.createLayer({ parent: parent.id });
      const imageLayer = await fx.store.createLayer();
      await fx.store.createImage({ layer: imageLayer.id });
      const container = await fx.store.createContainer();
      const mounted = await fx.store.createLayer();
      await fx.store.mount(mounted.id);
      try {
        const before = fingerprint(fx.roots);
        const refusals: Array<[string, string]> = [
          [parent.id, 'layer-has-children'],
          [imageLayer.id, 'layer-used-by-image'],
          [container.layerId, 'layer-used-by-container'],
        ];
        for (const [id, code] of refusals) {
          await assert.rejects(fx.store.applyDiff(id, Readable.from([TAR])), (err) => isStorageError(err) && err.code === code && err.message.includes(id));
        }
        assert.equal(fingerprint(fx.roots), before);
        // Go applies into a mounted layer too; the mount shows the files.
        const root = await fx.store.mount(mounted.id);
        await fx.store.applyDiff(mounted.id, Readable.from([TAR]));
        assert.equal(readFileSync(join(root, 'etc', 'hostname'), 'utf8'), 'berth\n');
      } finally {
        await fx.store.unmount(mounted.id, { force: true });
      }
    });
  });

  describe(`check on a layer whose files have no recorded digest (${driver})`, () => {
    let fx: StoreFixture;
    before(async () => {
      fx = await openFixture(driver);
    });
    after(async () => fx.temp.dispose());

    test('an empty layer, a child layer and a container layer with files check clean', async () => {
      const base = await fx.store.createLayer();
      await fx.store.applyDiff(base.id, Readable.from([TAR]));
      await fx.store.createLayer({ parent: base.id });
      await fx.store.createImage({ names: ['img'], layer: base.id });
      const container = await fx.store.createContainer({ image: 'img' });
      writeFileSync(join(await fx.store.mount(container.id), 'written-by-the-container'), 'x');
      await fx.store.unmount(container.id, { force: true });
      assert.deepEqual(checkProblems(await fx.store.check({ layerUnreferencedMaximumAge: Infinity })), []);
    });

    test("Berth's and the Go CLI's layers with added files are reported alike, and repair removes them", async () => {
      const berthLayer = (await fx.store.createLayer()).id;
      const goLayer = (await goStorage(fx.roots, ['create-layer'])).stdout.toString().trim();
      for (const id of [berthLayer, goLayer]) writeFileSync(join(layerFilesDir(fx.roots, id), 'stray'), 'not from any diff');
      const report = await fx.store.check({ layerUnreferencedMaximumAge: Infinity });
      for (const id of [berthLayer, goLayer]) {
        const errors = report.layers[id] ?? [];
        assert.equal(errors.length, 1, `one problem for ${id}: ${errors.map((e) => e.message).join('; ')}`);
        assert.ok(isStorageError(errors[0], 'layer-content-modified'));
        assert.equal(errors[0]?.message.replace(id, 'ID'), 'layer ID: +/stray with no diff digest recorded: layer content modified');
      }
      assert.deepEqual(await fx.store.repair(report), []);
      assert.equal(await fx.store.exists(berthLayer), false);
      assert.equal(await fx.store.exists(goLayer), false);
      assert.deepEqual(checkProblems(await fx.store.check({ layerUnreferencedMaximumAge: Infinity })), []);
      await goStorage(fx.roots, ['layers']);
    });
  });
}

function layerFilesDir(roots: StoreRoots, id: string): string {
  return roots.driver === 'vfs' ? join(roots.graphRoot, 'vfs', 'dir', id) : join(roots.graphRoot, 'overlay', id, 'diff');
}

function recordOnDisk(roots: StoreRoots, id: string): GoLayer | undefined {
  const records = JSON.parse(readFileSync(join(roots.graphRoot, `${roots.driver}-layers`, 'layers.json'), 'utf8')) as GoLayer[];
  return records.find((record) => record.id === id);
}

/** Whether `condition` became true within two seconds. */
async function waitFor(condition: () => boolean): Promise<boolean> {
  for (let tries = 0; tries < 200; tries++) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
