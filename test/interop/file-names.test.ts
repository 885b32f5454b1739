// File names are bytes: a layer whose tar names files in Latin-1 (not UTF-8),
// with names that differ only in such bytes, applied by the Go CLI and by
// Berth on both drivers gives the same names on disk, byte for byte; Berth's
// layer mounts, diffs back to the input tar byte for byte (also through the Go
// CLI, which reads Berth's tar-split), reports the same changes as the Go CLI
// and checks clean.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/index.js';
import { berthStorage, checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage, goStorageJson, type GoLayer } from '../helpers/go-cli.js';
import { sha256Hex } from '../helpers/oci-image.js';
import { runTool } from '../helpers/run-tool.js';
import { readAll } from '../helpers/streams.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const run = promisify(execFile);

const latin1 = (s: string): Buffer => Buffer.from(s, 'latin1');

/** The tree the tars are made of: names that are not UTF-8, beside ones that are. */
function makeSourceTree(root: string): void {
  const at = (name: Buffer): Buffer => Buffer.concat([Buffer.from(root + '/'), name]);
  mkdirSync(root, { mode: 0o755 });
  mkdirSync(at(latin1('d\xe9')), { mode: 0o750 });
  writeFileSync(at(latin1('d\xe9/caf\xe9.txt')), 'hello\n');
  writeFileSync(at(latin1('a\xe9')), 'e acute\n');
  writeFileSync(at(latin1('a\xe8')), 'e grave\n');
  writeFileSync(at(Buffer.from('café-utf8.txt')), 'utf-8\n');
  writeFileSync(at(Buffer.from('rep\ufffd')), 'a real U+FFFD\n');
  writeFileSync(at(latin1('x\xff\xfe')), 'bytes no UTF-8 has\n');
  writeFileSync(at(latin1('sur\xed\xa0\x80')), 'an encoded surrogate\n');
  symlinkSync(latin1('a\xe9'), at(latin1('l\xe9')));
  linkSync(at(latin1('a\xe8')), at(latin1('h\xe8')));
  const long = latin1('long\xe9' + 'x'.repeat(120));
  mkdirSync(at(long));
  writeFileSync(at(Buffer.concat([long, latin1('/f\xe9')])), 'long\n');
}

/** Every entry under `dir`: name bytes (hex), type, mode, size, link target bytes, sorted by bytes. */
function listing(dir: string): string[] {
  const lines: Array<[Buffer, string]> = [];
  const walk = (rel: Buffer): void => {
    const full = Buffer.concat([Buffer.from(dir), rel.length ? Buffer.concat([Buffer.from('/'), rel]) : Buffer.alloc(0)]);
    const st = lstatSync(full);
    const target = st.isSymbolicLink() ? readlinkSync(full, { encoding: 'buffer' }).toString('hex') : '';
    const size = st.isFile() ? st.size : 0;
    lines.push([rel, `${rel.toString('hex') || '.'} ${(st.mode & 0o170000).toString(8)} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${size} ${target}`]);
    if (!st.isDirectory()) return;
    for (const name of readdirSync(full, { encoding: 'buffer' })) walk(rel.length ? Buffer.concat([rel, Buffer.from('/'), name]) : name);
  };
  walk(Buffer.alloc(0));
  return lines.sort((a, b) => Buffer.compare(a[0], b[0])).map(([, line]) => line);
}

