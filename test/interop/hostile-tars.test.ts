// Hostile tars applied by the Go CLI (chrooted extraction) and by Berth, on
// both drivers: the same tars are accepted or refused, accepted ones leave the
// same tree (names, types, modes, link targets), and Berth's store checks
// clean after every case. Where Berth deliberately differs, the case says why.

import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorageJson, goStorageTry, type GoLayer } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

type Driver = 'vfs' | 'overlay';

interface Case {
  name: string;
  tar: () => TarBuilder;
  /** Set where Berth refuses what Go accepts or the reverse: which driver, and why. */
  differs?: { driver?: Driver; berthAccepts: boolean; why: string };
}

const GONE = '/nowhere/in/the/layer';

const CASES: Case[] = [
  { name: 'a name with .. components', tar: () => new TarBuilder().file('../outside/secret', 'x') },
  { name: 'an absolute name', tar: () => new TarBuilder().file('/abs/dir/file', 'x') },
  { name: 'a file through a symlink to a directory of the layer', tar: () => new TarBuilder().dir('tgt').symlink('esc', '/tgt').file('esc/pwn', 'x').file('esc/sub/pwn', 'y') },
  { name: 'a file through a symlink to nothing', tar: () => new TarBuilder().symlink('esc', GONE).file('esc/pwn', 'x') },
  { name: 'a name going on below a symlink to nothing', tar: () => new TarBuilder().symlink('esc', GONE).file('esc/sub/pwn', 'x') },
  { name: 'a relative symlink climbing out', tar: () => new TarBuilder().dir('sub').symlink('sub/esc', '../../../outside').file('sub/esc/secret', 'x') },
  { name: 'a chain of symlinks to the root', tar: () => new TarBuilder().symlink('a', 'b').symlink('b', '../../..').file('a/x', 'x') },
  { name: 'a symlink loop', tar: () => new TarBuilder().symlink('a', 'b').symlink('b', 'a').file('a/x', 'x') },
  { name: 'a hard link out of the layer', tar: () => new TarBuilder().rawHardlink('h', '../outside/secret') },
  { name: 'a hard link through a symlink to nothing', tar: () => new TarBuilder().symlink('s', GONE).rawHardlink('h', 's/secret') },
  { name: 'a hard link to a symlink', tar: () => new TarBuilder().symlink('s', `${GONE}/secret`).rawHardlink('h', 's') },
  { name: 'a file replacing a symlink through another name', tar: () => new TarBuilder().symlink('f', `${GONE}/secret`).symlink('s', '.').file('s/f', 'x') },
  { name: 'a whiteout through a symlink to nothing', tar: () => new TarBuilder().symlink('s', GONE).whiteout('s/secret') },
  { name: 'a whiteout below a symlink to nothing', tar: () => new TarBuilder().symlink('s', GONE).whiteout('s/sub/secret') },
  { name: 'an opaque marker through a symlink to nothing', tar: () => new TarBuilder().symlink('s', GONE).opaque('s') },
  { name: 'a whiteout climbing out', tar: () => new TarBuilder().whiteout('../outside/secret') },
  { name: 'a file below a file', tar: () => new TarBuilder().file('f', 'x').file('f/g', 'y') },
  {
    name: 'a whiteout below a file',
    tar: () => new TarBuilder().file('f', 'x').whiteout('f/g'),
    differs: { driver: 'overlay', berthAccepts: false, why: 'Go overlay ignores the failed mknod under a file; Berth reports ENOTDIR, as Go vfs does' },
  },
  {
    name: 'a directory replaced by a symlink to nothing, its times set last',
    tar: () => new TarBuilder().dir('d').dir('d/dir', { mtime: 1 }).symlink('s', '.').symlink('s/d', GONE),
    differs: { berthAccepts: true, why: 'Go fails setting the times of a directory that is gone (chtimes ENOENT); Berth skips them' },
  },
  { name: 'the root as a symlink', tar: () => new TarBuilder().symlink('./', GONE) },
  { name: 'a file named ..', tar: () => new TarBuilder().file('sub/../..', 'x') },
  { name: 'a ./ entry of mode 700', tar: () => new TarBuilder({ prefixDotSlash: true }).dir('', { mode: 0o700 }).file('a', 'x') },
];

/** Every entry under `dir` except the root's times: name bytes, type, mode, owner, size, link target. */
function listing(dir: string): string[] {
  const lines: string[] = [];
  const walk = (rel: string): void => {
    const full = rel ? join(dir, rel) : dir;
    const st = lstatSync(full);
    const target = st.isSymbolicLink() ? readlinkSync(full) : '';
    lines.push(`${rel || '.'} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.isFile() ? st.size : 0} ${target}`);
    if (st.isDirectory()) for (const name of readdirSync(full)) walk(rel ? `${rel}/${name}` : name);
  };
  walk('');
  return lines.sort();
}

for (const driver of ['vfs', 'overlay'] as const) {
  describe(`hostile tars, Go CLI against Berth (${driver})`, () => {
    let temp: TempStore;
    let store: Store;
    const roots = () => ({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver });
    const filesDir = (id: string): string => (driver === 'vfs' ? join(temp.graphRoot, 'vfs', 'dir', id) : join(temp.graphRoot, 'overlay', id, 'diff'));

    before(async () => {
      temp = await makeTempStore('berth-interop-hostile-');
      store = await openTestStore(roots());
    });
    after(async () => {
      await store?.shutdown({ force: true });
      await temp?.dispose();
    });

    let count = 0;
    /** The Go CLI's layers: a refused applydiff leaves its layer half-filled, for check to report. */
    const goLayers: string[] = [];
    for (const c of CASES) {
      it(c.name, async () => {
        const tar = c.tar().toBuffer();
        const file = join(temp.dir, `case${count++}.tar`);
        writeFileSync(file, tar);
        const goLayer = (await goStorageJson<GoLayer>(roots(), 'create-layer')).id;
        goLayers.push(goLayer);
        const goAccepts = (await goStorageTry(roots(), ['applydiff', '--file', file, goLayer])).code === 0;
        let berthLayer: string | undefined;
        let berthError: unknown;
        try {
          berthLayer = (await store.putLayer(Readable.from([tar]))).layer.id;
        } catch (err) {
          berthError = err;
        }
        const differs = c.differs && (c.differs.driver ?? driver) === driver ? c.differs : undefined;
        if (differs) {
          assert.equal(berthLayer !== undefined, differs.berthAccepts, `${differs.why}; Berth: ${String(berthError)}`);
          assert.equal(goAccepts, !differs.berthAccepts, `the Go CLI: ${differs.why}`);
        } else {
          assert.equal(berthLayer !== undefined, goAccepts, `the Go CLI ${goAccepts ? 'accepts' : 'refuses'} it; Berth: ${String(berthError ?? 'accepts')}`);
          if (berthLayer) assert.deepEqual(listing(filesDir(berthLayer)), listing(filesDir(goLayer)));
        }
        const problems = checkProblems(await store.check({ layerContents: true }));
        assert.deepEqual(problems.filter((line) => !goLayers.some((id) => line.includes(id))), [], "Berth's layers check clean");
      });
    }
  });
}
