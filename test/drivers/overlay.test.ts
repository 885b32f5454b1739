// The overlay driver against the Go CLI's overlay driver: on-disk layout,
// feature cache, private home mount, kernel mounts (including a chain too long
// for one page of mount data), whiteouts in the merged view, and changes/diff
// on layers the Go CLI made.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { lstat, readdir, readFile, readlink, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { ChangeKind } from '../../src/archive/index.js';
import { createDriver, isDriverError, type Driver } from '../../src/storage/drivers/index.js';
import { xattrAddon } from '../../src/archive/native.js';
import { makeTempStore, mountPointsUnder, type TempStore } from '../helpers/temp-store.js';
import { goStorage, type StoreRoots } from '../helpers/go-cli.js';
import { readAll } from '../helpers/streams.js';
import { makeGoLayerChainStore, formatChanges, goChangesText, goCreateLayer, listTarEntries } from './go-layers.js';
import { buildTar } from './tar-builder.js';

interface EntryShape {
  path: string;
  type: string;
  mode: string;
  uid: number;
  gid: number;
}

/** Every entry under `dir` as (relative path, type, mode, owner), layer IDs and short names replaced by placeholders. */
async function shapeOf(dir: string, rename: (name: string) => string, rel = ''): Promise<EntryShape[]> {
  const shapes: EntryShape[] = [];
  for (const name of (await readdir(path.join(dir, rel))).sort()) {
    const childRel = path.join(rel, name);
    const st = await lstat(path.join(dir, childRel));
    const type = st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink' : st.isFile() ? 'file' : 'other';
    shapes.push({ path: rename(childRel), type, mode: (st.mode & 0o7777).toString(8), uid: st.uid, gid: st.gid });
    if (st.isDirectory() && !rel.includes('diff')) shapes.push(...(await shapeOf(dir, rename, childRel)));
  }
  return shapes;
}

function mountinfoLine(target: string, info: string): string | undefined {
  return info.split('\n').find((line) => line.split(' ')[4] === target);
}

