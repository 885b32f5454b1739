// `berth storage` verbs on a real store, checked against the Go containers-storage
// CLI on the same store: the same records give the same bytes on stdout.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN, berthStorage, berthStorageArgs, berthStorageTry } from '../helpers/berth.js';
import { goStorage, goStorageTry } from '../helpers/go-cli.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
let tarFile: string;
let goLayer: string;
let goImage: string;
let goContainer: string;

const text = (result: { stdout: Buffer }) => result.stdout.toString();
const firstLine = (result: { stdout: Buffer }) => text(result).split('\n')[0]!;

before(async () => {
  temp = await makeTempStore('berth-cli-verbs-');
  await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
  tarFile = join(temp.dir, 'rootfs.tar');
  await writeFile(tarFile, await tarOfDirectory(join(temp.dir, 'rootfs')));
  // Records made by the Go CLI, for Berth to read.
  goLayer = firstLine(await goStorage(temp, ['import-layer', '-n', 'go-base', '-f', tarFile]));
  goImage = firstLine(await goStorage(temp, ['create-image', '-n', 'go/image:1', '-m', 'image meta <&>', goLayer]));
  await goStorage(temp, ['set-image-data', goImage, 'note'], { input: 'hello data' });
  goContainer = firstLine(await goStorage(temp, ['create-container', '-n', 'go-ctr', '-m', 'ctr meta', goImage]));
});

after(async () => {
  await goStorageTry(temp, ['shutdown']);
  await temp.dispose();
});

describe('berth storage listing verbs print what the Go CLI prints', () => {
  for (const args of [
    ['layers'], ['layers', '--json'], ['layers', '--tree'], ['images'], ['images', '--json'], ['images', '-q'],
    ['containers'], ['containers', '--json'],
  ]) {
    it(`${args.join(' ')}`, async () => {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)));
    });
  }

  it('layer, image and container show the same fields for a name and an ID prefix', async () => {
    for (const args of [['layer', 'go-base'], ['layer', '--json', goLayer.slice(0, 12)], ['image', '--json', 'go/image:1'],
      ['container', '--json', 'go-ctr'], ['container', goContainer]]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
  });

  it('parent-owner queries and images-by-digest print what the Go CLI prints', async () => {
    const digest = JSON.parse(text(await goStorage(temp, ['image', '--json', goImage])))[0]?.['big-data-digests']?.note as string;
    assert.match(digest, /^sha256:/);
    for (const args of [['layer-parent-owners', goLayer], ['layer-parent-owners', '--json', goLayer],
      ['container-parent-owners', 'go-ctr'], ['container-parent-owners', '--json', 'go-ctr'],
      ['images-by-digest', 'sha256:' + '0'.repeat(64)], ['images-by-digest', '--json', 'sha256:' + '0'.repeat(64)]]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
    const bad = await berthStorageTry(temp, ['images-by-digest', 'sha256:abcd']);
    assert.equal(bad.code, 1);
    assert.equal(bad.stderr, 'sha256:abcd: invalid checksum digest length\n');
  });

  it('layer exits 1 without a message when one of the names is unknown', async () => {
    const result = await berthStorageTry(temp, ['layer', 'go-base', 'no-such-layer']);
    assert.equal(result.code, 1);
    assert.match(text(result), new RegExp(`^ID: ${goLayer}\n`));
    assert.equal(result.stderr, '');
  });
});

