// Kills (SIGKILL) a Berth process at random points while it creates layers and
// deletes images, at least 50 times. After every kill the store must open, hold
// no incomplete layer once loaded, have exactly one driver dir per layer, check
// clean, and still load in the Go containers-storage CLI.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { goStorage, type GoLayer } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

/**
 * Each round kills the child a random time after it announces one step, so
 * that the kills are spread over the three operations rather than landing
 * where the most time goes (applying the tar). Upper bounds are a little over
 * how long each step takes here.
 */
const TARGETS: Array<{ step: string; maxDelayMs: number }> = [
  { step: 'put-layer', maxDelayMs: 400 },
  { step: 'create-image', maxDelayMs: 30 },
  { step: 'delete-image', maxDelayMs: 60 },
];
const KILLS = 51;
const CHILD = fileURLToPath(new URL('./crash-child.js', import.meta.url));

describe('SIGKILL during layer creation and image deletion', () => {
  let temp: TempStore;
  let tarPath: string;

  before(async () => {
    temp = await makeTempStore('berth-crash-');
    tarPath = join(temp.dir, 'layer.tar');
    // ~2.8 MB: 400 small files in 20 dirs (with links) and two 1 MiB files, so a kill can land mid-apply.
    new TarBuilder().tree('data', { dirs: 20, filesPerDir: 20, maxSmall: 4096, largeFiles: 2 }).writeTo(tarPath);
  });

  after(async () => {
    await temp?.dispose();
  });

  it(`leaves a store that loads, holds no incomplete layer and checks clean, ${KILLS} times`, async (t) => {
    const killedDuring = new Map<string, number>();
    for (let round = 0; round < KILLS; round++) {
      const target = TARGETS[round % TARGETS.length]!;
      const delay = Math.floor(Math.random() * target.maxDelayMs);
      const last = await runAndKill(temp, tarPath, target.step, delay);
      killedDuring.set(last, (killedDuring.get(last) ?? 0) + 1);
      await assertStoreSound(temp, `round ${round}, killed ${delay} ms after ${target.step} began (last step seen: ${last})`);
    }
    t.diagnostic(`last step seen at the kill: ${[...killedDuring].map(([s, n]) => `${s} ×${n}`).join(', ')}`);
  });
});

/** Starts the child, kills it `delay` ms after it announces `step`; returns the last step it announced. */
async function runAndKill(temp: TempStore, tarPath: string, step: string, delay: number): Promise<string> {
  const child = spawn(process.execPath, [CHILD, temp.graphRoot, temp.runRoot, tarPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  let last = 'start';
  let reached!: () => void;
  const stepReached = new Promise<void>((resolve) => { reached = resolve; });
  createInterface({ input: child.stdout }).on('line', (line) => {
    last = line;
    if (line === step) reached();
  });
  await Promise.race([stepReached, exited]);
  assert.equal(child.exitCode, null, `the child reached ${step}; it exited with: ${stderr}`);
  await new Promise((resolve) => setTimeout(resolve, delay));
  assert.equal(child.exitCode, null, `the child was still working when killed; it exited with: ${stderr}`);
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
    const driverDirs = (await readdir(join(temp.graphRoot, 'overlay'))).filter((name) => name !== 'l' && !name.startsWith('.'));
    assert.deepEqual(driverDirs.sort(), layers.map((l) => l.id).sort(), `${when}: one overlay dir per layer, no orphans`);
    const onDisk = JSON.parse(await readFile(join(temp.graphRoot, 'overlay-layers', 'layers.json'), 'utf8').catch(() => '[]')) as GoLayer[];
    assert.deepEqual(onDisk.filter((l) => l.flags?.incomplete !== undefined).map((l) => l.id), [], `${when}: layers.json still holds an incomplete layer`);
    assert.deepEqual(checkProblems(await store.check()), [], `${when}: check`);
  } finally {
    await store.close();
  }
  await goStorage(temp, ['layers']).catch((err: Error) => assert.fail(`${when}: the Go CLI cannot load the store: ${err.message}`));
}

