// After the process that made them is SIGKILLed, a new engine finds every
// container again with its true state: running, exited with its code and
// time, or gone (conmon and the init killed: no exit file) — and a PID that
// another process now holds is never taken for the container.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ContainerEngine } from '../../src/engine/index.js';
import { defaultRuntimeConfig, isSameLiveProcess } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

const engineModule = new URL('../../src/engine/index.js', import.meta.url).href;
const ociModule = new URL('../../src/oci/index.js', import.meta.url).href;
const storageModule = new URL('../../src/storage/index.js', import.meta.url).href;

describe('recovery after the engine process is killed', () => {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());

  it('finds running, exited and gone containers with their true state', async () => {
    // A child makes three containers, reports their IDs, and is SIGKILLed while waiting.
    const script = `
      import { ContainerEngine } from ${JSON.stringify(engineModule)};
      import { defaultRuntimeConfig } from ${JSON.stringify(ociModule)};
      import { openStore } from ${JSON.stringify(storageModule)};
      const store = await openStore({ graphRoot: ${JSON.stringify(fx.temp.graphRoot)}, runRoot: ${JSON.stringify(fx.temp.runRoot)}, driverName: 'overlay' });
      const engine = new ContainerEngine({ store, runtimeConfig: defaultRuntimeConfig() });
      const ids = {};
      for (const [key, command] of [['running', ['/bin/sh', '-c', 'while :; do sleep 0.1; done']], ['exited', ['/bin/sh', '-c', 'exit 7']], ['gone', ['/bin/sh', '-c', 'while :; do sleep 0.1; done']]]) {
        const c = await engine.create({ image: ${JSON.stringify(BUSYBOX_IMAGE)}, command });
        await engine.start(c.id);
        ids[key] = { id: c.id, pid: c.state.initPid, conmon: c.state.conmonPid };
      }
      console.log(JSON.stringify(ids));
      await new Promise(() => {});
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(child.stdout, 'data')) as [Buffer];
    const ids = JSON.parse(line.toString()) as Record<'running' | 'exited' | 'gone', { id: string; pid: number; conmon: number }>;
    child.kill('SIGKILL');
    await once(child, 'exit');
    // "gone": its conmon dies first, so nothing records the init's end.
    process.kill(ids.gone.conmon, 'SIGKILL');
    process.kill(ids.gone.pid, 'SIGKILL');
    while (isSameLiveProcess(ids.gone.pid, undefined)) await delay(10);

    const engine = new ContainerEngine({ store: fx.store, runtimeConfig: defaultRuntimeConfig() });
    const byId = new Map((await engine.list()).map((c) => [c.id, c]));
    assert.equal(byId.get(ids.running.id)?.state.status, 'running');
    assert.equal(byId.get(ids.running.id)?.state.pid, ids.running.pid);
    const exited = byId.get(ids.exited.id)!.state;
    assert.equal(exited.status, 'stopped');
    assert.equal(exited.exitCode, 7);
    assert.ok(exited.finished && Date.parse(exited.finished) > Date.parse(exited.created));
    const gone = byId.get(ids.gone.id)!.state;
    assert.equal(gone.status, 'stopped');
    assert.equal(gone.exitCode, 255);
    await engine.stop(ids.running.id, 0);
    assert.equal((await engine.get(ids.running.id)).state.exitCode, 137);
  });

  it('a PID reused by another process is not taken for the container', async () => {
    const c = await fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/sh', '-c', 'while :; do sleep 0.1; done'] });
    await fx.engine.start(c.id);
    const { initPid, conmonPid } = (await fx.engine.get(c.id)).state;
    process.kill(conmonPid!, 'SIGKILL');
    process.kill(initPid, 'SIGKILL');
    // Another process now holds the PID the record names.
    const stranger = spawn('sleep', ['30'], { stdio: 'ignore' });
    const statePath = join(c.config.persistDir, 'state.json');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    writeFileSync(statePath, JSON.stringify({ ...state, pid: stranger.pid, initPid: stranger.pid }));
    try {
      const seen = await fx.engine.get(c.id);
      assert.equal(seen.state.status, 'stopped');
      assert.equal(seen.state.exitCode, 255);
      assert.ok(isSameLiveProcess(stranger.pid!, undefined), 'the stranger was left alone');
    } finally {
      stranger.kill();
    }
  });
});
