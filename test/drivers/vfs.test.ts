// The vfs driver: full copies that keep everything the parent had, diffs
// applied as deletions, no mounts, and changes/diff matching the Go CLI's vfs.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import type { BigIntStats } from 'node:fs';
import { createDriver, isDriverError, type Driver } from '../../src/storage/drivers/index.js';
import { xattrAddon } from '../../src/archive/native.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { goStorage, type StoreRoots } from '../helpers/go-cli.js';
import { readAll } from '../helpers/streams.js';
import { makeGoLayerChainStore, formatChanges, goChangesText, goCreateLayer, listTarEntries, NET_BIND_CAPABILITY_HEX, setXattr, sh } from './go-layers.js';
import { buildTar } from './tar-builder.js';

/** What a copy must keep of each entry: type+mode, owner, size, mtime, device, link target, xattrs, hard-link groups. */
async function treeFacts(root: string): Promise<Record<string, unknown>> {
  const facts: Record<string, unknown> = {};
  const inodeNames = new Map<bigint, string>();
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(path.join(root, rel))).sort()) {
      const childRel = path.join(rel, name);
      const file = path.join(root, childRel);
      const st: BigIntStats = await lstat(file, { bigint: true });
      const xattrs = Object.fromEntries(xattrAddon.llistxattr(file).sort().map((n) => [n, xattrAddon.lgetxattr(file, n)?.toString('hex')]));
      const firstName = st.nlink > 1n && !st.isDirectory() ? (inodeNames.get(st.ino) ?? (inodeNames.set(st.ino, childRel), childRel)) : undefined;
      facts[childRel] = {
        mode: st.mode.toString(8), uid: st.uid, gid: st.gid, size: st.isDirectory() ? 0n : st.size, mtimeNs: st.mtimeNs,
        rdev: st.rdev, link: st.isSymbolicLink() ? await readlink(file) : undefined, xattrs, hardLinkOf: firstName,
      };
      if (st.isDirectory()) await walk(childRel);
    }
  }
  await walk('');
  return facts;
}

