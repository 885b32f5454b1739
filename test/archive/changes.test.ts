// changes and diffSize of src/archive against the Go CLI's `changes` and
// `diffsize` on the same layers: overlay upper dirs (native) and whole trees (vfs, naive).

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile, utimes } from 'node:fs/promises';
import path from 'node:path';
import {
  changesDirs, changesSize, ChangeKind, directorySize, overlayChanges,
} from '../../src/archive/index.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { goStorage, type StoreRoots } from '../helpers/go-cli.js';
import { makeGoLayerChainStore, formatChanges, goChangesText } from '../drivers/go-layers.js';

describe('overlayChanges on layers the Go CLI made', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  const diffDir = (id: string) => path.join(roots.graphRoot, 'overlay', id, 'diff');

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('overlay', 'berth-changes-overlay-'));
  });
  after(() => store.dispose());

  test('reports the same changes, in the same order, as `containers-storage changes` for each layer', async () => {
    const lowers: string[] = [];
    for (const id of ids) {
      const ours = formatChanges(await overlayChanges(lowers, diffDir(id)));
      assert.equal(ours, await goChangesText(roots, id), `layer ${id}`);
      lowers.unshift(diffDir(id));
    }
  });

  test('reports an opaque directory that replaced a lower one as deleted, its new children as added', async () => {
    const changes = await overlayChanges([diffDir(ids[1]!), diffDir(ids[0]!)], diffDir(ids[2]!));
    assert.deepEqual(changes.filter((c) => c.path.startsWith('/opq')), [
      { path: '/opq', kind: ChangeKind.Delete },
      { path: '/opq/fresh', kind: ChangeKind.Add },
    ]);
  });

  test('leaves out directories whose own metadata did not change', async () => {
    const changes = await overlayChanges([diffDir(ids[1]!), diffDir(ids[0]!)], diffDir(ids[2]!));
    assert.ok(!changes.some((c) => c.path === '/same'));
    assert.ok(changes.some((c) => c.path === '/deep/a/b/c' && c.kind === ChangeKind.Modify));
  });

  test('directorySize equals `containers-storage diffsize` (hard links counted once)', async () => {
    for (const id of ids) {
      const goSize = Number((await goStorage(roots, ['diffsize', id])).stdout.toString().trim());
      assert.equal(await directorySize(diffDir(id)), goSize, `layer ${id}`);
    }
  });
});

describe('changesDirs on layers the Go CLI made with vfs', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  const layerDir = (id: string) => path.join(roots.graphRoot, 'vfs', 'dir', id);
  // Go's naive Changes walks a map, so its order is random; compare sorted lines.
  const sortedLines = (text: string) => text.split('\n').filter(Boolean).sort();

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('vfs', 'berth-changes-vfs-'));
  });
  after(() => store.dispose());

  test('reports the same set of changes as `containers-storage changes`, sorted by path', async () => {
    let parent: string | undefined;
    for (const id of ids) {
      const changes = await changesDirs(layerDir(id), parent ? layerDir(parent) : undefined);
      const paths = changes.map((c) => c.path);
      assert.deepEqual(paths, [...paths].sort(), 'sorted by path');
      assert.deepEqual(sortedLines(formatChanges(changes)), sortedLines(await goChangesText(roots, id)), `layer ${id}`);
      parent = id;
    }
  });

  test('changesSize equals `containers-storage diffsize`', async () => {
    let parent: string | undefined;
    for (const id of ids) {
      const changes = await changesDirs(layerDir(id), parent ? layerDir(parent) : undefined);
      const goSize = Number((await goStorage(roots, ['diffsize', id])).stdout.toString().trim());
      assert.equal(await changesSize(layerDir(id), changes), goSize, `layer ${id}`);
      parent = id;
    }
  });
});

describe('changesDirs on generated trees', () => {
  let store: TempStore;
  before(async () => {
    store = await makeTempStore('berth-changes-trees-');
  });
  after(() => store.dispose());

  test('ignores a sub-second mtime difference when one side has whole seconds, as tar round trips produce', async () => {
    const oldDir = path.join(store.dir, 'old');
    const newDir = path.join(store.dir, 'new');
    for (const dir of [oldDir, newDir]) {
      await mkdir(dir);
      await writeFile(path.join(dir, 'f'), 'same');
    }
    await utimes(path.join(oldDir, 'f'), 1_600_000_000.25, 1_600_000_000.25);
    await utimes(path.join(newDir, 'f'), 1_600_000_000, 1_600_000_000);
    assert.deepEqual(await changesDirs(newDir, oldDir), []);
    await utimes(path.join(newDir, 'f'), 1_600_000_001, 1_600_000_001);
    assert.deepEqual(await changesDirs(newDir, oldDir), [{ path: '/f', kind: ChangeKind.Modify }]);
  });

  test('lists a directory as modified when an entry inside it was added, even with equal metadata', async () => {
    const oldDir = path.join(store.dir, 'o2');
    const newDir = path.join(store.dir, 'n2');
    await mkdir(path.join(oldDir, 'd'), { recursive: true });
    await mkdir(path.join(newDir, 'd'), { recursive: true });
    await writeFile(path.join(newDir, 'd', 'x'), 'x');
    await utimes(path.join(oldDir, 'd'), 1_600_000_000, 1_600_000_000);
    await utimes(path.join(newDir, 'd'), 1_600_000_000, 1_600_000_000);
    assert.deepEqual(await changesDirs(newDir, oldDir), [
      { path: '/d', kind: ChangeKind.Modify },
      { path: '/d/x', kind: ChangeKind.Add },
    ]);
  });
});