for (const driver of ['vfs', 'overlay'] as const) {
  for (const format of ['gnu', 'pax'] as const) {
    describe(`non-UTF-8 file names, ${format} tar, ${driver}`, () => {
      let temp: TempStore;
      let store: Store;
      let tar: Buffer;
      let goId: string;
      let berthId: string;
      const roots = (): { graphRoot: string; runRoot: string; driver: typeof driver } => ({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver });
      const filesDir = (id: string): string => (driver === 'vfs' ? join(temp.graphRoot, 'vfs', 'dir', id) : join(temp.graphRoot, 'overlay', id, 'diff'));

      before(async () => {
        temp = await makeTempStore('berth-interop-names-');
        makeSourceTree(join(temp.dir, 'src'));
        const tarPath = join(temp.dir, 'names.tar');
        await run('tar', [`--format=${format}`, '--sort=name', '--mtime=@1700000000', '--numeric-owner', '-C', join(temp.dir, 'src'), '-cf', tarPath, '.']);
        tar = readFileSync(tarPath);
        goId = (await goStorageJson<GoLayer>(roots(), 'create-layer')).id;
        await goStorage(roots(), ['applydiff', '--file', tarPath, goId]);
        store = await openTestStore(roots());
        berthId = (await store.putLayer(Readable.from([tar]))).layer.id;
      });

      after(async () => {
        await store?.shutdown({ force: true });
        await temp?.dispose();
      });

      it('writes the same names, byte for byte, as the Go CLI', () => {
        const ours = listing(filesDir(berthId));
        assert.deepEqual(ours, listing(filesDir(goId)));
        const names = new Set(ours.map((line) => line.split(' ')[0]));
        for (const name of ['61e9', '61e8', latin1('d\xe9/caf\xe9.txt').toString('hex'), Buffer.from('café-utf8.txt').toString('hex')]) {
          assert.ok(names.has(name), `${name} is on disk`);
        }
      });

      it('mounts the layer with the names as bytes', async () => {
        const root = await store.mount(berthId);
        try {
          assert.deepEqual(listing(root).slice(1), listing(filesDir(berthId)).slice(1));
        } finally {
          await store.unmount(berthId);
        }
      });

      it('diffs back to the input tar byte for byte, for Berth and for the Go CLI, each layer', async () => {
        const want = sha256Hex(tar);
        assert.equal(sha256Hex(await readAll(await store.diff(berthId))), want, "Berth's layer by Berth");
        assert.equal(sha256Hex((await goStorage(roots(), ['diff', '--uncompressed', berthId])).stdout), want, "Berth's tar-split read by Go");
        assert.equal(sha256Hex(await readAll(await store.diff(goId))), want, "Go's tar-split read by Berth");
      });

      it('records the tar-split names as Go does', async () => {
        const { stdout } = await run('sh', ['-c', `zcat '${temp.graphRoot}/${driver}-layers/${berthId}.tar-split.gz' | grep '"type":1'`], { encoding: 'buffer' });
        const { stdout: theirs } = await run('sh', ['-c', `zcat '${temp.graphRoot}/${driver}-layers/${goId}.tar-split.gz' | grep '"type":1'`], { encoding: 'buffer' });
        assert.equal(stdout.toString(), theirs.toString());
        assert.match(stdout.toString(), /"name_raw":"/);
      });

      it('lists the same changes as the Go CLI, quoted as Go quotes bytes', async () => {
        const ours = (await berthStorage(roots(), ['changes', berthId])).stdout.toString().split('\n').filter(Boolean).sort();
        const theirs = (await goStorage(roots(), ['changes', goId])).stdout.toString().split('\n').filter(Boolean).sort();
        assert.deepEqual(ours, theirs);
        assert.ok(ours.includes('Add "/a\\xe9"') && ours.includes('Add "/a\\xe8"'), ours.join('\n'));
      });

      it('lists and diffs a layer without tar-split (files written through a mount of a child layer) as the Go CLI does', async () => {
        const child = (await store.createLayer({ parent: berthId })).id;
        const root = await store.mount(child);
        try {
          writeFileSync(Buffer.concat([Buffer.from(root + '/'), latin1('n\xe9w')]), 'new\n');
          writeFileSync(Buffer.concat([Buffer.from(root + '/'), latin1('d\xe9/m\xe8re')]), 'more\n');
        } finally {
          await store.unmount(child);
        }
        const ours = (await berthStorage(roots(), ['changes', child])).stdout.toString().split('\n').filter(Boolean).sort();
        const theirs = (await goStorage(roots(), ['changes', child])).stdout.toString().split('\n').filter(Boolean).sort();
        assert.deepEqual(ours, theirs);
        assert.ok(ours.includes('Add "/n\\xe9w"'), ours.join('\n'));
        const names = async (diff: Buffer): Promise<string[]> => {
          const { stdout } = await runTool('tar', ['--quoting-style=literal', '-t'], { input: diff });
          return stdout.toString('latin1').split('\n').filter(Boolean).sort();
        };
        const ourNames = await names(await readAll(await store.diff(child)));
        assert.deepEqual(ourNames, await names((await goStorage(roots(), ['diff', '--uncompressed', child])).stdout));
        assert.ok(ourNames.includes('d\xe9/m\xe8re'), ourNames.join('\n'));
        await store.deleteLayer(child);
      });

      it('checks the store clean, layer contents included', async () => {
        assert.deepEqual(checkProblems(await store.check({ layerContents: true })), []);
      });
    });
  }
}
