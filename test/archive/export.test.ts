// Tars generated from files by src/archive (no tar-split) against the Go CLI's
// `diff` of the same layers: byte for byte where Go's output is deterministic,
// entry by entry where Go stamps whiteouts with the current time.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { changesDirs, exportChanges, exportDirectory, exportOverlayUpper } from '../../src/archive/index.js';
import type { TempStore } from '../helpers/temp-store.js';
import { goStorage, type StoreRoots } from '../helpers/go-cli.js';
import { readAll } from '../helpers/streams.js';
import { makeGoLayerChainStore, listTarEntries } from '../drivers/go-layers.js';

async function goDiff(roots: StoreRoots, id: string): Promise<Buffer> {
  return (await goStorage(roots, ['diff', id])).stdout;
}

describe('exportOverlayUpper on overlay layers the Go CLI made', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  const diffDir = (id: string) => path.join(roots.graphRoot, 'overlay', id, 'diff');

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('overlay', 'berth-export-overlay-'));
  });
  after(() => store.dispose());

  test('produces the same bytes as `containers-storage diff` for every layer of the chain', async () => {
    const lowers: string[] = [];
    for (const id of ids) {
      const ours = await readAll(exportOverlayUpper(diffDir(id), lowers));
      const theirs = await goDiff(roots, id);
      assert.deepEqual(listTarEntries(ours), listTarEntries(theirs), `entries of layer ${id}`);
      assert.ok(ours.equals(theirs), `bytes of layer ${id}`);
      lowers.unshift(diffDir(id));
    }
  });

  test('writes whiteouts as mode-0 `.wh.` files, the opaque marker after its directory, hard links as links', async () => {
    const entries = listTarEntries(await readAll(exportOverlayUpper(diffDir(ids[2]!), [diffDir(ids[1]!), diffDir(ids[0]!)])));
    const byName = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual([byName.get('d/.wh.ln')?.type, byName.get('d/.wh.ln')?.mode, byName.get('d/.wh.ln')?.size], ['0', 0, 0]);
    const names = entries.map((e) => e.name);
    assert.equal(names.indexOf('opq/.wh..wh..opq'), names.indexOf('opq/') + 1);
    assert.equal(byName.get('opq/.wh..wh..opq')?.mtime, 0);
    assert.deepEqual([byName.get('h2')?.type, byName.get('h2')?.linkname], ['1', 'h1']);
    assert.equal(byName.get('new')?.xattrs['user.added'], '01ff00');
    assert.ok(byName.get('captrue')?.xattrs['security.capability']);
  });
});

describe('exportChanges and exportDirectory on vfs layers the Go CLI made', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  const layerDir = (id: string) => path.join(roots.graphRoot, 'vfs', 'dir', id);

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('vfs', 'berth-export-vfs-'));
  });
  after(() => store.dispose());

  test('the base layer as a whole tree: the same bytes as `containers-storage diff`', async () => {
    const ours = await readAll(exportDirectory(layerDir(ids[0]!)));
    assert.ok(ours.equals(await goDiff(roots, ids[0]!)));
  });

  test('a child layer from its changes: the same entries and contents as `containers-storage diff`, whiteout times aside', async () => {
    for (const [parent, id] of [[ids[0]!, ids[1]!], [ids[1]!, ids[2]!]] as const) {
      const before = Math.floor(Date.now() / 1000);
      const ours = listTarEntries(await readAll(exportChanges(layerDir(id), await changesDirs(layerDir(id), layerDir(parent)))));
      const theirs = listTarEntries(await goDiff(roots, id));
      const after = Math.ceil(Date.now() / 1000) + 1;
      const isWhiteout = (name: string) => path.posix.basename(name).startsWith('.wh.');
      // Go stamps each whiteout with "now"; both must be within the run, everything else identical.
      for (const entry of [...ours, ...theirs].filter((e) => isWhiteout(e.name))) {
        assert.ok(entry.mtime >= before - 5 && entry.mtime <= after, `${entry.name} mtime ${entry.mtime}`);
        entry.mtime = 0;
      }
      assert.deepEqual(ours, theirs, `layer ${id}`);
      assert.ok(ours.some((e) => isWhiteout(e.name)), 'the layer has whiteouts');
    }
  });
});
