// check finds what is wrong (missing big data, wrong sizes, modified layer
// contents, unaccounted driver dirs, unreferenced layers); repair removes it
// and leaves a store that checks clean.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { TarBuilder } from '../helpers/tar-builder.js';
import { checkProblems } from '../helpers/berth.js';
import { openFixture, type StoreFixture } from './store-fixture.js';

describe('check and repair', () => {
  let fx: StoreFixture;
  let good: string;
  let damaged: string;
  let imageId: string;
  before(async () => {
    fx = await openFixture('vfs');
    const tar = new TarBuilder({ prefixDotSlash: true }).file('f', 'content').toBuffer();
    good = (await fx.store.putLayer(Readable.from([tar]), { names: ['good'] })).layer.id;
    damaged = (await fx.store.putLayer(Readable.from([tar]), { names: ['damaged'] })).layer.id;
    await fx.store.createImage({ names: ['keep'], layer: good });
    imageId = (await fx.store.createImage({ names: ['broken'], layer: damaged })).id;
    await fx.store.setImageBigData(imageId, 'manifest', Buffer.from('{}'));
  });
  after(async () => fx.temp.dispose());

  test('a fresh store checks clean', async () => {
    assert.deepEqual(checkProblems(await fx.store.check()), []);
  });

  test('check reports modified contents, missing big data and unaccounted driver dirs', async () => {
    writeFileSync(join(fx.roots.graphRoot, 'vfs', 'dir', damaged, 'f'), 'CONTENT');
    rmSync(join(fx.roots.graphRoot, 'vfs-images', imageId, 'manifest'));
    mkdirSync(join(fx.roots.graphRoot, 'vfs', 'dir', 'stray'));
    const report = await fx.store.check();
    assert.deepEqual(Object.keys(report.layers).sort(), [damaged, 'stray'].sort());
    // The tar-split replay finds the file's CRC-64 changed: Go's "file integrity checksum failed".
    assert.equal(report.layers[damaged]?.[0] && (report.layers[damaged][0] as { code?: string }).code, 'layer-incorrect-content-digest');
    assert.match(report.layers[damaged]![0]!.message, /^layer \w+: file integrity checksum failed for "(\.\/)?f"/);
    assert.deepEqual(Object.keys(report.images), [imageId]);
    assert.equal((report.images[imageId]?.[0] as { code?: string }).code, 'image-data-missing');
    // As in Go, a driver directory no record accounts for is a problem of the read-write layers.
    assert.deepEqual(Object.keys(report.rolayers), []);
    assert.equal(report.layers.stray![0]!.message, 'layer stray: layer in lower level storage driver not accounted for');
  });

  test('unreferenced layers older than the limit are reported', async () => {
    const loose = await fx.store.createLayer({ created: '2000-01-01T00:00:00Z' });
    const report = await fx.store.check({ layerDigests: false });
    assert.equal((report.layers[loose.id]?.[0] as { code?: string }).code, 'layer-unreferenced');
  });

  test('repair removes what the report names and the store then checks clean', async () => {
    const errors = await fx.store.repair(await fx.store.check());
    assert.deepEqual(errors, []);
    assert.deepEqual(checkProblems(await fx.store.check()), []);
    assert.equal(await fx.store.exists('broken'), false);
    assert.equal(await fx.store.exists(damaged), false);
    assert.equal(await fx.store.exists('keep'), true);
  });
});
