// How the executable ends: exitNow hands the process's memory to a keeper
// process so that the parent hears of the exit before the kernel unmaps it.
// What a user sees must not change: the exit code, all of the output, stdout
// closed at the exit (a pipe's reader is not kept waiting), the store's locks
// free for the next command, and nothing of the command left running.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { berthStorageTry } from '../helpers/berth.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

/** PIDs of live processes whose command line names `marker` (a zombie's is empty). */
function processesNaming(marker: string): number[] {
  const found: number[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(marker)) found.push(Number(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return found;
}

describe('the executable\'s exit', () => {
  let temp: TempStore;
  before(async () => {
    temp = await makeTempStore('berth-exit-');
  });
  after(async () => temp.dispose());
  const roots = () => ({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver: 'vfs' as const });

  it('keeps the exit code and all of the output, closes stdout with the exit, and leaves nothing running', async () => {
    const made = await berthStorageTry(roots(), ['create-layer', '-n', 'first']);
    assert.equal(made.code, 0, made.stderr);
    // Many lines, so that a reader still draining the pipe would see a truncation.
    for (let i = 0; i < 40; i++) assert.equal((await berthStorageTry(roots(), ['create-layer', '-n', `layer-${i}`])).code, 0);
    const listed = await berthStorageTry(roots(), ['layers']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout.toString().match(/^[0-9a-f]{64}$/gm)?.length, 1 + 40);
    const refused = await berthStorageTry(roots(), ['delete-layer', 'no-such-layer']);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /no-such-layer/);
    // Each command's locks were free for the next; and no process naming this store is left.
    for (let i = 0; i < 20 && processesNaming(temp.graphRoot).length > 0; i++) await delay(50);
    assert.deepEqual(processesNaming(temp.graphRoot), []);
  });
});