describe('overlay driver layout', () => {
  let goStore: TempStore;
  let ourStore: TempStore;
  let goRoots: StoreRoots;
  let driver: Driver;
  let goIds: string[];
  const ourIds = ['a'.repeat(64), 'b'.repeat(64)];

  before(async () => {
    goStore = await makeTempStore('berth-overlay-go-');
    ourStore = await makeTempStore('berth-overlay-ours-');
    goRoots = { graphRoot: goStore.graphRoot, runRoot: goStore.runRoot };
    const base = await goCreateLayer(goRoots);
    goIds = [base, await goCreateLayer(goRoots, base)];
    driver = await createDriver('overlay', { graphRoot: ourStore.graphRoot, runRoot: ourStore.runRoot, options: [] });
    await driver.create(ourIds[0]!, undefined);
    await driver.create(ourIds[1]!, ourIds[0]);
  });
  after(async () => {
    await driver.cleanup();
    await ourStore.dispose();
    await goStore.dispose();
  });

  test('layer directories, links and lower files have the modes, owners and forms the Go CLI gives them', async () => {
    for (let i = 0; i < 2; i++) {
      const goDir = path.join(goRoots.graphRoot, 'overlay', goIds[i]!);
      const ourDir = path.join(ourStore.graphRoot, 'overlay', ourIds[i]!);
      // Go also makes `merged` here; Berth leaves it to the first mount (Go's Get makes it then too).
      const goShape = (await shapeOf(goDir, (n) => n)).filter((e) => e.path !== 'merged');
      assert.deepEqual(await shapeOf(ourDir, (n) => n), goShape, `layer ${i}`);
      assert.equal(existsSync(path.join(ourDir, 'merged')), false);
      const [goLink, ourLink] = [await readFile(path.join(goDir, 'link'), 'utf8'), await readFile(path.join(ourDir, 'link'), 'utf8')];
      assert.match(goLink, /^[A-Z2-7]{26}$/);
      assert.match(ourLink, /^[A-Z2-7]{26}$/);
      assert.equal(await readlink(path.join(ourStore.graphRoot, 'overlay', 'l', ourLink)), `../${ourIds[i]}/diff`);
      assert.equal(await readlink(path.join(goRoots.graphRoot, 'overlay', 'l', goLink)), `../${goIds[i]}/diff`);
    }
    const ourBaseLink = await readFile(path.join(ourStore.graphRoot, 'overlay', ourIds[0]!, 'link'), 'utf8');
    assert.equal(await readFile(path.join(ourStore.graphRoot, 'overlay', ourIds[1]!, 'lower'), 'utf8'), `l/${ourBaseLink}`);
  });

  test('the driver home and its flag file look as the Go CLI leaves them', async () => {
    const goHome = path.join(goRoots.graphRoot, 'overlay');
    const ourHome = path.join(ourStore.graphRoot, 'overlay');
    const ids = new Map([...goIds, ...ourIds].map((id, i) => [id, `layer${i % 2}`]));
    const shallow = async (home: string) => (await shapeOf(home, (n) => n)).filter((e) => !e.path.includes('/') || e.path.startsWith('l/'))
      .map((e) => ({ ...e, path: e.path.startsWith('l/') ? 'l/<short>' : (ids.get(e.path) ?? e.path) }))
      .sort((a, b) => a.path.localeCompare(b.path));
    assert.deepEqual(await shallow(ourHome), await shallow(goHome));
    assert.equal(await readFile(path.join(ourHome, '.has-mount-program'), 'utf8'), 'false');
  });

  test('the feature cache in the run root holds the files the Go driver writes at init', async () => {
    const goFiles = (await readdir(path.join(goRoots.runRoot, 'overlay'))).filter((f) => !f.startsWith('idmapped'));
    assert.deepEqual((await readdir(path.join(ourStore.runRoot, 'overlay'))).sort(), goFiles.sort());
  });

  test('status prints the lines `containers-storage status` prints for overlay', async () => {
    // The Go CLI prints its status report on stderr.
    const result = await goStorage(goRoots, ['status']);
    const goStatus = result.stdout.toString() + result.stderr;
    for (const [key, value] of await driver.status()) assert.ok(goStatus.includes(`${key}: ${value}\n`), `${key}: ${value}`);
  });

  test('listLayers names the layer directories only', async () => {
    assert.deepEqual((await driver.listLayers()).sort(), [...ourIds].sort());
  });

  test('remove deletes the layer directory and its l/ link', async () => {
    const id = 'c'.repeat(64);
    await driver.create(id, ourIds[1]);
    const link = await readFile(path.join(ourStore.graphRoot, 'overlay', id, 'link'), 'utf8');
    await driver.remove(id);
    assert.equal(await driver.exists(id), false);
    await assert.rejects(lstat(path.join(ourStore.graphRoot, 'overlay', 'l', link)), { code: 'ENOENT' });
  });
});

