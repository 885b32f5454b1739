// What containers/storage v1.50.2's own CLI tests expect of `berth storage`,
// through the shipped executable on both drivers: the driver-level verbs
// (storage-layers, create-storage-layer), `layers -q`, check's messages in
// Go's words and `check -r` removing what it reports, and the error words for
// junk given to applydiff.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthStorage, berthStorageTry } from '../helpers/berth.js';
import type { StoreRoots } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const text = (result: { stdout: Buffer }): string => result.stdout.toString();
const lines = (result: { stdout: Buffer }): string[] => text(result).split('\n').filter(Boolean);

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`berth storage v1.50.2 verbs (${driver})`, () => {
    let temp: TempStore;
    let roots: StoreRoots;
    before(async () => {
      temp = await makeTempStore(`berth-v150-${driver}-`);
      roots = { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver };
    });
    after(async () => {
      await berthStorageTry(roots, ['shutdown']);
      await temp.dispose();
    });

    it('create-storage-layer makes driver layers no record knows; check -r removes them and says so', async () => {
      const base = lines(await berthStorage(roots, ['create-storage-layer']))[0]!;
      const child = lines(await berthStorage(roots, ['create-storage-layer', base]))[0]!;
      assert.deepEqual(lines(await berthStorage(roots, ['storage-layers'])).sort(), [base, child].sort());
      assert.deepEqual(lines(await berthStorage(roots, ['layers'])), []);
      const checked = await berthStorageTry(roots, ['check']);
      assert.equal(checked.code, 1);
      assert.match(text(checked), new RegExp(`layer ${child}: layer in lower level storage driver not accounted for`));
      const repaired = await berthStorageTry(roots, ['check', '-r']);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.match(text(repaired), new RegExp(`layer ${base}: layer in lower level storage driver not accounted for`));
      assert.deepEqual(lines(await berthStorage(roots, ['storage-layers'])), []);
    });

    it('create-storage-layer refuses an ID that leaves the driver home and a parent the driver lacks', async () => {
      const before = lines(await berthStorage(roots, ['storage-layers']));
      assert.notEqual((await berthStorageTry(roots, ['create-storage-layer', '--id', '../escape'])).code, 0);
      assert.equal(existsSync(join(temp.graphRoot, 'escape')), false);
      const orphan = await berthStorageTry(roots, ['create-storage-layer', 'f'.repeat(64)]);
      assert.notEqual(orphan.code, 0);
      assert.deepEqual(lines(await berthStorage(roots, ['storage-layers'])), before);
    });

    it('layers -q prints only the IDs', async () => {
      const layer = lines(await berthStorage(roots, ['create-layer', '-n', 'named']))[0]!;
      assert.deepEqual(lines(await berthStorage(roots, ['layers', '-q'])), [layer]);
      assert.match(text(await berthStorage(roots, ['layers'])), /\tname: named/);
      await berthStorage(roots, ['delete-layer', layer]);
    });

    it('check names changed files and data in Go\'s words; check -r removes the damaged image and layer', async () => {
      const layer = lines(await berthStorage(roots, ['create-layer']))[0]!;
      const tarFile = join(temp.dir, `${driver}-data.tar`);
      await writeFile(tarFile, new TarBuilder().file('datafile1', 'one').file('datafile2', 'two').toBuffer());
      await berthStorage(roots, ['applydiff', '-f', tarFile, layer]);
      const image = lines(await berthStorage(roots, ['create-image', layer]))[0]!;
      const dataFile = join(temp.dir, 'item');
      await writeFile(dataFile, 'data');
      await berthStorage(roots, ['set-image-data', '-f', dataFile, image, 'datafile']);
      await appendFile(join(temp.graphRoot, `${driver}-images`, image, 'datafile'), '\n');
      const extra = join(temp.dir, 'extra');
      await writeFile(extra, 'extra');
      await berthStorage(roots, ['copy', extra, `${layer}:/datafile3`]);

      const checked = await berthStorageTry(roots, ['check']);
      assert.equal(checked.code, 1);
      assert.match(text(checked), new RegExp(`image ${image}: data item "datafile": image data item has incorrect size\n`));
      assert.match(text(checked), new RegExp(`layer ${layer}: \\+/datafile3, layer content modified\n`));

      await berthStorage(roots, ['copy', extra, `${layer}:/datafile1`]);
      const repaired = await berthStorageTry(roots, ['check', '-r']);
      assert.equal(repaired.code, 0, repaired.stderr);
      assert.match(text(repaired), new RegExp(`layer ${layer}: file integrity checksum failed for "datafile1"`));
      assert.deepEqual(lines(await berthStorage(roots, ['images'])), []);
      assert.deepEqual(lines(await berthStorage(roots, ['layers'])), []);
      assert.equal((await berthStorageTry(roots, ['check'])).code, 0);
    });

    it('applydiff of junk fails with Go\'s words: "invalid tar header" for a bad block, "unexpected EOF" for a short one', async () => {
      const layer = lines(await berthStorage(roots, ['create-layer']))[0]!;
      const short = join(temp.dir, 'short');
      await writeFile(short, 'sorry, not even enough info for a tar header here\n');
      const gzipped = join(temp.dir, 'short.gz');
      await writeFile(gzipped, execFileSync('gzip', ['-c', short]));
      const block = join(temp.dir, 'block');
      await writeFile(block, Buffer.alloc(1024, 'junk '));
      for (const [file, words] of [[short, 'unexpected EOF'], [gzipped, 'unexpected EOF'], [block, 'invalid tar header']] as const) {
        const result = await berthStorageTry(roots, ['applydiff', '-f', file, layer]);
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, new RegExp(words), `${file}: ${result.stderr}`);
      }
      assert.equal(text(await berthStorage(roots, ['diffsize', layer])).trim(), '0');
      await berthStorage(roots, ['delete-layer', layer]);
    });
  });

  describe(`berth storage with another store's images (${driver})`, () => {
    let temp: TempStore;
    let ro: StoreRoots;
    let rw: StoreRoots;
    before(async () => {
      temp = await makeTempStore(`berth-v150-ais-${driver}-`);
      ro = { graphRoot: join(temp.dir, 'ro-root'), runRoot: join(temp.dir, 'ro-run'), driver };
      rw = { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver };
    });
    after(async () => {
      await berthStorageTry(rw, ['shutdown']);
      await temp.dispose();
    });

    it('--storage-opt <driver>.imagestore: read-only layers and images, names on them, containers on them', async () => {
      const tarFile = join(temp.dir, 'lower.tar');
      await writeFile(tarFile, new TarBuilder().file('layer1file1', 'one').toBuffer());
      const layer = lines(await berthStorage(ro, ['import-layer', '-f', tarFile]))[0]!;
      const image = lines(await berthStorage(ro, ['create-image', '-n', 'lower', layer]))[0]!;
      await berthStorage(ro, ['shutdown']);
      const opt = ['--storage-opt', `${driver}.imagestore=${ro.graphRoot}`];
      assert.deepEqual(lines(await berthStorage(rw, [...opt, 'layers', '-q'])), [layer]);
      assert.match(text(await berthStorage(rw, [...opt, 'layer', layer])), /Read Only: true/);
      assert.match(text(await berthStorage(rw, [...opt, 'image', image])), /Read Only: true/);
      const container = lines(await berthStorage(rw, [...opt, 'create-container', 'lower']))[0]!;
      const root = text(await berthStorage(rw, [...opt, 'mount', container])).trim();
      assert.equal(await readFile(join(root, 'layer1file1'), 'utf8'), 'one');
      await berthStorage(rw, [...opt, 'unmount', container]);
      await berthStorage(rw, [...opt, 'delete-container', container]);
      await berthStorage(rw, [...opt, 'add-names', '-n', 'newimage', '-n', 'otherimage', image]);
      assert.doesNotMatch(text(await berthStorage(rw, [...opt, 'image', 'newimage'])), /Read Only: true/);
      await berthStorage(rw, [...opt, 'remove-names', '-n', 'lower', image]);
      assert.deepEqual(lines(await berthStorage(rw, [...opt, 'get-names', image])), ['newimage', 'otherimage']);
      assert.equal((await berthStorageTry(rw, [...opt, 'exists', '-i', 'lower'])).code, 1, 'the read-only record still has the name; its copy does not');
      await berthStorage(rw, [...opt, 'delete-image', 'newimage']);
      assert.match(text(await berthStorage(rw, [...opt, 'image', image])), /Read Only: true/);
      assert.equal((await berthStorageTry(rw, [...opt, 'check'])).code, 0);
    });

    it('--image-store splits the store; the graph root\'s images stay visible and removable', async () => {
      const split = join(temp.dir, 'split');
      const old = lines(await berthStorage(rw, ['create-image', '-n', 'old']))[0]!;
      const made = lines(await berthStorage(rw, ['--image-store', split, 'create-image', '-n', 'new']))[0]!;
      assert.match(await readFile(join(split, `${driver}-images`, 'images.json'), 'utf8'), new RegExp(made));
      assert.equal((await berthStorageTry(rw, ['image', made])).code, 1);
      assert.match(text(await berthStorage(rw, ['--image-store', split, 'image', old])), new RegExp(`ID: ${old}`));
      await berthStorage(rw, ['--image-store', split, 'delete-image', old]);
      assert.equal((await berthStorageTry(rw, ['exists', '-i', old])).code, 1);
    });
  });
}
