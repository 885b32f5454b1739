// The Store's settings and the small whole-store methods: roots and driver
// as given, status from the driver, version as Go's (no pairs), parent
// owners without ID maps, layer big data from a stream.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readAll } from '../helpers/streams.js';
import { openFixture, type StoreFixture } from './store-fixture.js';

let fx: StoreFixture;
before(async () => {
  fx = await openFixture('vfs');
});
after(async () => fx.temp.dispose());

test('the store reports the roots, driver and options it was opened with', () => {
  assert.equal(fx.store.graphRoot, fx.roots.graphRoot);
  assert.equal(fx.store.runRoot, fx.roots.runRoot);
  assert.equal(fx.store.graphDriverName, 'vfs');
  assert.deepEqual(fx.store.graphOptions, []);
});

test('status is the driver\'s (vfs reports none) and version has no pairs, both as in Go', async () => {
  assert.deepEqual(await fx.store.status(), []);
  assert.deepEqual(await fx.store.version(), []);
});

test('layerParentOwners has nothing to report without ID mappings, and knows the layer', async () => {
  const layer = await fx.store.createLayer({ names: ['owners'] });
  assert.deepEqual(await fx.store.layerParentOwners(layer.id), { uids: [], gids: [] });
  await assert.rejects(fx.store.layerParentOwners('nosuch'));
});

test('layer big data can be given as a stream', async () => {
  await fx.store.setLayerBigData('owners', 'streamed', Readable.from([Buffer.from('ab'), Buffer.from('cd')]));
  assert.equal((await readAll(await fx.store.layerBigData('owners', 'streamed'))).toString(), 'abcd');
});

test('layerDriverMetadata is Go\'s Metadata: null on vfs, the layer\'s directories on overlay, lowers resolved through l/', async () => {
  assert.equal(await fx.store.layerDriverMetadata('owners'), null);
  await assert.rejects(fx.store.layerDriverMetadata('nosuch'));
  const overlay = await openFixture('overlay');
  try {
    const base = await overlay.store.createLayer({ names: ['base'] });
    const middle = await overlay.store.createLayer({ parent: base.id });
    const top = await overlay.store.createLayer({ parent: middle.id, names: ['top'] });
    const home = join(overlay.roots.graphRoot, 'overlay');
    assert.deepEqual(await overlay.store.layerDriverMetadata('base'), {
      MergedDir: join(home, base.id, 'merged'), UpperDir: join(home, base.id, 'diff'), WorkDir: join(home, base.id, 'work'),
    });
    const data = await overlay.store.layerDriverMetadata('top');
    assert.deepEqual(Object.keys(data ?? {}), ['LowerDir', 'MergedDir', 'UpperDir', 'WorkDir']);
    assert.equal(data?.LowerDir, [middle.id, base.id].map((id) => join(home, id, 'diff')).join(':'));
    assert.equal(data?.UpperDir, join(home, top.id, 'diff'));
  } finally {
    await overlay.temp.dispose();
  }
});