describe('overlay driver mounts', () => {
  let store: TempStore;
  let driver: Driver;
  let home: string;

  before(async () => {
    store = await makeTempStore('berth-overlay-mount-');
    driver = await createDriver('overlay', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: ['overlay.mountopt=nodev'] });
    home = path.join(store.graphRoot, 'overlay');
  });
  after(async () => {
    await driver.cleanup();
    await store.dispose();
  });

  test('init bind-mounts the home onto itself as a private mount, cleanup removes it', async () => {
    const line = mountinfoLine(home, await readFile('/proc/self/mountinfo', 'utf8'));
    assert.ok(line, 'home is a mount point');
    assert.ok(!/ shared:\d+/.test(line!.split(' - ')[0]!), 'home is not shared');
    const other = await makeTempStore('berth-overlay-skip-');
    try {
      const skipping = await createDriver('overlay', { graphRoot: other.graphRoot, runRoot: other.runRoot, options: ['skip_mount_home=true'] });
      assert.deepEqual(await mountPointsUnder(other.dir), []);
      const withHome = await createDriver('overlay', { graphRoot: other.graphRoot, runRoot: other.runRoot, options: [] });
      assert.deepEqual(await mountPointsUnder(other.dir), [path.join(other.graphRoot, 'overlay')]);
      await withHome.cleanup();
      assert.deepEqual(await mountPointsUnder(other.dir), []);
      await skipping.cleanup();
    } finally {
      await other.dispose();
    }
  });

  test('mount makes a kernel overlay with Go\'s mount data and nodev; unmount detaches it and removes merged/', async () => {
    await driver.create('base', undefined);
    await driver.create('top', 'base');
    await writeFile(path.join(driver.layerFilesDir('base'), 'from-base'), 'b');
    const merged = await driver.mount('top');
    assert.equal(merged, path.join(home, 'top', 'merged'));
    assert.equal(await readFile(path.join(merged, 'from-base'), 'utf8'), 'b');
    assert.equal(await driver.isMounted('top'), true);
    const line = mountinfoLine(merged, await readFile('/proc/self/mountinfo', 'utf8'))!;
    const baseLink = await readFile(path.join(home, 'base', 'link'), 'utf8');
    assert.match(line, / rw,nodev,relatime - overlay overlay /);
    assert.ok(line.includes(`lowerdir=${home}/l/${baseLink},upperdir=${home}/top/diff,workdir=${home}/top/work`), line);
    await driver.unmount('top');
    assert.equal(await driver.isMounted('top'), false);
    await assert.rejects(stat(merged), { code: 'ENOENT' });
  });

  test('a lost l/ link is rebuilt from the layer\'s link file when mounting, as Go does', async () => {
    await driver.create('lost-base', undefined);
    await driver.create('lost-top', 'lost-base');
    const short = await readFile(path.join(home, 'lost-base', 'link'), 'utf8');
    await (await import('node:fs/promises')).unlink(path.join(home, 'l', short));
    const merged = await driver.mount('lost-top');
    try {
      assert.equal(await readlink(path.join(home, 'l', short)), '../lost-base/diff');
    } finally {
      await driver.unmount('lost-top');
    }
    assert.equal(merged, path.join(home, 'lost-top', 'merged'));
  });

  test('a volatile mount adds the option once the probe says the kernel has it, and can be repeated', async () => {
    await driver.create('vol', undefined);
    for (let round = 0; round < 2; round++) {
      const merged = await driver.mount('vol', { volatile: true });
      const line = mountinfoLine(merged, await readFile('/proc/self/mountinfo', 'utf8'))!;
      assert.match(line, /volatile/, line);
      await writeFile(path.join(merged, `f${round}`), 'x');
      await driver.unmount('vol');
    }
    assert.deepEqual((await readdir(path.join(store.runRoot, 'overlay'))).filter((f) => f.startsWith('volatile')), ['volatile-true']);
  });

  test('a read-only mount stacks the layer\'s own diff as the top lower', async () => {
    await driver.create('ro', undefined);
    const merged = await driver.mount('ro', { options: ['ro'] });
    const line = mountinfoLine(merged, await readFile('/proc/self/mountinfo', 'utf8'))!;
    assert.ok(line.includes(`lowerdir=${home}/ro/diff:${home}/ro/empty`), line);
    assert.match(line, / ro,relatime - overlay /);
    await driver.unmount('ro');
  });

  test('a 120-layer chain, whose mount data outgrows a page, mounts with one lowerdir+ per lower and shows every layer\'s file', async () => {
    let parent: string | undefined;
    for (let i = 0; i < 120; i++) {
      const id = `chain${String(i).padStart(3, '0')}`;
      await driver.create(id, parent);
      await writeFile(path.join(driver.layerFilesDir(id), `file${i}`), String(i));
      parent = id;
    }
    const merged = await driver.mount(parent!);
    try {
      const names = (await readdir(merged)).filter((n) => n.startsWith('file'));
      assert.equal(names.length, 120);
      assert.equal(await readFile(path.join(merged, 'file0'), 'utf8'), '0');
      const line = mountinfoLine(merged, await readFile('/proc/self/mountinfo', 'utf8'))!;
      // The new mount API: each lower its own parameter, absolute, no page limit on the whole; source "overlay" as mount(2) gives.
      assert.match(line, new RegExp(` - overlay overlay rw,lowerdir\\+=${driver.home}/l/[A-Z2-7]{26},lowerdir\\+=`));
      assert.equal(line.split('lowerdir+=').length - 1, 119);
    } finally {
      await driver.unmount(parent!);
    }
  });

  test('whiteouts and opaque directories from applied diffs hide lower entries in the merged view', async () => {
    await driver.create('wb', undefined);
    await driver.create('wt', 'wb');
    await driver.applyDiff('wb', undefined, Readable.from([buildTar([
      { name: 'a/', type: 'dir' }, { name: 'a/x', content: 'x' }, { name: 'a/y', content: 'y' },
      { name: 'b/', type: 'dir' }, { name: 'b/old', content: 'old' }, { name: 'c/', type: 'dir' }, { name: 'c/f', content: 'f' },
    ])]));
    await driver.applyDiff('wt', 'wb', Readable.from([buildTar([
      { name: 'a/', type: 'dir' }, { name: 'a/.wh.x' }, { name: 'b/', type: 'dir' }, { name: 'b/.wh..wh..opq' },
      { name: 'b/new', content: 'new' }, { name: '.wh.c' },
    ])]));
    const upper = driver.layerFilesDir('wt');
    const whiteout = await lstat(path.join(upper, 'a', 'x'));
    assert.ok(whiteout.isCharacterDevice() && whiteout.rdev === 0, 'a/x is a 0:0 character device');
    assert.equal(xattrAddon.lgetxattr(path.join(upper, 'b'), 'trusted.overlay.opaque')?.toString(), 'y');
    const merged = await driver.mount('wt');
    try {
      assert.deepEqual((await readdir(path.join(merged, 'a'))).sort(), ['y']);
      assert.deepEqual(await readdir(path.join(merged, 'b')), ['new']);
      await assert.rejects(stat(path.join(merged, 'c')), { code: 'ENOENT' });
    } finally {
      await driver.unmount('wt');
    }
    const changes = await driver.changes('wt', 'wb');
    assert.deepEqual(changes, [
      { path: '/a', kind: ChangeKind.Modify }, { path: '/a/x', kind: ChangeKind.Delete },
      { path: '/b', kind: ChangeKind.Delete }, { path: '/b/new', kind: ChangeKind.Add }, { path: '/c', kind: ChangeKind.Delete },
    ]);
    const names = listTarEntries(await readAll(await driver.diff('wt', 'wb'))).map((e) => e.name);
    // Walk order follows the names on disk, so the whiteout of `c` comes where `c` sorts.
    assert.deepEqual(names, ['a/', 'a/.wh.x', 'b/', 'b/.wh..wh..opq', 'b/new', '.wh.c']);
  });
});

