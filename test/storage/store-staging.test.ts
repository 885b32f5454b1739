// stageLayer + putLayer({ staged }): the same layer on disk as putLayer with
// the stream, applied outside the layers lock; bad stages leave nothing.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { openStore, isStorageError, type Store } from '../../src/storage/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { openFixture } from './store-fixture.js';

const base = () => new TarBuilder().dir('etc', { mode: 0o751 }).file('etc/motd', 'hi\n').dir('usr').dir('usr/share').file('usr/share/a', 'a').file('keep', 'k').toBuffer();
const child = () => new TarBuilder().dir('./', { mode: 0o700, uid: 7 }).whiteout('etc/motd').opaque('usr/share').file('usr/share/b', 'b', { uid: 5 }).toBuffer();

/** Files under a layer root as `path type mode uid gid size mtime` lines; directories' mtimes (the time of the apply when the tar changed them implicitly) left out. */
function tree(root: string): string {
  const lines = execFileSync('find', [root, '-mindepth', '1', '-printf', '%P %y %m %U %G %s %T@\\n'], { encoding: 'utf8' }).split('\n')
    .map((line) => (line.split(' ')[1] === 'd' ? line.replace(/ [0-9.]+$/, '') : line));
  const rootLine = execFileSync('stat', ['-c', '%a %u %g', root], { encoding: 'utf8' });
  return [rootLine, ...lines.sort()].join('\n');
}

async function layerTree(store: Store, id: string): Promise<string> {
  const path = await store.mount(id);
  try {
    return tree(path).replaceAll(path, '');
  } finally {
    await store.unmount(id);
  }
}

for (const driver of ['overlay', 'vfs'] as const) {
  describe(`staged layers (${driver})`, () => {
    it('a staged layer is recorded and laid out exactly as putLayer of the same stream', async () => {
      const direct = await openFixture(driver);
      const staged = await openFixture(driver);
      try {
        const gzBase = gzipSync(base());
        const ids = ['a'.repeat(64), 'b'.repeat(64)];
        await direct.store.putLayer(Readable.from([gzBase]), { id: ids[0] });
        await direct.store.putLayer(Readable.from([child()]), { id: ids[1], parent: ids[0] });
        // Child staged before its parent exists: stages do not depend on the parent.
        const [stagedChild, stagedBase] = await Promise.all([
          staged.store.stageLayer(Readable.from([child()])),
          staged.store.stageLayer(Readable.from([gzBase])),
        ]);
        await staged.store.putLayer(undefined, { id: ids[0], staged: stagedBase });
        const { size } = await staged.store.putLayer(undefined, { id: ids[1], parent: ids[0], staged: stagedChild });
        assert.equal(size, child().length);
        for (const id of ids) {
          const a = await direct.store.layer(id);
          const b = await staged.store.layer(id);
          assert.deepEqual({ ...b, created: '' }, { ...a, created: '' });
          assert.equal(await layerTree(staged.store, id), await layerTree(direct.store, id));
          const split = (root: string) => readFileSync(join(root, `${driver}-layers`, `${id}.tar-split.gz`));
          assert.deepEqual(split(staged.temp.graphRoot), split(direct.temp.graphRoot));
        }
        assert.deepEqual(readdirSync(staged.store.graphRoot + `/${driver}/staging`), []);
      } finally {
        await direct.store.close();
        await staged.store.close();
        await direct.temp.dispose();
        await staged.temp.dispose();
      }
    });

    it('stageLayer refuses a diff whose digest does not match and leaves no stage', async () => {
      const { temp, store } = await openFixture(driver);
      try {
        await assert.rejects(store.stageLayer(Readable.from([base()]), { uncompressedDigest: `sha256:${'0'.repeat(64)}` }), (err) => isStorageError(err, 'digest-mismatch'));
        assert.deepEqual(readdirSync(join(temp.graphRoot, driver, 'staging')), []);
        assert.deepEqual(await store.layers(), []);
      } finally {
        await store.close();
        await temp.dispose();
      }
    });

    it('putLayer refuses a staged directory that is not one of the store', async () => {
      const { temp, store } = await openFixture(driver);
      try {
        const stage = await store.stageLayer(Readable.from([base()]));
        const forged = { ...stage, directory: temp.dir };
        await assert.rejects(store.putLayer(undefined, { staged: forged }), (err) => isStorageError(err, 'invalid-path'));
        assert.deepEqual(await store.layers(), []);
        await store.discardStagedLayer(stage);
        assert.deepEqual(readdirSync(join(temp.graphRoot, driver, 'staging')), []);
      } finally {
        await store.close();
        await temp.dispose();
      }
    });

    it("a dead process's stage is removed when the layers are next used; a live one's stays", async () => {
      const { temp, store } = await openFixture(driver);
      try {
        await store.layers();
        const staging = join(temp.graphRoot, driver, 'staging');
        mkdirSync(staging, { recursive: true });
        const dead = join(staging, 'berth-999999999-x');
        const live = join(staging, `berth-${process.pid}-y`);
        const foreign = join(staging, '12345');
        for (const dir of [dead, live, foreign]) {
          mkdirSync(join(dir, 'files'), { recursive: true });
          writeFileSync(join(dir, 'files', 'f'), 'x');
        }
        const again = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver });
        await again.layers();
        assert.deepEqual(readdirSync(staging).sort(), ['12345', `berth-${process.pid}-y`]);
        await again.close();
      } finally {
        await store.close();
        await temp.dispose();
      }
    });
  });
}
