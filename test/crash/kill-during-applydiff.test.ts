// Kills (SIGKILL) `berth storage applydiff -f big.tar <layer>`, run through the
// shipped CLI onto a layer made by `create-layer`, at random points, at least
// 20 times. After each kill the store must load for Berth and for the Go CLI,
// the next write (Berth's or the Go CLI's, by turns) must leave no layer
// half-filled, and `check` must be clean.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthStorage, berthStorageArgs, berthStorageTry } from '../helpers/berth.js';
import { goStorage, goStorageTry, type GoLayer } from '../helpers/go-cli.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const KILLS = 24;

/** Where on disk the killed apply was, read from layers.json before anything else touches the store. */
type KillPoint = 'before-the-marker' | 'mid-apply' | 'after-the-apply';

describe('SIGKILL during applydiff onto an existing layer, through bin/berth.cjs', () => {
  let temp: TempStore;
  let tarPath: string;
  let fullRunMs: number;

  before(async () => {
    temp = await makeTempStore('berth-crash-applydiff-');
    tarPath = join(temp.dir, 'big.tar');
    bigTar().writeTo(tarPath);
    // One complete run sets the range the kills are drawn from.
    const layer = await createLayer(temp);
    const started = Date.now();
    await berthStorage(temp, ['applydiff', '-f', tarPath, layer]);
    fullRunMs = Date.now() - started;
    await goStorage(temp, ['delete-layer', layer]);
  });

  after(async () => {
    await temp?.dispose();
  });

  it(`leaves a store both tools load, that the next write makes whole and check finds clean, ${KILLS} times`, async (t) => {
    const seen = new Map<KillPoint, number>();
    for (let round = 0; round < KILLS; round++) {
      const layer = await createLayer(temp);
      const delay = Math.floor(Math.random() * fullRunMs);
      await runAndKill(temp, tarPath, layer, delay);
      const point = killPoint(temp, layer);
      seen.set(point, (seen.get(point) ?? 0) + 1);
      const nextWriter = round % 2 === 0 ? 'berth' : 'go';
      const when = `round ${round}: killed ${delay} ms into ${fullRunMs} ms (${point}), next writer ${nextWriter}`;

      // The next writer: its load finds the flag and removes the layer before it writes.
      const written = nextWriter === 'berth' ? await createLayer(temp) : (await goStorage(temp, ['create-layer'])).stdout.toString().trim();
      assertNoHalfFilledLayer(temp, when);
      await goStorage(temp, ['layers']).catch((err: Error) => assert.fail(`${when}: the Go CLI cannot load the store: ${err.message}`));
      // Berth's load: check opens the store as any command does, then checks everything.
      const check = await berthStorageTry(temp, ['check']);
      assert.deepEqual([check.code, check.stdout.toString()], [0, ''], `${when}: check: ${check.stdout}${check.stderr}`);
      if (point === 'mid-apply') assert.equal(layerRecords(temp).some((l) => l.id === layer), false, `${when}: the half-applied layer was removed`);

      // Keep the store small: this round's layers go (the killed one if it survived).
      await goStorageTry(temp, ['delete-layer', written, layer]);
    }
    t.diagnostic(`where the kills landed: ${[...seen].map(([point, n]) => `${point} ×${n}`).join(', ')}`);
    assert.ok((seen.get('mid-apply') ?? 0) >= KILLS / 4, 'at least a quarter of the kills landed while the diff was going in');
  });
});

/**
 * ~26 MB: 2,000 small files in 40 dirs, a symlink and a hard link in each, and
 * eight 2 MiB files. (Not TarBuilder.tree: its hard links carry other owners
 * than their targets, which apply gives the shared inode, as Go's does, and
 * the full check then reports; no real tar writes such links.)
 */
function bigTar(): TarBuilder {
  const tar = new TarBuilder().dir('data');
  for (let d = 0; d < 40; d++) {
    tar.dir(`data/d${d}`);
    for (let f = 0; f < 50; f++) tar.file(`data/d${d}/f${f}`, { size: (d * 131 + f * 977) % 8193, seed: d * 1000 + f }, { uid: f % 3, gid: f % 3 });
    tar.symlink(`data/d${d}/link`, 'f0');
    tar.hardlink(`data/d${d}/hard`, `data/d${d}/f0`);
  }
  for (let l = 0; l < 8; l++) tar.file(`data/large${l}.bin`, { size: 2 << 20, seed: 7_000_000 + l });
  return tar;
}

async function createLayer(temp: TempStore): Promise<string> {
  return (await berthStorage(temp, ['create-layer'])).stdout.toString().trim();
}

async function runAndKill(temp: TempStore, tarPath: string, layer: string, delay: number): Promise<void> {
  const child = spawn(process.execPath, berthStorageArgs(temp, ['applydiff', '-f', tarPath, layer]), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, delay));
  child.kill('SIGKILL');
  await exited;
  assert.ok(child.exitCode === null || child.exitCode === 0, `applydiff failed before the kill: ${stderr}`);
}

function layerRecords(temp: TempStore): GoLayer[] {
  return JSON.parse(readFileSync(join(temp.graphRoot, 'overlay-layers', 'layers.json'), 'utf8')) as GoLayer[];
}

function killPoint(temp: TempStore, layer: string): KillPoint {
  const record = layerRecords(temp).find((l) => l.id === layer);
  assert.ok(record, `the killed layer ${layer} is still listed before any other process ran`);
  if (record.flags?.incomplete === true) return 'mid-apply';
  return record['diff-digest'] ? 'after-the-apply' : 'before-the-marker';
}

/** No flag left, one driver dir per record, and every layer either vouched for by a digest or empty. */
function assertNoHalfFilledLayer(temp: TempStore, when: string): void {
  const records = layerRecords(temp);
  assert.deepEqual(records.filter((l) => l.flags?.incomplete !== undefined).map((l) => l.id), [], `${when}: a layer is still flagged incomplete`);
  const driverDirs = readdirSync(join(temp.graphRoot, 'overlay')).filter((name) => name !== 'l' && !name.startsWith('.'));
  assert.deepEqual(driverDirs.sort(), records.map((l) => l.id).sort(), `${when}: one overlay dir per layer`);
  for (const layer of records) {
    if (layer['diff-digest']) continue;
    const files = readdirSync(join(temp.graphRoot, 'overlay', layer.id, 'diff'));
    assert.deepEqual(files, [], `${when}: layer ${layer.id} holds files but no digest`);
  }
}