describe('overlay driver on layers the Go CLI made', () => {
  let store: TempStore;
  let roots: StoreRoots;
  let ids: string[];
  let driver: Driver;

  before(async () => {
    ({ store, roots, ids } = await makeGoLayerChainStore('overlay', 'berth-overlay-go-chain-'));
    driver = await createDriver('overlay', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: [] });
  });
  after(async () => {
    await driver.cleanup();
    await store.dispose();
  });

  test('changes, diff and diffSize equal the Go CLI\'s for each layer against its parent (native diff)', async () => {
    let parent: string | undefined;
    for (const id of ids) {
      assert.equal(formatChanges(await driver.changes(id, parent)), await goChangesText(roots, id));
      const ours = await readAll(await driver.diff(id, parent));
      assert.ok(ours.equals((await goStorage(roots, ['diff', id])).stdout), `diff of ${id}`);
      assert.equal(await driver.diffSize(id, parent), Number((await goStorage(roots, ['diffsize', id])).stdout.toString()));
      parent = id;
    }
  });

  test('changes against a layer that is not the direct parent compare the mounted trees, as Go\'s naive diff does', async () => {
    const sorted = (text: string) => text.split('\n').filter(Boolean).sort();
    const ours = formatChanges(await driver.changes(ids[2]!, ids[0]!));
    assert.deepEqual(sorted(ours), sorted(await goChangesText(roots, ids[2]!, ids[0]!)));
    assert.deepEqual(await mountPointsUnder(path.join(store.graphRoot, 'overlay', ids[2]!)), [], 'temporary mounts released');
  });

  test('a diff against a layer that is not the direct parent lists the same entries as the Go CLI\'s, whiteout times aside', async () => {
    const ours = listTarEntries(await readAll(await driver.diff(ids[2]!, ids[0]!)));
    // Checked with no await in between: the end of the stream comes after the release.
    assert.equal(existsSync(path.join(store.graphRoot, 'overlay', ids[2]!, 'merged')), false, 'unmounted before the reader saw the end');
    const theirs = listTarEntries((await goStorage(roots, ['diff', ids[2]!, ids[0]!])).stdout);
    for (const entry of [...ours, ...theirs]) if (path.posix.basename(entry.name).startsWith('.wh.')) entry.mtime = 0;
    assert.deepEqual(ours, theirs);
    assert.ok(ours.some((e) => e.name === 'etc/.wh.a'), 'a deletion two layers down is a whiteout here');
    assert.deepEqual(await mountPointsUnder(path.join(store.graphRoot, 'overlay', ids[2]!)), [], 'temporary mounts released');
  });

  test('mounts a layer the Go CLI made and shows its whole chain', async () => {
    const merged = await driver.mount(ids[2]!);
    try {
      assert.equal(await readFile(path.join(merged, 'keep', 'x'), 'utf8'), 'changed\n');
      assert.deepEqual(await readdir(path.join(merged, 'opq')), ['fresh']);
      await assert.rejects(stat(path.join(merged, 'etc', 'a')), { code: 'ENOENT' });
    } finally {
      await driver.unmount(ids[2]!);
    }
  });
});

