// Twenty containers created and started at once from one process: every one
// runs, exits with its own code and output, and is listed.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { readCriLog } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

let fx: EngineFixture;
before(async () => { fx = await openEngineFixture(); });
after(async () => fx.dispose());

it('20 containers started in parallel are all accounted for', async () => {
  const runs = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, name: `p${i}`, command: ['/bin/sh', '-c', `echo n${i}; exit ${i}`] });
    await fx.engine.start(container.id);
    return { i, container, code: await fx.engine.wait(container.id) };
  }));
  for (const { i, container, code } of runs) {
    assert.equal(code, i);
    assert.equal(readCriLog(readFileSync(container.config.logPath)).stdout.toString(), `n${i}\n`);
  }
  const listed = await fx.engine.list();
  assert.equal(listed.length, 20);
  assert.deepEqual(listed.map((c) => c.name).sort(), Array.from({ length: 20 }, (_, i) => `p${i}`).sort());
  assert.ok(listed.every((c) => c.state.status === 'stopped'));
});
