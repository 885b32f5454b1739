// Many Store calls at once in one process: the lock queue serialises them
// and every record reaches disk.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../../src/storage/index.js';
import { addBaseImage, openFixture, type StoreFixture } from './store-fixture.js';

let fx: StoreFixture;
before(async () => {
  fx = await openFixture('vfs');
  await addBaseImage(fx.store);
});
after(async () => fx.temp.dispose());

test('40 concurrent creates and deletes leave exactly the expected containers on disk', async () => {
  const made = await Promise.all(Array.from({ length: 40 }, (_, i) => fx.store.createContainer({ names: [`c${i}`], image: 'img' })));
  await Promise.all(made.filter((_, i) => i % 2 === 0).map((c) => fx.store.deleteContainer(c.id)));
  const kept = made.filter((_, i) => i % 2 === 1).map((c) => c.id).sort();
  const onDisk = JSON.parse(readFileSync(join(fx.roots.graphRoot, 'vfs-containers', 'containers.json'), 'utf8')) as Array<{ id: string; layer: string }>;
  assert.deepEqual(onDisk.map((c) => c.id).sort(), kept);
  const layers = JSON.parse(readFileSync(join(fx.roots.graphRoot, 'vfs-layers', 'layers.json'), 'utf8')) as Array<{ id: string }>;
  assert.equal(layers.length, 1 + kept.length);
  const fresh = await openStore({ graphRoot: fx.roots.graphRoot, runRoot: fx.roots.runRoot, driverName: 'vfs', driverOptions: [] });
  assert.deepEqual((await fresh.containers()).map((c) => c.id).sort(), kept);
});

test('a second Store object on the same roots sees the first one\'s writes', async () => {
  const other = await openStore({ graphRoot: fx.roots.graphRoot, runRoot: fx.roots.runRoot, driverName: 'vfs', driverOptions: [] });
  await other.containers();
  const c = await fx.store.createContainer({ names: ['late'], image: 'img' });
  assert.equal((await other.container('late')).id, c.id);
  await other.deleteContainer('late');
  assert.equal(await fx.store.exists(c.id), false);
});

test('store calls made back to back still let timers run between them', async () => {
  // overlay: its create and remove, like every record save, are sync fs calls.
  const overlay = await openFixture('overlay');
  after(async () => overlay.temp.dispose());
  await addBaseImage(overlay.store);
  let timerRuns = 0;
  const timer = setInterval(() => timerRuns++, 0);
  try {
    for (let i = 0; i < 30; i++) {
      const c = await overlay.store.createContainer({ image: 'img' });
      await overlay.store.deleteContainer(c.id);
    }
  } finally {
    clearInterval(timer);
  }
  assert.ok(timerRuns > 0, 'a 0 ms interval never ran during 60 store calls');
});