describe('overlay driver options', () => {
  let store: TempStore;
  before(async () => {
    store = await makeTempStore('berth-overlay-options-');
  });
  after(() => store.dispose());

  const init = (options: string[]) => createDriver('overlay', { graphRoot: store.graphRoot, runRoot: store.runRoot, options: ['skip_mount_home=true', ...options] });

  test('an unknown option is refused with the Go text', async () => {
    await assert.rejects(init(['overlay.bogus=1']), (err) => isDriverError(err, 'unknown-option') && err.message === 'overlay: Unknown option overlay.bogus');
  });

  test('mount_program, force_mask and size are refused, not ignored', async () => {
    await assert.rejects(init(['overlay.mount_program=/usr/bin/fuse-overlayfs']), (err) => isDriverError(err, 'not-supported'));
    await assert.rejects(init(['overlay.force_mask=0755']), (err) => isDriverError(err, 'invalid-option'));
    await assert.rejects(init(['overlay.size=10G']), (err) => isDriverError(err, 'not-supported'));
    await assert.rejects(init(['skip_mount_home=maybe']), (err) => isDriverError(err, 'invalid-option'));
  });

  test('a per-layer size option is refused on this backing filesystem', async () => {
    const driver = await init([]);
    await assert.rejects(driver.create('sized', undefined, { storageOpt: { size: '1G' } }), (err) => isDriverError(err, 'not-supported'));
    assert.equal(await driver.exists('sized'), false);
  });

  test('a store marked for a mount program is refused', async () => {
    const other = await makeTempStore('berth-overlay-mp-');
    try {
      const home = path.join(other.graphRoot, 'overlay');
      await (await import('node:fs/promises')).mkdir(home, { recursive: true });
      await writeFile(path.join(home, '.has-mount-program'), 'true');
      await assert.rejects(createDriver('overlay', { graphRoot: other.graphRoot, runRoot: other.runRoot, options: ['skip_mount_home=true'] }), (err) => isDriverError(err, 'not-supported'));
    } finally {
      await other.dispose();
    }
  });
});
