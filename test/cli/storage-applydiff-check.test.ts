// `berth storage applydiff` onto an existing layer and `check` of layers whose
// files have no recorded digest, through the shipped executable: a failed
// apply leaves the layer empty for the next one, a layer an image builds on
// is refused, and check reports an added file in a Go-made or a Berth-made
// layer alike. (The Go CLI 1.43 here has no `check` verb to compare with.)

import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthStorage, berthStorageTry } from '../helpers/berth.js';
import { goStorage, goStorageJson, type GoLayer } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
let tarPath: string;
const out = async (args: string[]) => (await berthStorage(temp, args)).stdout.toString().trim();
const diffDir = (id: string) => join(temp.graphRoot, 'overlay', id, 'diff');

before(async () => {
  temp = await makeTempStore('berth-cli-applydiff-');
  tarPath = join(temp.dir, 'layer.tar');
  new TarBuilder().dir('etc').file('etc/os', 'berth\n').writeTo(tarPath);
});
after(async () => temp.dispose());

describe('berth storage applydiff onto an existing layer', () => {
  it('junk fails, leaves the layer listed and empty, and a second apply fills it (apply-junk.bats applies twice)', async () => {
    const layer = await out(['create-layer']);
    const junk = join(temp.dir, 'junk');
    await writeFile(junk, Buffer.concat([new TarBuilder().file('first', 'x'.repeat(10_000)).toBuffer().subarray(0, 512 + 10_240), Buffer.alloc(1024, 0x41)]));
    const failed = await berthStorageTry(temp, ['applydiff', '-f', junk, layer]);
    assert.equal(failed.code, 1, failed.stderr);
    assert.deepEqual(await readdir(diffDir(layer)), []);
    const [record] = await goStorageJson<GoLayer[]>(temp, 'layer', [layer]);
    assert.equal(record?.id, layer);
    assert.equal(record.flags, undefined);
    assert.equal(record['diff-digest'], undefined);
    await berthStorage(temp, ['applydiff', '-f', tarPath, layer]);
    assert.match((await goStorageJson<GoLayer[]>(temp, 'layer', [layer]))[0]?.['diff-digest'] ?? '', /^sha256:/);
  });

  it("refuses an image's top layer and names the image", async () => {
    const layer = await out(['create-layer']);
    const image = await out(['create-image', layer]);
    const refused = await berthStorageTry(temp, ['applydiff', '-f', tarPath, layer]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`applying a diff to layer ${layer}: top layer of image ${image}: layer is in use by an image`));
    assert.deepEqual(await readdir(diffDir(layer)), []);
  });
});

describe('berth storage check on layers with files and no diff digest', () => {
  it('reports a Go-made and a Berth-made layer alike, exits 1, and repair removes both', async () => {
    const goLayer = (await goStorage(temp, ['create-layer'])).stdout.toString().trim();
    const berthLayer = await out(['create-layer']);
    for (const id of [goLayer, berthLayer]) await writeFile(join(diffDir(id), 'stray'), 'no diff put this here');
    const check = await berthStorageTry(temp, ['check']);
    assert.equal(check.code, 1);
    const stdout = check.stdout.toString();
    for (const id of [goLayer, berthLayer]) {
      assert.ok(stdout.includes(`layer ${id}:\n layer ${id}: +/stray with no diff digest recorded: layer content modified\n`), stdout);
    }
    assert.match(check.stderr, /^2 layer errors, 0 read-only layer errors, 0 image errors, 0 read-only image errors, 0 container errors\n$/);
    const repaired = await berthStorageTry(temp, ['check', '-r']);
    assert.equal(repaired.code, 0, repaired.stderr);
    const layers = (await goStorage(temp, ['layers'])).stdout.toString();
    for (const id of [goLayer, berthLayer]) assert.equal(layers.includes(id), false);
    assert.equal((await berthStorageTry(temp, ['check'])).code, 0);
  });
});
