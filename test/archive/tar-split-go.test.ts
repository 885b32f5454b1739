// Berth against the Go CLI on the same tars: the same tree on disk (overlay and
// vfs), the same tar-split byte for byte inside the gzip (and the Go CLI
// rebuilds a layer's tar from Berth's), the same digests, sizes and owner sets.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { applyLayer, tarSplitReplay } from '../../src/archive/index.js';
import { readAll } from '../helpers/streams.js';
import { xattrAddon } from '../../src/archive/native.js';
import { goStorage, goStorageJson, type GoLayer, type StoreRoots } from '../helpers/go-cli.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { everyTypeTar } from './layer-tars.js';

let temp: TempStore;
let roots: StoreRoots;
before(async () => {
  temp = await makeTempStore('berth-tarsplit-go-');
  roots = { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver: 'vfs' };
});
after(() => temp.dispose());

let count = 0;

/** Applies `blob` with the Go CLI (vfs) and with Berth; returns both tar-splits and records. */
async function applyBoth(blob: Buffer) {
  const file = join(temp.dir, `blob${count}`);
  writeFileSync(file, blob);
  const id = (await goStorage(roots, ['create-layer'])).stdout.toString().trim().split('\n').pop() as string;
  await goStorage(roots, ['applydiff', '-f', file, id]);
  const goLayer = (await goStorageJson<GoLayer[]>(roots, 'layers')).find((l) => l.id === id) as GoLayer;
  const goTarSplit = gunzipSync(readFileSync(join(temp.graphRoot, 'vfs-layers', `${id}.tar-split.gz`)));

  const dir = join(temp.dir, `berth${count}`);
  const tarSplitPath = join(temp.dir, `berth${count++}.tar-split.gz`);
  mkdirSync(dir);
  const result = await applyLayer(dir, createReadStream(file), { whiteoutFormat: 'delete', tarSplitPath });
  return { id, goLayer, goTarSplit, berthTarSplit: gunzipSync(readFileSync(tarSplitPath)), tarSplitPath, result };
}

/** Metadata of every path under `root` (type+mode, owner, size, mtime unless skipped, rdev, xattrs, link, content). */
function describeTree(root: string, keepMtime: (relative: string) => boolean): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (relative: string): void => {
    const path = relative ? join(root, relative) : root;
    const st = lstatSync(path);
    const xattrs = xattrAddon.llistxattr(path).sort().map((k) => `${k}=${xattrAddon.lgetxattr(path, k)?.toString('hex')}`).join(',');
    const detail = st.isSymbolicLink() ? readlinkSync(path) : st.isFile() ? createHash('sha256').update(readFileSync(path)).digest('hex') : '';
    const mtime = keepMtime(relative) ? st.mtimeMs : '-';
    if (relative) out.set(relative, `${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isDirectory() ? '-' : st.size} ${mtime} ${st.rdev} ${xattrs} ${detail}`);
    if (st.isDirectory()) for (const name of readdirSync(path)) walk(relative ? `${relative}/${name}` : name);
  };
  walk('');
  return out;
}

describe('applyLayer makes the same tree as the Go CLI', () => {
  for (const driver of ['overlay', 'vfs'] as const) {
    it(`same types, modes, owners, sizes, times, devices, xattrs, links and contents (${driver})`, async () => {
      const builder = everyTypeTar();
      const file = join(temp.dir, `tree-${driver}.tar`);
      builder.writeTo(file);
      const goRoots: StoreRoots = { graphRoot: join(temp.dir, `tree-${driver}`, 'graph'), runRoot: join(temp.dir, `tree-${driver}`, 'run'), driver };
      const id = (await goStorage(goRoots, ['create-layer'])).stdout.toString().trim().split('\n').pop() as string;
      await goStorage(goRoots, ['applydiff', '-f', file, id]);
      const goDir = driver === 'overlay' ? join(goRoots.graphRoot, 'overlay', id, 'diff') : join(goRoots.graphRoot, 'vfs', 'dir', id);
      const berthDir = join(temp.dir, `tree-${driver}-berth`);
      mkdirSync(berthDir);
      await applyLayer(berthDir, createReadStream(file), { whiteoutFormat: driver === 'overlay' ? 'overlay' : 'delete' });
      // Parents the tar does not list, and overlay whiteout devices, are stamped with the time of the apply.
      const listed = new Set(builder.entries.filter((e) => !e.name.includes('.wh.')).map((e) => e.name.replace(/\/$/, '')));
      const keepMtime = (relative: string): boolean => listed.has(relative);
      assert.deepEqual(describeTree(berthDir, keepMtime), describeTree(goDir, keepMtime));
    });
  }
});

