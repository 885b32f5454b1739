// Every `berth storage` verb through the shipped executable (bin/berth.cjs, the
// bundle run from its V8 code cache), on one driver: storage-every-verb-*.test.ts
// run it on overlay and on vfs. Each run must exit 0 with nothing on stderr: no
// warning, no lazily loaded code that the bundle cannot reach. What a verb
// writes is checked on disk or read back by another verb.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { findVerb, VERBS } from '../../src/cli/storage/verb-table.js';
import { berthStorageTry } from '../helpers/berth.js';
import type { StoreRoots } from '../helpers/go-cli.js';
import { tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

export type Driver = 'overlay' | 'vfs';

/** Canonical verb names run per driver, for assertEveryVerbRan. */
const verbsRun = new Map<Driver, Set<string>>([['overlay', new Set()], ['vfs', new Set()]]);

/** `berth storage <args>` on `roots`: exit 0 and an empty stderr, or the test fails; resolves stdout. */
export async function berthQuiet(roots: StoreRoots & { driver: Driver }, args: string[], input?: string): Promise<string> {
  const entry = findVerb(args[0]!);
  assert.ok(entry, `${args[0]} is a verb`);
  verbsRun.get(roots.driver)!.add(entry.names[0]!);
  const result = await berthStorageTry(roots, args, input === undefined ? undefined : { input });
  const command = `berth storage --storage-driver ${roots.driver} ${args.join(' ')}`;
  assert.equal(result.stderr, '', `${command}: stderr`);
  assert.equal(result.code, 0, `${command}: exit code (stdout: ${result.stdout.toString()})`);
  return result.stdout.toString();
}

/** A tar of the files given (path → content) made by GNU tar from a tree under `dir`. */
export async function tarOf(dir: string, name: string, files: Record<string, string>): Promise<string> {
  const tree = join(dir, name);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(tree, path, '..'), { recursive: true });
    await writeFile(join(tree, path), content);
  }
  const file = join(dir, `${name}.tar`);
  await writeFile(file, await tarOfDirectory(tree));
  return file;
}

