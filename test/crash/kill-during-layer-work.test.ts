// Kills (SIGKILL) a Berth process at random points while it creates layers and
// deletes images, at least 50 times. After every kill the store must open, hold
// no incomplete layer once loaded, have a driver dir for every layer, check
// clean, and still load in the Go containers-storage CLI.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage, type GoLayer } from '../helpers/go-cli.js';
import { tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const KILLS = 50;
/** Upper bound of the random delay between the child's `ready` and the kill. */
const MAX_DELAY_MS = 600;
const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

describe('SIGKILL during layer creation and image deletion', () => {
  let temp: TempStore;
  let tarPath: string;

  before(async () => {
    temp = await makeTempStore('berth-crash-');
    tarPath = join(temp.dir, 'layer.tar');
    await writeFile(tarPath, await generatedLayerTar(join(temp.dir, 'layer-src')));
  });

  after(async () => {
    await temp?.dispose();
  });

  it(`leaves a store that loads, holds no incomplete layer and checks clean, ${KILLS} times`, async (t) => {
    const lastSteps = new Map<string, number>();
    for (let round = 0; round < KILLS; round++) {
      const delay = Math.floor(Math.random() * MAX_DELAY_MS);
      const step = await runAndKill(temp, tarPath, delay);
      lastSteps.set(step, (lastSteps.get(step) ?? 0) + 1);
      await assertStoreSound(temp, `round ${round}, killed ${delay} ms after ready, during ${step}`);
    }
    t.diagnostic(`killed during: ${[...lastSteps].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
    assert.ok((lastSteps.get('put-layer') ?? 0) > 0, 'at least one kill landed during putLayer');
  });
});

/** Starts the child, waits for it to open the store, kills it `delay` ms later; returns its last step. */
async function runAndKill(temp: TempStore, tarPath: string, delay: number): Promise<string> {
  const child = spawn(process.execPath, [CHILD, temp.graphRoot, temp.runRoot, tarPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let last = 'start';
  let ready!: () => void;
  const isReady = new Promise<void>((resolve) => { ready = resolve; });
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = line;
    if (line === 'ready') ready();
  });
  await Promise.race([isReady, exited]);
  assert.equal(child.exitCode, null, `the child opened the store: ${stderr}`);
  await new Promise((resolve) => setTimeout(resolve, delay));
  assert.equal(child.exitCode, null, `the child was still working when killed: ${stderr}`);
  child.kill('SIGKILL');
  await exited;
  return last;
}

async function assertStoreSound(temp: TempStore, when: string): Promise<void> {
  const store = await openTestStore(temp);
  try {
    const layers = await store.layers();
    for (const layer of layers) {
      assert.equal(layer.flags?.incomplete, undefined, `${when}: layer ${layer.id} is incomplete after load`);
      await access(join(temp.graphRoot, 'overlay', layer.id, 'diff')).catch(() => assert.fail(`${when}: layer ${layer.id} has no driver dir`));
    }
    const onDisk = JSON.parse(await readFile(join(temp.graphRoot, 'overlay-layers', 'layers.json'), 'utf8').catch(() => '[]')) as GoLayer[];
    assert.deepEqual(onDisk.filter((l) => l.flags?.incomplete !== undefined).map((l) => l.id), [], `${when}: layers.json still holds an incomplete layer`);
    assert.deepEqual(checkProblems(await store.check()), [], `${when}: check`);
  } finally {
    await store.close();
  }
  await goStorage(temp, ['layers']).catch((err: Error) => assert.fail(`${when}: the Go CLI cannot load the store: ${err.message}`));
}

/** A tar of ~4 MB: many small files and a few large ones, so a kill can land mid-apply. */
async function generatedLayerTar(dir: string): Promise<Buffer> {
  for (let d = 0; d < 20; d++) {
    await mkdir(join(dir, `dir${d}`), { recursive: true });
    for (let f = 0; f < 40; f++) await writeFile(join(dir, `dir${d}`, `file${f}`), `content ${d}/${f}\n`.repeat(40));
  }
  for (let b = 0; b < 3; b++) await writeFile(join(dir, `big${b}.bin`), Buffer.alloc(1 << 20, b + 1));
  return tarOfDirectory(dir);
}