describe('tar-split compatibility with the Go containers-storage CLI', () => {
  const cases: Array<[string, () => Buffer]> = [
    ['every entry type, bare names', () => everyTypeTar().toBuffer()],
    ['every entry type, ./ names', () => everyTypeTar({ prefixDotSlash: true }).toBuffer()],
    ['no trailing padding', () => new TarBuilder({ trailingBytes: 0 }).file('a', 'a').toBuffer()],
    ['a single end block', () => new TarBuilder({ omitEndMarker: true }).dir('d').raw(Buffer.alloc(512)).toBuffer()],
    ['names JSON escapes', () => new TarBuilder().file('quote"back\\slash', 'a').file('tab\there\u007f', 'b').file('\u2028line', 'c').toBuffer()],
  ];
  for (const [name, make] of cases) {
    it(`writes the same tar-split JSON as Go (${name})`, async () => {
      const { goTarSplit, berthTarSplit } = await applyBoth(make());
      assert.equal(berthTarSplit.length, goTarSplit.length);
      assert.ok(berthTarSplit.equals(goTarSplit), 'tar-split JSON lines differ');
    });
  }

  it('writes the same tar-split as Go for a tar made by GNU tar (PAX, xattrs, hard links, fifo)', async () => {
    const src = join(temp.dir, 'gnu-src');
    mkdirSync(join(src, 'd'), { recursive: true });
    writeFileSync(join(src, 'd', 'f'), 'content\n');
    writeFileSync(join(src, 'x'.repeat(150)), 'long\n');
    await runToolOk('ln', [join(src, 'd', 'f'), join(src, 'd', 'hard')]);
    await runToolOk('ln', ['-s', 'f', join(src, 'd', 'sym')]);
    await runToolOk('mkfifo', [join(src, 'fifo')]);
    const tarFile = join(temp.dir, 'gnu.tar');
    await runToolOk('tar', ['--xattrs', '--format=pax', '-C', src, '-cf', tarFile, '.']);
    const { goTarSplit, berthTarSplit } = await applyBoth(readFileSync(tarFile));
    assert.ok(berthTarSplit.equals(goTarSplit), 'tar-split JSON lines differ');
  });

  it('records the digests, sizes and owner sets Go records, for a gzip blob', async () => {
    const tar = everyTypeTar().toBuffer();
    const blob = gzipSync(tar);
    const { goLayer, result } = await applyBoth(blob);
    assert.equal(result.compressedDigest, goLayer['compressed-diff-digest']);
    assert.equal(result.compressedSize, goLayer['compressed-size']);
    assert.equal(result.uncompressedDigest, goLayer['diff-digest']);
    assert.equal(result.uncompressedSize, goLayer['diff-size']);
    assert.equal(result.compression, goLayer.compression ?? 0);
    assert.deepEqual(result.uidSet, goLayer.uidset);
    assert.deepEqual(result.gidSet, goLayer.gidset);
  });

  it('tarSplitReplay rebuilds the original tar from a layer and tar-split the Go CLI wrote', async () => {
    const tar = everyTypeTar({ prefixDotSlash: true }).toBuffer();
    const { id } = await applyBoth(tar);
    const goTarSplit = join(temp.graphRoot, 'vfs-layers', `${id}.tar-split.gz`);
    const rebuilt = await readAll(tarSplitReplay(goTarSplit, join(temp.graphRoot, 'vfs', 'dir', id)));
    const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    assert.equal(digest(rebuilt), digest(tar));
  });

  it('the Go CLI rebuilds the original tar from a tar-split Berth wrote', async () => {
    const tar = everyTypeTar({ prefixDotSlash: true }).toBuffer();
    const { id, tarSplitPath } = await applyBoth(tar);
    // Swap Go's tar-split for Berth's; the layer's files are the same entries.
    copyFileSync(tarSplitPath, join(temp.graphRoot, 'vfs-layers', `${id}.tar-split.gz`));
    const out = join(temp.dir, 'go-diff.tar');
    await goStorage(roots, ['diff', '-u', '-f', out, id]);
    const digest = (data: Buffer) => createHash('sha256').update(data).digest('hex');
    assert.equal(digest(readFileSync(out)), digest(tar));
  });
});