export async function tarNames(file: string): Promise<string[]> {
  const listing = await runToolOk('tar', ['-tf', file]);
  return listing.stdout.toString().split('\n').filter(Boolean).map((name) => name.replace(/^\.\//, ''));
}

/** The super options of the mount at `target`, from /proc/self/mountinfo. */
export async function mountOptionsOf(target: string): Promise<string> {
  const line = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').find((l) => l.split(' ')[4] === target);
  assert.ok(line, `${target} is a mount point`);
  return line.split(' - ')[1]!.split(' ')[2]!;
}

export const firstLine = (text: string) => text.split('\n')[0]!;
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
const exists = (path: string) => stat(path).then(() => true, () => false);

/** The whole scenario, one describe, on a fresh store of `driver`. */
export function describeEveryVerb(driver: Driver): void {
  describe(`every berth storage verb through bin/berth.cjs on ${driver}`, () => {
    let temp: TempStore;
    let roots: StoreRoots & { driver: Driver };
    const run = (args: string[], input?: string) => berthQuiet(roots, args, input);
    const ids: Record<string, string> = {};

    /** Runs `body` on the mounted layer or container `ref`, then unmounts it. */
    async function withMount<T>(ref: string, body: (root: string) => Promise<T>): Promise<T> {
      const root = (await run(['mount', ref])).trim();
      try {
        return await body(root);
      } finally {
        await run(['unmount', ref]);
      }
    }

    before(async () => {
      temp = await makeTempStore(`berth-every-verb-${driver}-`);
      roots = { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver };
    });
    after(async () => {
      await berthStorageTry(roots, ['shutdown', '--force']);
      await temp.dispose();
    });

    it('version and status answer in JSON; the listings of a new store are empty', async () => {
      // Go's Store.Version has no pairs; its CLI prints the same empty list.
      assert.equal(await run(['version', '--json']), '[]\n');
      const status = JSON.parse(await run(['status', '--json'])) as Array<[string, string]>;
      assert.deepEqual(status.find(([key]) => key === 'Driver Name'), ['Driver Name', driver]);
      for (const verb of ['layers', 'images', 'containers']) assert.equal(await run([verb]), '');
    });

    it('import-layer, then create-layer on it: the child starts with the parent\'s files', async () => {
      const baseTar = await tarOf(temp.dir, 'base', { 'etc/os': 'base\n', 'bin/tool': 'tool\n' });
      ids.base = firstLine(await run(['import-layer', '-n', 'base', '-f', baseTar]));
      const child = JSON.parse(await run(['create-layer', '--json', '-n', 'child', 'base'])) as { id: string; parent: string };
      ids.child = child.id;
      assert.equal(child.parent, ids.base);
      await withMount('child', async (root) => {
        assert.equal(await readFile(join(root, 'etc', 'os'), 'utf8'), 'base\n');
        assert.equal(await readFile(join(root, 'bin', 'tool'), 'utf8'), 'tool\n');
      });
    });

    it('applydiff onto the child, then changes, diffsize and diff show what it changed', async () => {
      const upper = await tarOf(temp.dir, 'upper', { 'etc/os': 'child\n', 'etc/new': 'new\n', 'bin/.wh.tool': '' });
      await run(['applydiff', '-f', upper, 'child']);
      const changes = await run(['changes', 'child']);
      assert.match(changes, /^Add "\/etc\/new"$/m);
      assert.match(changes, /^Delete "\/bin\/tool"$/m);
      assert.ok(Number(await run(['diffsize', 'child'])) >= 'child\nnew\n'.length);
      const tar = join(temp.dir, 'child-diff.tar');
      await run(['diff', '-u', '-f', tar, 'child']);
      const names = await tarNames(tar);
      assert.ok(names.includes('etc/new') && names.includes('bin/.wh.tool'), names.join(' '));
      await withMount('child', async (root) => {
        assert.equal(await readFile(join(root, 'etc', 'os'), 'utf8'), 'child\n');
        assert.equal(await exists(join(root, 'bin', 'tool')), false);
      });
    });

    it('changes, diffsize and diff against a layer that is not the parent (overlay: the naive diff)', async () => {
      ids.grandchild = firstLine(await run(['create-layer', '-n', 'grandchild', 'child']));
      await run(['applydiff', '-f', await tarOf(temp.dir, 'grand', { 'etc/grand': 'grand\n' }), 'grandchild']);
      const tar = join(temp.dir, 'grandchild-from-base.tar');
      await run(['diff', '-u', '-f', tar, 'grandchild', 'base']);
      const names = await tarNames(tar);
      assert.ok(['etc/new', 'etc/os', 'etc/grand', 'bin/.wh.tool'].every((name) => names.includes(name)), names.join(' '));
      assert.match(await run(['changes', 'grandchild', 'base']), /^Add "\/etc\/new"$/m);
      assert.ok(Number(await run(['diffsize', 'grandchild', 'base'])) >= 'child\nnew\n'.length);
    });

    it('layer records: layer, layers, parent owners, exists, metadata, names and data', async () => {
      const layer = JSON.parse(await run(['layer', '--json', 'child'])) as Array<{ id: string; parent: string }>;
      assert.deepEqual([layer[0]!.id, layer[0]!.parent], [ids.child, ids.base]);
      assert.match(await run(['layers', '--tree']), /child/);
      assert.equal(await run(['layer-parent-owners', 'child']), `ID: ${ids.child}\n`);
      assert.equal(await run(['exists', '-l', 'child']), 'child: true\n');
      await run(['set-metadata', '-m', 'layer meta', 'child']);
      assert.equal(await run(['metadata', '-q', 'child']), 'layer meta\n');
      await run(['add-names', '-n', 'also-child', 'child']);
      assert.equal(await run(['get-names', 'child']), 'child\nalso-child\n');
      await run(['set-names', '-n', 'child', '-n', 'kid', '-n', 'young', 'child']);
      assert.equal(await run(['get-names', 'kid']), 'child\nkid\nyoung\n');
      assert.deepEqual(JSON.parse(await run(['remove-names', '--json', '-n', 'young', 'kid'])), ['child', 'kid']);
      assert.equal(await run(['get-names', 'kid']), 'child\nkid\n');
      await run(['set-layer-data', 'child', 'notes'], 'layer notes\n');
      assert.equal(await run(['list-layer-data', 'child']), 'notes\n');
      assert.equal(await run(['get-layer-data', 'child', 'notes']), 'layer notes\n');
    });

    it('images: create-image, image, images, data and images-by-digest', async () => {
      ids.image = firstLine(await run(['create-image', '-n', 'example/image:1', 'grandchild']));
      const image = JSON.parse(await run(['image', '--json', 'example/image:1'])) as Array<{ id: string; layer: string }>;
      assert.deepEqual([image[0]!.id, image[0]!.layer], [ids.image, ids.grandchild]);
      assert.equal(await run(['images', '-q']), `${ids.image}\n`);
      const manifest = '{"schemaVersion":2}';
      await run(['set-image-data', 'example/image:1', 'manifest'], manifest);
      assert.equal(await run(['list-image-data', 'example/image:1']), 'manifest\n');
      assert.equal(await run(['get-image-data', 'example/image:1', 'manifest']), manifest);
      assert.equal(await run(['get-image-data-size', 'example/image:1', 'manifest']), `${manifest.length}\n`);
      assert.equal(await run(['get-image-data-digest', 'example/image:1', 'manifest']), `${sha256(manifest)}\n`);
      assert.match(await run(['images-by-digest', '-q', sha256(manifest)]), new RegExp(ids.image));
    });

    it('containers: create-container, container, containers, parent owners, data and directories', async () => {
      ids.container = firstLine(await run(['create-container', '-n', 'web', 'example/image:1']));
      const container = JSON.parse(await run(['container', '--json', 'web'])) as Array<{ id: string; image: string; layer: string }>;
      assert.deepEqual([container[0]!.id, container[0]!.image], [ids.container, ids.image]);
      ids.containerLayer = container[0]!.layer;
      const listed = JSON.parse(await run(['containers', '--json'])) as Array<{ id: string }>;
      assert.deepEqual(listed.map((c) => c.id), [ids.container]);
      assert.match(await run(['containers']), new RegExp(`^${ids.container}\\n\\tname: web\\n$`));
      assert.match(await run(['container-parent-owners', 'web']), new RegExp(`^ID: ${ids.container}\\n`));
      await run(['set-container-data', 'web', 'config'], 'ctr config');
      assert.equal(await run(['list-container-data', 'web']), 'config\n');
      assert.equal(await run(['get-container-data', 'web', 'config']), 'ctr config');
      assert.equal(await run(['get-container-data-size', 'web', 'config']), `${'ctr config'.length}\n`);
      assert.equal(await run(['get-container-data-digest', 'web', 'config']), `${sha256('ctr config')}\n`);
      // The data item sits in the container's directory, next to userdata/ (the directory printed).
      const userdata = firstLine(await run(['get-container-dir', 'web']));
      assert.ok((await stat(userdata)).isDirectory());
      assert.equal(await readFile(join(userdata, '..', 'config'), 'utf8'), 'ctr config');
      assert.ok((await stat(firstLine(await run(['get-container-run-dir', 'web'])))).isDirectory());
    });

    it('copy into the container\'s layer; mount, mounted and unmount the container', async () => {
      const host = join(temp.dir, 'host');
      await mkdir(host, { recursive: true });
      await writeFile(join(host, 'copied'), 'from the host\n');
      await run(['copy', '--chown', '7:8', `${host}`, `${ids.containerLayer}:/srv`]);
      const root = (await run(['mount', 'web'])).trim();
      assert.equal(await run(['mounted', 'web']), 'web mounted\n');
      const copied = await stat(join(root, 'srv', 'copied'));
      assert.deepEqual([copied.uid, copied.gid], [7, 8]);
      assert.equal(await readFile(join(root, 'etc', 'new'), 'utf8'), 'new\n');
      assert.equal(await run(['unmount', 'web']), 'web mountpoint unmounted\n');
      assert.equal(await run(['mounted', 'web']), '');
    });

    it('create-storage-layer makes a layer only the driver knows; storage-layers lists it; repair removes it', async () => {
      const driverOnly = firstLine(await run(['create-storage-layer']));
      assert.match(driverOnly, /^[0-9a-f]{64}$/);
      assert.ok((await run(['storage-layers'])).split('\n').includes(driverOnly));
      const repaired = await berthStorageTry(roots, ['check', '-r']);
      assert.equal(repaired.code, 0, repaired.stderr.toString());
      assert.ok(!(await run(['storage-layers'])).split('\n').includes(driverOnly));
    });

    it('check and repair print nothing on a sound store', async () => {
      assert.equal(await run(['check']), '');
      assert.equal(await run(['repair']), '');
    });

    it('delete-container, delete-image, delete-layer and delete remove the records and their files', async () => {
      // A second child keeps `child` (and `base`) when the image goes.
      const other = firstLine(await run(['create-layer', '-n', 'other', 'child']));
      const containerDir = firstLine(await run(['get-container-dir', 'web']));
      await run(['delete-container', 'web']);
      assert.equal(await exists(containerDir), false);
      const deleted = JSON.parse(await run(['delete-image', '--json', 'example/image:1'])) as Record<string, { 'deleted-layers'?: string[] }>;
      assert.deepEqual(deleted['example/image:1']?.['deleted-layers'], [ids.grandchild]);
      assert.equal(await run(['delete-layer', other]), '');
      assert.equal(await run(['delete', 'kid']), '');
      const left = JSON.parse(await run(['layers', '--json'])) as Array<{ id: string }>;
      assert.deepEqual(left.map((layer) => layer.id), [ids.base]);
      const layerDir = driver === 'vfs' ? join(temp.graphRoot, 'vfs', 'dir', ids.child!) : join(temp.graphRoot, 'overlay', ids.child!);
      assert.equal(await exists(layerDir), false);
    });

    it('shutdown and wipe: wipe leaves no record and no layer directory', async () => {
      assert.equal(await run(['shutdown', '--json']), '""\n');
      assert.equal(await run(['wipe']), '');
      assert.equal(await run(['layers']), '');
      const baseDir = driver === 'vfs' ? join(temp.graphRoot, 'vfs', 'dir', ids.base!) : join(temp.graphRoot, 'overlay', ids.base!);
      assert.equal(await exists(baseDir), false);
    });
  });
}


/** Fails naming each verb of the verb table that berthQuiet did not run on `driver`. */
export function assertEveryVerbRan(driver: Driver): void {
  const missing = VERBS.map((entry) => entry.names[0]!).filter((name) => !verbsRun.get(driver)!.has(name));
  assert.deepEqual(missing, [], `verbs not run through bin/berth.cjs on ${driver}`);
}
