// The Store's settings and the small whole-store methods: roots and driver
// as given, status from the driver, version as Go's (no pairs), parent
// owners without ID maps, layer big data from a stream.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
