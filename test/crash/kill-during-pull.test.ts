// SIGKILL of `berth pull` while its layers are being staged: the next process
// that uses the store removes the dead stages, finds no image and no
// incomplete layer, and the same pull then succeeds.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { BERTH_BIN, checkProblems, openTestStore } from '../helpers/berth.js';
import { buildOciImage, writeOciLayout } from '../helpers/oci-image.js';
import { runToolOk } from '../helpers/run-tool.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

describe('SIGKILL during berth pull', () => {
  let temp: TempStore;
  let layout: string;

  before(async () => {
    temp = await makeTempStore('berth-crash-pull-');
    const tars = [0, 1, 2, 3].map((i) => new TarBuilder().tree(`data${i}`, { dirs: 40, filesPerDir: 50, maxSmall: 8192, largeFiles: 4 }).toBuffer());
    layout = join(temp.dir, 'layout');
    await writeOciLayout(layout, buildOciImage(tars, { gzip: true }), 'v1');
  });

  after(async () => {
    await temp?.dispose();
  });

  it('leaves no stage, no image and no incomplete layer, and a second pull succeeds', async () => {
    const args = [BERTH_BIN, '--root', temp.graphRoot, '--runroot', temp.runRoot, '--storage-driver', 'overlay', 'pull', '-q', `oci:${layout}:v1`];
    const staging = join(temp.graphRoot, 'overlay', 'staging');
    const child = spawn(process.execPath, args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    // Kill once stages exist (the layers are being applied outside the lock).
    let staged = false;
    for (let i = 0; i < 2000 && !staged; i++) {
      staged = (await readdir(staging).catch(() => [])).length > 0;
      if (!staged) await sleep(5);
    }
    assert.ok(staged, 'the pull never staged a layer');
    child.kill('SIGKILL');
    await exited;
    assert.ok((await readdir(staging)).length > 0, 'the kill left stages behind to clean');

    const store = await openTestStore(temp);
    try {
      assert.deepEqual(await store.images(), []);
      assert.deepEqual(await store.layers(), []);
      assert.deepEqual(await readdir(staging), []);
      assert.deepEqual(checkProblems(await store.check()), []);
    } finally {
      await store.close();
    }
    await runToolOk(process.execPath, args);
    const again = await openTestStore(temp);
    try {
      assert.equal((await again.images()).length, 1);
      assert.equal((await again.layers()).length, 4);
    } finally {
      await again.close();
    }
  });
});