describe('berth storage metadata, names, data and exists', () => {
  it('metadata prints each argument with its metadata, as the Go CLI does', async () => {
    for (const args of [['metadata', 'go/image:1', 'go-ctr'], ['metadata', '-q', 'go-ctr'], ['metadata', '--json', 'go/image:1', 'go-ctr']]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
  });

  it('a reader that goes away early ends the verb quietly with status 0, as SIGPIPE ends the Go CLI', async () => {
    // 1 MB of metadata: far more than a pipe holds, so the write after `head` exits fails with EPIPE.
    const metaFile = join(temp.dir, 'big-meta');
    await writeFile(metaFile, 'm'.repeat(1 << 20));
    await berthStorage(temp, ['set-metadata', '-f', metaFile, 'go-ctr']);
    const berth = [process.execPath, ...berthStorageArgs(temp, ['metadata', '-q', 'go-ctr'])].map((arg) => `'${arg}'`).join(' ');
    const result = await runToolOk('bash', ['-c', `${berth} 2>"$0" | head -c 5; echo " \${PIPESTATUS[0]}"`, join(temp.dir, 'stderr')]);
    assert.equal(result.stdout.toString(), 'mmmmm 0\n');
    assert.equal(await readFile(join(temp.dir, 'stderr'), 'utf8'), '');
  });

  it('output a slow reader has not taken yet is all written before the verb exits, with its status', async () => {
    // The CLI ends its process at once (_exit) only when nothing is queued: 1 MB waits in the pipe here.
    const metaFile = join(temp.dir, 'big-meta');
    await writeFile(metaFile, 'm'.repeat(1 << 20));
    await berthStorage(temp, ['set-metadata', '-f', metaFile, 'go-ctr']);
    const berth = [process.execPath, ...berthStorageArgs(temp, ['metadata', '-q', 'go-ctr'])].map((arg) => `'${arg}'`).join(' ');
    const result = await runToolOk('bash', ['-c', `${berth} | { sleep 0.3; wc -c; }; echo "\${PIPESTATUS[0]}"`]);
    assert.equal(result.stdout.toString(), `${(1 << 20) + 1}\n0\n`);
    const missing = await berthStorageTry(temp, ['delete-container', 'no-such-container']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no-such-container: identifier is not a container/);
  });

  it('set-metadata by Berth is read back by the Go CLI', async () => {
    await berthStorage(temp, ['set-metadata', '-m', 'new meta', 'go-ctr']);
    assert.equal(text(await goStorage(temp, ['metadata', '-q', 'go-ctr'])), 'new meta\n');
  });

  it('add-names appends and set-names replaces; the Go CLI sees the result', async () => {
    await berthStorage(temp, ['add-names', '-n', 'go/image:2', 'go/image:1']);
    assert.equal(text(await goStorage(temp, ['get-names', goImage])), 'go/image:1\ngo/image:2\n');
    const json = await berthStorage(temp, ['set-names', '--json', '-n', 'go/image:3', '-n', 'go/image:1', goImage]);
    assert.equal(text(json), '["go/image:3","go/image:1"]\n');
    assert.equal(text(await berthStorage(temp, ['get-names', '--json', goImage])), text(await goStorage(temp, ['get-names', '--json', goImage])));
  });

  it('image data set by Berth has the size and digest the Go CLI reports', async () => {
    await berthStorage(temp, ['set-image-data', goImage, 'blob'], { input: 'some bytes\n' });
    for (const args of [['list-image-data', goImage], ['get-image-data', goImage, 'blob'], ['get-image-data-size', goImage, 'blob'],
      ['get-image-data-digest', goImage, 'blob'], ['get-image-data', goImage, 'note']]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
  });

  it('container data and directories match the Go CLI', async () => {
    await berthStorage(temp, ['set-container-data', 'go-ctr', 'state'], { input: '{"ok":true}' });
    for (const args of [['list-container-data', '--json', 'go-ctr'], ['get-container-data', 'go-ctr', 'state'],
      ['get-container-data-size', 'go-ctr', 'state'], ['get-container-data-digest', 'go-ctr', 'state'],
      ['get-container-dir', 'go-ctr'], ['get-container-run-dir', 'go-ctr']]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
  });

  it('exists answers per argument and fails when the kind does not match', async () => {
    assert.equal(text(await berthStorage(temp, ['exists', '--json', 'go-ctr', 'go-base'])), '{"go-base":true,"go-ctr":true}\n');
    const wrongKind = await berthStorageTry(temp, ['exists', '-l', 'go-ctr']);
    assert.equal(wrongKind.code, 1);
    assert.equal(text(wrongKind), 'go-ctr: true\n');
    assert.equal((await berthStorageTry(temp, ['exists', '-q', 'nothing-here'])).code, 1);
  });
});

describe('berth storage creates, mounts and deletes records the Go CLI sees', () => {
  it('import-layer, create-image and create-container print the ID and names', async () => {
    const layer = await berthStorage(temp, ['import-layer', '--name', 'b-base', '--file', tarFile]);
    const layerId = firstLine(layer);
    assert.equal(text(layer), `${layerId}\n\tb-base\n`);
    const image = firstLine(await berthStorage(temp, ['create-image', '-n', 'b/image:1', layerId]));
    const container = await berthStorage(temp, ['create-container', '-n', 'b-ctr', 'b/image:1']);
    // The Go CLI 1.43 prints container names without a newline.
    assert.match(text(container), /^[0-9a-f]{64}\n\tb-ctr$/);
    assert.equal(text(await goStorage(temp, ['get-names', image])), 'b/image:1\n');
    assert.equal(text(await goStorage(temp, ['get-names', layerId])), 'b-base\n');
    assert.equal(text(await goStorage(temp, ['exists', '-c', 'b-ctr'])), 'b-ctr: true\n');
  });

  it('mount gives a path whose files are the layer\'s; the Go CLI counts the mount; unmount releases it', async () => {
    const mountpoint = text(await berthStorage(temp, ['mount', 'b-ctr'])).trim();
    assert.ok(mountpoint.startsWith(temp.graphRoot));
    const { stdout } = await goStorage(temp, ['mounted', 'b-ctr']);
    assert.equal(stdout.toString(), 'b-ctr mounted\n');
    assert.equal(text(await berthStorage(temp, ['mounted', 'b-ctr'])), 'b-ctr mounted\n');
    assert.equal(text(await berthStorage(temp, ['unmount', 'b-ctr'])), 'b-ctr mountpoint unmounted\n');
    assert.equal(text(await goStorage(temp, ['mounted', 'b-ctr'])), '');
  });

  it('diffsize, changes and diff agree with the Go CLI on a Go-made layer', async () => {
    for (const args of [['diffsize', goLayer], ['changes', '--json', goLayer]]) {
      assert.equal(text(await berthStorage(temp, args)), text(await goStorage(temp, args)), args.join(' '));
    }
    const berthTar = (await berthStorage(temp, ['diff', '-u', goLayer])).stdout;
    const goTar = (await goStorage(temp, ['diff', '-u', goLayer])).stdout;
    assert.equal(berthTar.length, goTar.length);
    assert.ok(berthTar.equals(goTar));
  });

  it('copy puts a host directory\'s contents into a layer, with --chown owners; the Go CLI sees the changes', async () => {
    const source = join(temp.dir, 'copy-src');
    await makeBusyboxRootfs(source);
    await writeFile(join(source, 'etc', 'copied.txt'), 'copied\n');
    const layer = firstLine(await berthStorage(temp, ['create-layer', '-n', 'copy-target']));
    await berthStorage(temp, ['copy', '--chown', '7:8', join(source, 'etc'), 'copy-target:/etc']);
    assert.equal(text(await goStorage(temp, ['changes', layer])), 'Add "/etc"\nAdd "/etc/copied.txt"\n');
    const tar = (await goStorage(temp, ['diff', '-u', layer])).stdout;
    // ustar header: uid at offset 108 (octal) of the copied file's header.
    const at = tar.indexOf('etc/copied.txt');
    assert.ok(at >= 0);
    assert.equal(parseInt(tar.subarray(at + 108, at + 116).toString(), 8), 7);
    assert.equal(parseInt(tar.subarray(at + 116, at + 124).toString(), 8), 8);
    await berthStorage(temp, ['delete-layer', layer]);
  });

  it('delete-container, delete-image (--test first) and delete-layer report per argument', async () => {
    assert.equal((await berthStorage(temp, ['delete-container', 'b-ctr'])).stderr, '');
    const dryRun = await berthStorage(temp, ['delete-image', '--test', '--json', 'b/image:1']);
    const planned = JSON.parse(text(dryRun)) as Record<string, { 'deleted-layers'?: string[] }>;
    assert.equal(planned['b/image:1']?.['deleted-layers']?.length, 1);
    assert.equal(text(await goStorage(temp, ['exists', 'b/image:1'])), 'b/image:1: true\n');
    await berthStorage(temp, ['delete-image', 'b/image:1']);
    assert.equal((await goStorageTry(temp, ['exists', 'b/image:1'])).code, 1);
    assert.equal((await goStorageTry(temp, ['exists', 'b-base'])).code, 1);
  });
});

describe('berth storage errors', () => {
  it('delete-* and mount of unknown names print exactly the Go CLI\'s lines and exit codes', async () => {
    for (const args of [['delete-layer', 'nosuch'], ['delete-image', 'nosuch'], ['delete-container', 'nosuch'], ['delete', '--json', 'nosuch'],
      ['mount', 'nosuch'], ['unmount', 'nosuch'], ['mounted', 'nosuch']]) {
      const berth = await berthStorageTry(temp, args);
      const go = await goStorageTry(temp, args);
      assert.deepEqual([berth.code, text(berth), berth.stderr], [go.code, text(go), go.stderr], args.join(' '));
    }
  });

  it('delete-layer of a layer in use by an image fails and changes nothing', async () => {
    const result = await berthStorageTry(temp, ['delete-layer', goLayer]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /layer is in use by an image|layer has children|in use by a container/);
    assert.equal(text(await goStorage(temp, ['exists', goLayer])), `${goLayer}: true\n`);
  });

  it('--debug adds the typed error code', async () => {
    const result = await berthStorageTry(temp, ['--debug', 'get-names', 'nosuch']);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /code=layer-unknown/);
  });

  it('an unknown verb, too few arguments and an unknown flag exit as the Go CLI does', async () => {
    const unknown = await berthStorageTry(temp, ['frobnicate']);
    assert.equal(unknown.code, 1);
    assert.equal(text(unknown), 'frobnicate: unrecognized command.\n');
    const few = await berthStorageTry(temp, ['create-container']);
    assert.equal(few.code, 1);
    assert.match(text(few), /^create-container: more arguments required\.\nUsage: berth storage create-container /);
    const flag = await berthStorageTry(temp, ['layers', '--bogus']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /flag provided but not defined: --bogus/);
  });

});

describe('berth storage status, check and storage.conf', () => {
  it('status --json starts with the roots, driver and options, as the Go CLI does', async () => {
    const pairs = JSON.parse(text(await berthStorage(temp, ['status', '--json']))) as Array<[string, string]>;
    assert.deepEqual(pairs.slice(0, 4), [['Root', temp.graphRoot], ['Run Root', temp.runRoot], ['Driver Name', 'overlay'], ['Driver Options', '[]']]);
  });

  it('check prints nothing and exits 0 on a consistent store', async () => {
    const result = await berthStorageTry(temp, ['check', '--quick']);
    assert.equal(text(result), '');
    assert.equal(result.code, 0, result.stderr);
  });

  it('reads storage.conf only when no store flag precedes the verb', async () => {
    const conf = join(temp.dir, 'storage.conf');
    await writeFile(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${temp.graphRoot}"\nrunroot = "${temp.runRoot}"\n`);
    const env = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
    const fromConf = await runToolOk(process.execPath, [BERTH_BIN, 'storage', 'layers', '--json'], { env });
    assert.equal(text(fromConf), text(await goStorage(temp, ['layers', '--json'])));
    const other = join(temp.dir, 'other');
    const fromFlags = await runToolOk(process.execPath, [BERTH_BIN, 'storage', '--graph', join(other, 'g'), '--run', join(other, 'r'), 'layers'], { env });
    assert.equal(text(fromFlags), '');
  });
});
