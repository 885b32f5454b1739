// The same operations through Berth and through the Go containers-storage
// CLI give JSON of the same shape and encoding; Berth re-saves a Go store
// byte for byte; each side sees the other's writes (LastWrite tokens).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { goStorage } from '../helpers/go-cli.js';
import { openFixture, readJson, type StoreFixture } from './store-fixture.js';

/** Replaces IDs, times and content digests so that two stores made the same way compare equal. */
function shape(json: string, ids: string[]): string {
  let out = json;
  ids.forEach((id, i) => { out = out.split(id).join(`<id${i}>`); });
  return out.replace(/"\d{4}-\d\d-\d\dT[0-9:.]+Z"/g, '"<time>"');
}

const files = (fx: StoreFixture) => ({
  layers: join(fx.roots.graphRoot, 'vfs-layers', 'layers.json'),
  images: join(fx.roots.graphRoot, 'vfs-images', 'images.json'),
  containers: join(fx.roots.graphRoot, 'vfs-containers', 'containers.json'),
  mountpoints: join(fx.roots.runRoot, 'vfs-layers', 'mountpoints.json'),
});

describe('JSON written by Berth and by the Go CLI', () => {
  let goFx: StoreFixture;
  let berthFx: StoreFixture;
  before(async () => {
    goFx = await openFixture('vfs');
    berthFx = await openFixture('vfs');
  });
  after(async () => {
    await goFx.temp.dispose();
    await berthFx.temp.dispose();
  });

  test('records made the same way have the same keys, order and encoding', async () => {
    const go = async (...args: string[]) => (await goStorage(goFx.roots, args)).stdout.toString().trim().split(/\s+/)[0] as string;
    const gLayer = await go('create-layer', '-n', 'base');
    await goStorage(goFx.roots, ['set-metadata', '-m', 'meta <&>', gLayer]);
    const gImage = await go('create-image', '-n', 'img', '-m', 'imeta', gLayer);
    await goStorage(goFx.roots, ['set-image-data', '-f', '/dev/null', gImage, 'Key:X']);
    const gContainer = await go('create-container', '-n', 'ctr', '-m', 'cmeta', 'img');
    await goStorage(goFx.roots, ['set-names', '-n', 'a', '-n', 'b', gImage]);
    const gCtrLayer = (JSON.parse((await goStorage(goFx.roots, ['container', '--json', gContainer])).stdout.toString()) as Array<{ layer: string }>)[0]?.layer as string;

    const s = berthFx.store;
    const bLayer = (await s.createLayer({ names: ['base'] })).id;
    await s.setMetadata(bLayer, 'meta <&>');
    const bImage = (await s.createImage({ names: ['img'], layer: bLayer, metadata: 'imeta' })).id;
    await s.setImageBigData(bImage, 'Key:X', Buffer.alloc(0));
    const bContainer = (await s.createContainer({ names: ['ctr'], image: 'img', metadata: 'cmeta' })).id;
    await s.setNames(bImage, ['a', 'b']);
    const bCtrLayer = (await s.container(bContainer)).layerId;

    const g = files(goFx);
    const b = files(berthFx);
    const goIds = [gLayer, gImage, gContainer, gCtrLayer];
    const berthIds = [bLayer, bImage, bContainer, bCtrLayer];
    assert.equal(shape(readJson(b.layers), berthIds), shape(readJson(g.layers), goIds));
    assert.equal(shape(readJson(b.images), berthIds), shape(readJson(g.images), goIds));
    assert.equal(shape(readJson(b.containers), berthIds), shape(readJson(g.containers), goIds));
    assert.equal(readJson(b.mountpoints), readJson(g.mountpoints));
  });

  test('Berth re-saves records the Go CLI wrote byte for byte', async () => {
    const g = files(goFx);
    const before = { layers: readJson(g.layers), images: readJson(g.images), containers: readJson(g.containers) };
    const berthOnGo = await import('../../src/storage/index.js').then((m) =>
      m.openStore({ graphRoot: goFx.roots.graphRoot, runRoot: goFx.roots.runRoot, driverName: 'vfs', driverOptions: [] }));
    for (const record of [...(await berthOnGo.layers()), ...(await berthOnGo.images()), ...(await berthOnGo.containers())]) {
      await berthOnGo.setMetadata(record.id, record.metadata ?? '');
    }
    assert.equal(readJson(g.layers), before.layers);
    assert.equal(readJson(g.images), before.images);
    assert.equal(readJson(g.containers), before.containers);
  });
});

