// Berth (a child process with two loops) and the Go CLI (two loops of
// processes) create and delete containers in one store at the same time for
// 30 s. The locks and last-writer tokens must make every process see every
// other's writes: nothing lost, nothing resurrected, every file parses, check
// is clean. Berth runs in a child so that its work cannot hold up this
// process's event loop, which has to notice the Go processes exiting.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage, goStorageJson, type GoContainer, type GoLayer } from '../helpers/go-cli.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runTool } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const DURATION_MS = 30_000;
const CHURN_CHILD = fileURLToPath(new URL('./container-churn-child.js', import.meta.url));
const IMAGE = 'localhost/concurrent:latest';

interface Worker {
  create(name: string): Promise<string>;
  remove(id: string): Promise<void>;
}

describe('Berth and the Go CLI sharing one store', () => {
  let temp: TempStore;
  let store: Store;
  let baseLayerId: string;

  before(async () => {
    temp = await makeTempStore('berth-interop-concurrent-');
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    store = await openTestStore(temp);
    const tar = await tarOfDirectory(join(temp.dir, 'rootfs'));
    baseLayerId = (await store.putLayer(Readable.from([tar]))).layer.id;
    await store.createImage({ names: [IMAGE], layer: baseLayerId });
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('loses and corrupts nothing while both create and delete containers for 30 s', async (t) => {
    const live = new Map<string, string>();
    const counts: Record<string, { created: number; deleted: number }> = {};
    const deadline = Date.now() + DURATION_MS;
    let failed = false;

    const go: Worker = {
      create: async (name) => (await goStorageJson<GoContainer>(temp, 'create-container', ['--name', name, '--metadata', `made by ${name}`, IMAGE])).id,
      remove: async (id) => { await goStorage(temp, ['delete-container', id]); },
    };

    // Each loop deletes only its own containers, so every delete must succeed.
    const loop = async (tag: string, worker: Worker) => {
      const mine: string[] = [];
      const count = (counts[tag] = { created: 0, deleted: 0 });
      try {
        for (let n = 0; Date.now() < deadline && !failed; n++) {
          const name = `${tag}-${n}`;
          const id = await worker.create(name);
          live.set(id, name);
          count.created++;
          mine.push(id);
          if (mine.length > 4 && Math.random() < 0.45) {
            const [victim] = mine.splice(Math.floor(Math.random() * mine.length), 1) as [string];
            await worker.remove(victim);
            live.delete(victim);
            count.deleted++;
          }
        }
      } catch (err) {
        failed = true;
        throw err;
      }
    };
    const berth = runTool(process.execPath, [CHURN_CHILD, temp.graphRoot, temp.runRoot, IMAGE, String(DURATION_MS)]);
    await Promise.all([loop('go-a', go), loop('go-b', go)]);
    const child = await berth;
    assert.equal(child.code, 0, `the Berth process failed: ${child.stderr}`);
    const berthCount = { created: 0, deleted: 0 };
    for (const line of child.stdout.toString().split('\n')) {
      const [event, id, name] = line.split(' ');
      if (event === 'created') {
        live.set(id!, name!);
        berthCount.created++;
      } else if (event === 'deleted') {
        assert.ok(live.delete(id!), `Berth deleted ${id} after creating it`);
        berthCount.deleted++;
      }
    }
    counts.berth = berthCount;
    t.diagnostic(`${Object.entries(counts).map(([tag, c]) => `${tag}: ${c.created} created, ${c.deleted} deleted`).join('; ')}; live ${live.size}`);
    assert.ok(berthCount.created > 0 && counts['go-a']!.created > 0 && counts['go-b']!.created > 0, 'both sides made containers');

    for (const file of [
      join(temp.graphRoot, 'overlay-layers', 'layers.json'),
      join(temp.graphRoot, 'overlay-images', 'images.json'),
      join(temp.graphRoot, 'overlay-containers', 'containers.json'),
      join(temp.runRoot, 'overlay-layers', 'mountpoints.json'),
    ]) {
      const text = await readFile(file, 'utf8');
      assert.doesNotThrow(() => JSON.parse(text), `${file} parses`);
    }
    for (const dir of ['overlay-layers', 'overlay-containers', 'overlay-images']) {
      // The one spare per JSON file is the inode Berth's next save reuses (rewriteFileAtomicSync).
      const leftovers = (await readdir(join(temp.graphRoot, dir))).filter((f) => f.startsWith('.tmp-') && !/^\.tmp-[a-z-]+\.json-spare$/.test(f));
      assert.deepEqual(leftovers, [], `no temp files left in ${dir}`);
    }

    const expected = [...live.keys()].sort();
    const expectedLayers = new Set([baseLayerId]);
    const ours = await store.containers();
    assert.deepEqual(ours.map((c) => c.id).sort(), expected, 'Berth lists exactly the live containers');
    for (const c of ours) {
      assert.deepEqual(c.names, [live.get(c.id)]);
      assert.equal(c.metadata, `made by ${live.get(c.id)}`);
      expectedLayers.add(c.layerId);
    }
    const fresh = await openTestStore(temp);
    try {
      assert.deepEqual((await fresh.containers()).map((c) => c.id).sort(), expected, 'a freshly opened Berth store agrees');
      assert.deepEqual((await fresh.layers()).map((l) => l.id).sort(), [...expectedLayers].sort(), 'no container layer lost or left over');
    } finally {
      await fresh.close();
    }
    const theirs = await goStorageJson<GoContainer[]>(temp, 'containers');
    assert.deepEqual(theirs.map((c) => c.id).sort(), expected, 'the Go CLI lists exactly the live containers');
    const goLayers = await goStorageJson<GoLayer[]>(temp, 'layers');
    assert.deepEqual(goLayers.map((l) => l.id).sort(), [...expectedLayers].sort());
    assert.ok(goLayers.every((l) => l.flags?.incomplete === undefined), 'no layer is flagged incomplete');

    const driverDirs = (await readdir(join(temp.graphRoot, 'overlay'))).filter((d) => d !== 'l' && !d.startsWith('.'));
    assert.deepEqual(driverDirs.sort(), [...expectedLayers].sort(), 'one overlay dir per layer, no orphans');
    assert.deepEqual(checkProblems(await store.check()), []);
  });
});
