// Every `berth storage` verb through bin/berth.cjs on overlay (see every-verb.ts),
// and overlay's two paths the common scenario does not reach: layers too deep
// for absolute lowers in one page (mounted with relative lowers) and the naive
// diff across them.

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthStorageTry } from '../helpers/berth.js';
import type { StoreRoots } from '../helpers/go-cli.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { assertEveryVerbRan, berthQuiet, describeEveryVerb, firstLine, mountOptionsOf, tarNames, tarOf, type Driver } from './every-verb.js';

describeEveryVerb('overlay');

describe('overlay layers too deep for absolute lower paths in one page mount with relative lowers', () => {
  let temp: TempStore;
  let roots: StoreRoots & { driver: Driver };
  const run = (args: string[], input?: string) => berthQuiet(roots, args, input);
  const DEPTH = 8;

  before(async () => {
    temp = await makeTempStore('berth-relative-lowers-');
    // Three 200-byte path components: each absolute lower is over 600 bytes, so
    // eight layers outgrow the 4,096-byte mount data (the driver's feature probe,
    // three such paths, still fits).
    const deep = join(temp.dir, ...Array.from({ length: 3 }, (_, i) => `${i}`.repeat(200)));
    roots = { graphRoot: join(deep, 'graph'), runRoot: temp.runRoot, driver: 'overlay' };
  });
  after(async () => {
    await berthStorageTry(roots, ['shutdown', '--force']);
    await temp.dispose();
  });

  it('mount of the top layer and of a container on it shows every layer\'s file; unmount releases them', async () => {
    let parent: string[] = [];
    for (let i = 0; i < DEPTH; i++) {
      const tar = await tarOf(temp.dir, `layer${i}`, { [`layer${i}`]: `${i}\n` });
      parent = [firstLine(await run(['import-layer', '-n', `layer${i}`, '-f', tar, ...parent]))];
    }
    await run(['create-image', '-n', 'deep', `layer${DEPTH - 1}`]);
    await run(['create-container', '-n', 'deep-ctr', 'deep']);
    for (const ref of [`layer${DEPTH - 1}`, 'deep-ctr']) {
      const root = (await run(['mount', ref])).trim();
      assert.match(await mountOptionsOf(root), /lowerdir=l\//, `${ref} is mounted with relative lowers`);
      for (let i = 0; i < DEPTH; i++) assert.equal(await readFile(join(root, `layer${i}`), 'utf8'), `${i}\n`, `${ref}: layer${i}`);
      await run(['unmount', ref]);
      assert.equal(await run(['mounted', ref]), '');
    }
  });

  it('the naive diff of the top layer against the bottom one holds the middle layers\' files', async () => {
    const tar = join(temp.dir, 'top-from-bottom.tar');
    await run(['diff', '-u', '-f', tar, `layer${DEPTH - 1}`, 'layer0']);
    const expected = Array.from({ length: DEPTH - 1 }, (_, i) => `layer${i + 1}`);
    assert.deepEqual((await tarNames(tar)).filter((name) => name.startsWith('layer')).sort(), expected);
  });
});

it('every verb of berth storage ran through bin/berth.cjs on overlay', () => assertEveryVerbRan('overlay'));
