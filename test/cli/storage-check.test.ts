// `berth storage check` and `repair` on a store with a damaged layer.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { berthStorage, berthStorageTry } from '../helpers/berth.js';
import { goStorage } from '../helpers/go-cli.js';
import { tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
let roots: TempStore & { driver: 'vfs' };
let layer: string;

before(async () => {
  temp = await makeTempStore('berth-cli-check-');
  roots = { ...temp, driver: 'vfs' };
  const tree = join(temp.dir, 'tree');
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc', 'data'), 'original\n');
  const tar = join(temp.dir, 'layer.tar');
  await writeFile(tar, await tarOfDirectory(tree));
  layer = (await berthStorage(roots, ['import-layer', '-n', 'checked', '-f', tar])).stdout.toString().split('\n')[0]!;
  await berthStorage(roots, ['create-image', '-n', 'checked-image', layer]);
});
after(() => temp.dispose());

it('check exits 0 and prints no problem on an intact store', async () => {
  const result = await berthStorageTry(roots, ['check']);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout.toString(), '');
});

it('check reports a layer whose files were changed behind the store\'s back, and exits 1', async () => {
  await writeFile(join(temp.graphRoot, 'vfs', 'dir', layer, 'etc', 'data'), 'tampered\n');
  const result = await berthStorageTry(roots, ['check']);
  assert.equal(result.code, 1);
  assert.match(result.stdout.toString(), new RegExp(`^layer ${layer}:\n .+\n`));
  assert.match(result.stderr, /1 layer errors, 0 read-only layer errors, \d+ image errors/);
  const json = JSON.parse((await berthStorageTry(roots, ['check', '--json'])).stdout.toString()) as { Layers: Record<string, string[]> };
  assert.equal(json.Layers[layer]?.length, 1);
});

it('repair removes the damaged layer and what depends on it; check is clean afterwards; the Go CLI agrees', async () => {
  const repaired = await berthStorageTry(roots, ['repair']);
  assert.equal(repaired.code, 0, repaired.stderr);
  assert.equal((await goStorage(roots, ['layers'])).stdout.toString(), '');
  assert.equal((await goStorage(roots, ['images'])).stdout.toString(), '');
  assert.equal((await berthStorageTry(roots, ['check'])).code, 0);
});
