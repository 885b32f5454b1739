// The directories and lock files a store gets when it is opened (§1.1) and at
// first layer use (§1.2), as v1.50 makes them: no G/mounts or G/tmp, and no
// JSON file before the first write.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { openFixture, type StoreFixture } from './store-fixture.js';

let fx: StoreFixture;
before(async () => {
  fx = await openFixture('overlay');
});
after(async () => fx.temp.dispose());

const mode = (path: string): number => statSync(path).mode & 0o7777;

test('opening makes the roots, lock files, image and container dirs, but no layer store', async () => {
  await fx.store.images();
  await fx.store.containers();
  const G = fx.roots.graphRoot;
  const R = fx.roots.runRoot;
  for (const dir of [G, R, join(G, 'overlay-images'), join(G, 'overlay-containers'), join(R, 'overlay-containers'), join(R, 'overlay-locks')]) {
    assert.equal(mode(dir), 0o700, dir);
  }
  for (const lock of [join(G, 'storage.lock'), join(G, 'userns.lock'), join(G, 'overlay-images', 'images.lock'), join(G, 'overlay-containers', 'containers.lock')]) {
    assert.equal(mode(lock), 0o644, lock);
    assert.equal(statSync(lock).size, 0, lock);
  }
  for (const absent of [join(G, 'mounts'), join(G, 'tmp'), join(G, 'overlay-layers'), join(R, 'overlay-layers'), join(G, 'overlay-images', 'images.json'), join(G, 'overlay-containers', 'containers.json')]) {
    assert.equal(existsSync(absent), false, absent);
  }
});

test('first layer use makes the layer store dirs and locks; the first write makes the JSON (0600)', async () => {
  await fx.store.layers();
  const G = fx.roots.graphRoot;
  const R = fx.roots.runRoot;
  assert.equal(mode(join(G, 'overlay-layers')), 0o700);
  assert.equal(mode(join(G, 'overlay-layers', 'layers.lock')), 0o644);
  assert.equal(mode(join(R, 'overlay-layers', 'mountpoints.lock')), 0o644);
  assert.equal(existsSync(join(G, 'overlay-layers', 'layers.json')), false);
  await fx.store.createLayer();
  assert.equal(mode(join(G, 'overlay-layers', 'layers.json')), 0o600);
  assert.equal(mode(join(R, 'overlay-layers', 'mountpoints.json')), 0o600);
  assert.equal(statSync(join(G, 'overlay-layers', 'layers.lock')).size, 64);
});
