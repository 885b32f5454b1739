// `berth storage` verbs that write into layers or act on the whole store:
// create-layer with a parent, applydiff, layer data, diff to a file, read-only
// image mounts, shutdown and wipe — each checked through the Go CLI.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { berthStorage, berthStorageTry } from '../helpers/berth.js';
import { goStorage, goStorageTry } from '../helpers/go-cli.js';
import { tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
let base: string;
let child: string;
const text = (result: { stdout: Buffer }) => result.stdout.toString();

async function tarOf(name: string, files: Record<string, string>): Promise<string> {
  const tree = join(temp.dir, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(tree, path, '..'), { recursive: true });
    await writeFile(join(tree, path), content);
  }
  const file = join(temp.dir, `${name}.tar`);
  await writeFile(file, await tarOfDirectory(tree));
  return file;
}

before(async () => {
  temp = await makeTempStore('berth-cli-layers-');
  base = text(await berthStorage(temp, ['import-layer', '-n', 'base', '-f', await tarOf('base', { 'etc/os': 'base\n', 'bin/tool': 'x' })])).split('\n')[0]!;
});
after(async () => {
  await goStorageTry(temp, ['shutdown']);
  await temp.dispose();
});

describe('berth storage layer verbs', () => {
  it('create-layer on a parent, then applydiff from a file; the Go CLI lists the changes', async () => {
    const created = await berthStorage(temp, ['create-layer', '--json', '-n', 'child', 'base']);
    const record = JSON.parse(text(created)) as { id: string; parent: string; names: string[] };
    child = record.id;
    assert.equal(record.parent, base);
    assert.deepEqual(record.names, ['child']);
    await berthStorage(temp, ['applydiff', '-f', await tarOf('upper', { 'etc/os': 'child\n', 'etc/new': 'n\n' }), 'child']);
    assert.equal(text(await goStorage(temp, ['changes', child])), text(await berthStorage(temp, ['changes', child])));
    assert.match(text(await goStorage(temp, ['changes', child])), /Add "\/etc\/new"/);
  });

  it('diff --gzip --file writes the gzipped form of the uncompressed diff', async () => {
    const file = join(temp.dir, 'child.tar.gz');
    await berthStorage(temp, ['diff', '--gzip', '--file', file, child]);
    const plain = (await berthStorage(temp, ['diff', '-u', child])).stdout;
    assert.ok(gunzipSync(await readFile(file)).equals(plain));
    assert.equal(text(await berthStorage(temp, ['diffsize', child])), text(await goStorage(temp, ['diffsize', child])));
  });

  it('layer data set by Berth is listed and read back by the Go CLI', async () => {
    await berthStorage(temp, ['set-layer-data', 'child', 'notes'], { input: 'layer notes\n' });
    assert.equal(text(await goStorage(temp, ['list-layer-data', child])), 'notes\n');
    assert.equal(text(await goStorage(temp, ['get-layer-data', child, 'notes'])), 'layer notes\n');
    const out = join(temp.dir, 'notes.out');
    await berthStorage(temp, ['get-layer-data', '--file', out, 'child', 'notes']);
    assert.equal(await readFile(out, 'utf8'), 'layer notes\n');
  });

  it('mount --ro mounts an image read-only and unmount releases it', async () => {
    await berthStorage(temp, ['create-image', '-n', 'ro-image', child]);
    const mountpoint = text(await berthStorage(temp, ['mount', '--ro', 'ro-image'])).trim();
    assert.equal(await readFile(join(mountpoint, 'etc', 'os'), 'utf8'), 'child\n');
    await assert.rejects(writeFile(join(mountpoint, 'etc', 'os'), 'no'), { code: 'EROFS' });
    const unmounted = await berthStorageTry(temp, ['unmount', 'ro-image']);
    assert.equal(unmounted.code, 0, unmounted.stderr);
  });
});

describe('berth storage store-wide verbs', () => {
  it('shutdown --json prints "" and leaves the records alone', async () => {
    assert.equal(text(await berthStorage(temp, ['shutdown', '--json'])), '""\n');
    assert.equal(text(await goStorage(temp, ['exists', '-q', 'ro-image'])), '');
  });

  it('wipe --json prints "" and empties the store for the Go CLI too', async () => {
    assert.equal(text(await berthStorage(temp, ['wipe', '--json'])), '""\n');
    assert.equal(text(await goStorage(temp, ['layers'])), '');
    assert.equal(text(await goStorage(temp, ['images'])), '');
  });
});