describe('vfs driver', () => {
  let store: TempStore;
  let driver: Driver;
  const dirOf = (id: string) => path.join(store.graphRoot, 'vfs', 'dir', id);

  before(async () => {
    store = await makeTempStore('berth-vfs-');
    driver = await createDriver('vfs', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: [] });
  });
  after(() => store.dispose());

  test('a base layer is an empty 0555 directory under vfs/dir, as the Go CLI makes it', async () => {
    await driver.create('base', undefined);
    assert.equal((await stat(dirOf('base'))).mode & 0o7777, 0o555);
    assert.deepEqual(await readdir(dirOf('base')), []);
    assert.equal((await stat(path.join(store.graphRoot, 'vfs'))).mode & 0o7777, 0o700);
    assert.equal((await stat(path.join(store.graphRoot, 'vfs', 'dir'))).mode & 0o7777, 0o700);
  });

  test('a child is a full copy of its parent: owners, modes, mtimes, xattrs, hard links, symlinks, devices, fifos', async () => {
    await driver.create('rich', undefined);
    const root = dirOf('rich');
    await sh(root, `
      chmod 0751 $R; chown 7:8 $R; mkdir -p $R/d/e; echo hi > $R/d/f; ln $R/d/f $R/hard; ln -s d/f $R/sym
      mkfifo $R/fifo; mknod $R/null c 1 3; chown 1000:1001 $R/d/f; chmod 4755 $R/d/f
      touch -h -d '2021-02-03 04:05:06.789' $R/sym $R/d/e`);
    await setXattr(path.join(root, 'd', 'f'), 'user.k', '00ff');
    await setXattr(path.join(root, 'd', 'f'), 'security.capability', NET_BIND_CAPABILITY_HEX);
    await setXattr(path.join(root, 'd'), 'trusted.t', '61');
    await driver.create('copy', 'rich');
    assert.deepEqual(await treeFacts(dirOf('copy')), await treeFacts(root));
    const [parentRoot, childRoot] = [await stat(root), await stat(dirOf('copy'))];
    assert.deepEqual([childRoot.mode, childRoot.uid, childRoot.gid], [parentRoot.mode, parentRoot.uid, parentRoot.gid]);
  });

  test('applyDiff turns whiteouts into deletions and an opaque marker into an emptied directory', async () => {
    await driver.create('wb', undefined);
    await driver.applyDiff('wb', undefined, Readable.from([buildTar([
      { name: 'a/', type: 'dir' }, { name: 'a/x', content: 'x' }, { name: 'a/y', content: 'y' },
      { name: 'b/', type: 'dir' }, { name: 'b/old', content: 'old' }, { name: 'c', content: 'c' },
    ])]));
    await driver.create('wt', 'wb');
    await driver.applyDiff('wt', 'wb', Readable.from([buildTar([
      { name: 'a/.wh.x' }, { name: 'b/.wh..wh..opq' }, { name: 'b/new', content: 'new' }, { name: '.wh.c' },
    ])]));
    const root = await driver.mount('wt');
    assert.equal(root, dirOf('wt'));
    assert.deepEqual(await readdir(path.join(root, 'a')), ['y']);
    assert.deepEqual(await readdir(path.join(root, 'b')), ['new']);
    await assert.rejects(lstat(path.join(root, 'c')), { code: 'ENOENT' });
    assert.deepEqual(await readdir(path.join(dirOf('wb'), 'b')), ['old'], 'the parent is untouched');
    const names = listTarEntries(await readAll(await driver.diff('wt', 'wb'))).map((e) => e.name).sort();
    assert.deepEqual(names, ['.wh.c', 'a/', 'a/.wh.x', 'b/', 'b/.wh.old', 'b/new']);
  });

  test('mount accepts only `ro`; unmount and isMounted need no kernel mount', async () => {
    await driver.create('m', undefined);
    assert.equal(await driver.mount('m', { options: ['ro'] }), dirOf('m'));
    await assert.rejects(driver.mount('m', { options: ['nodev'] }), (err) => isDriverError(err, 'invalid-option'));
    await driver.unmount('m');
    assert.equal(await driver.isMounted('m'), true);
    await assert.rejects(driver.mount('missing'), (err) => isDriverError(err, 'layer-unknown'));
  });

  test('per-layer storage options and unknown driver options are refused', async () => {
    await assert.rejects(driver.create('s', undefined, { storageOpt: { size: '1G' } }), (err) => isDriverError(err, 'not-supported'));
    await assert.rejects(createDriver('vfs', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: ['vfs.mountopt=nodev'] }), (err) => isDriverError(err, 'invalid-option'));
    await assert.rejects(createDriver('vfs', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: ['overlay.mountopt=nodev'] }), (err) => isDriverError(err, 'unknown-option'));
    const tolerant = await createDriver('vfs', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: ['vfs.ignore_chown_errors=true'] });
    assert.deepEqual(await tolerant.status(), []);
  });

  test('listLayers and remove', async () => {
    await driver.create('gone', undefined);
    assert.ok((await driver.listLayers()).includes('gone'));
    await driver.remove('gone');
    assert.equal(await driver.exists('gone'), false);
    assert.ok(!(await driver.listLayers()).includes('gone'));
  });
});

describe('vfs driver on layers the Go CLI made', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  let driver: Driver;

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('vfs', 'berth-vfs-go-'));
    driver = await createDriver('vfs', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: [] });
  });
  after(() => store.dispose());

  test('changes and diffSize equal the Go CLI\'s (Go lists changes in random order; compared sorted)', async () => {
    const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
    let parent: string | undefined;
    for (const id of ids) {
      assert.deepEqual(sorted(formatChanges(await driver.changes(id, parent))), sorted(await goChangesText(roots, id)));
      assert.equal(await driver.diffSize(id, parent), Number((await goStorage(roots, ['diffsize', id])).stdout.toString()));
      parent = id;
    }
  });

  test('the base layer\'s diff has the same bytes as the Go CLI\'s', async () => {
    const ours = await readAll(await driver.diff(ids[0]!, undefined));
    assert.ok(ours.equals((await goStorage(roots, ['diff', ids[0]!])).stdout));
  });

  test('a copy made by Berth of a layer the Go CLI made equals the Go CLI\'s own copy', async () => {
    const goChild = await goCreateLayer(roots, ids[2]);
    await driver.create('berth-child', ids[2]);
    const dir = (id: string) => path.join(store.graphRoot, 'vfs', 'dir', id);
    assert.deepEqual(await treeFacts(dir('berth-child')), await treeFacts(dir(goChild)));
    assert.equal(await readFile(path.join(dir('berth-child'), 'keep', 'x'), 'utf8'), 'changed\n');
  });
});