describe('another process changes the store', () => {
  let fx: StoreFixture;
  before(async () => {
    fx = await openFixture('vfs');
  });
  after(async () => fx.temp.dispose());

  test('Berth sees layers, images and containers the Go CLI made after Berth loaded', async () => {
    assert.deepEqual(await fx.store.layers(), []);
    assert.deepEqual(await fx.store.images(), []);
    const layer = (await goStorage(fx.roots, ['create-layer', '-n', 'golayer'])).stdout.toString().trim().split(/\s+/)[0];
    const image = (await goStorage(fx.roots, ['create-image', '-n', 'goimage', layer])).stdout.toString().trim().split(/\s+/)[0];
    await goStorage(fx.roots, ['create-container', '-n', 'goctr', 'goimage']);
    assert.equal((await fx.store.layer('golayer')).id, layer);
    assert.equal((await fx.store.image('goimage')).id, image);
    assert.equal((await fx.store.container('goctr')).imageId, image);
  });

  test('the Go CLI sees what Berth wrote after it, and Berth keeps the Go records when it saves', async () => {
    await fx.store.createLayer({ names: ['berthlayer'] });
    await goStorage(fx.roots, ['set-names', '-n', 'renamed', 'golayer']);
    await fx.store.addNames('berthlayer', ['second']);
    const listed = (await goStorage(fx.roots, ['layers'])).stdout.toString();
    assert.match(listed, /name: renamed/);
    assert.match(listed, /name: second/);
    assert.match(listed, /name: berthlayer/);
  });

  test('an incomplete layer is removed with its driver directory at the next load', async () => {
    const layer = await fx.store.createLayer({ names: ['doomed'] });
    const path = files(fx).layers;
    const records = JSON.parse(readJson(path)) as Array<{ id: string; flags?: Record<string, unknown> }>;
    for (const r of records) if (r.id === layer.id) r.flags = { incomplete: true };
    writeFileSync(path, JSON.stringify(records));
    // What a crashed writer leaves: new JSON and a new token in layers.lock.
    writeFileSync(join(fx.roots.graphRoot, 'vfs-layers', 'layers.lock'), Buffer.alloc(64, 7));
    assert.equal((await fx.store.layers()).some((l) => l.id === layer.id), false);
    assert.equal(readJson(path).includes(layer.id), false);
    const goLayers = (await goStorage(fx.roots, ['layers'])).stdout.toString();
    assert.equal(goLayers.includes(layer.id), false);
    const report = await fx.store.check();
    assert.deepEqual(report.rolayers, {});
  });

  test('a name held by two layers stays with the later one after a load', async () => {
    const path = files(fx).layers;
    const records = JSON.parse(readJson(path)) as Array<{ id: string; names?: string[] }>;
    assert.ok(records.length >= 2);
    (records[0] as { names?: string[] }).names = ['twice'];
    (records[1] as { names?: string[] }).names = ['twice'];
    writeFileSync(path, JSON.stringify(records));
    writeFileSync(join(fx.roots.graphRoot, 'vfs-layers', 'layers.lock'), Buffer.alloc(64, 8));
    const [first, second] = records as [{ id: string }, { id: string }];
    assert.equal((await fx.store.layer('twice')).id, second.id);
    assert.deepEqual((await fx.store.layer(first.id)).names, []);
    const saved = JSON.parse(readJson(path)) as Array<{ id: string; names?: string[] }>;
    assert.equal(saved.find((r) => r.id === first.id)?.names, undefined);
  });

  test('after a load that fixed duplicate container names, lookups by layer still work', async () => {
    const first = await fx.store.createContainer({ names: ['first'], image: 'goimage' });
    const second = await fx.store.createContainer({ names: ['second'], image: 'goimage' });
    const path = files(fx).containers;
    const records = JSON.parse(readJson(path)) as Array<{ id: string; names?: string[] }>;
    for (const r of records) if (r.id === first.id || r.id === second.id) r.names = ['dup'];
    writeFileSync(path, JSON.stringify(records));
    writeFileSync(join(fx.roots.graphRoot, 'vfs-containers', 'containers.lock'), Buffer.alloc(64, 9));
    assert.equal((await fx.store.container('dup')).id, second.id);
    assert.deepEqual((await fx.store.containerByLayer(first.layerId)).names, []);
    assert.equal((await fx.store.container(first.layerId)).id, first.id);
  });
});
