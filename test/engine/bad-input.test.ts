// Refused requests: each is a typed error, and nothing is left half-made — no
// store container, no mount, no conmon, no cgroup.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ContainerEngine, isEngineError } from '../../src/engine/index.js';
import { defaultRuntimeConfig, isOciError, parseRuntimeConfig } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, addBusyboxVariant, conmonsOf, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('bad input to the engine', () => {
  let fx: EngineFixture;
  let stopped: string;
  let running: string;
  before(async () => {
    fx = await openEngineFixture();
    await addBusyboxVariant(fx, 'localhost/berth/nocmd:latest', {});
    const done = await fx.engine.create({ image: BUSYBOX_IMAGE, name: 'taken' });
    await fx.engine.start(done.id);
    await fx.engine.wait(done.id);
    stopped = done.id;
    // Its conmon lives on until the exit command it runs (the engine's default cleanup) is done: gone before the counts are taken.
    for (const deadline = Date.now() + 10_000; conmonsOf(fx.temp.dir).length > 0 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
    const live = await fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/sh', '-c', 'while :; do sleep 0.1; done'] });
    await fx.engine.start(live.id);
    running = live.id;
  });
  after(async () => {
    await fx.engine.remove(running, { force: true, timeoutSeconds: 0 });
    await fx.dispose();
  });

  /** Store containers, mounts, conmon processes and berth cgroups: none may appear. */
  async function leftovers(): Promise<string> {
    const containers = (await fx.store.containers()).map((c) => c.id).sort();
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(fx.temp.graphRoot)).length;
    const conmons = conmonsOf(fx.temp.dir).length;
    const parent = `/sys/fs/cgroup/memory${fx.engine.cgroupParent}`;
    const cgroups = existsSync(parent) ? readdirSync(parent).filter((name) => name.startsWith('berth-')).sort() : [];
    return JSON.stringify({ containers, mounts, conmons, cgroups });
  }

  async function refusedCleanly(attempt: () => Promise<unknown>, check: (err: unknown) => boolean): Promise<void> {
    const before = await leftovers();
    await assert.rejects(attempt(), check);
    assert.equal(await leftovers(), before);
  }

  it('an unknown container', async () => {
    await refusedCleanly(() => fx.engine.start('nosuch'), (err) => isEngineError(err, 'container-unknown') && /nosuch/.test((err as Error).message));
  });

  it('a verb in the wrong state: exec in a stopped container, start of a running one', async () => {
    await refusedCleanly(() => fx.engine.exec(stopped, ['/bin/sh', '-c', 'true']), (err) => isOciError(err, 'invalid-state') && /stopped/.test((err as Error).message));
    await refusedCleanly(() => fx.engine.start(running), (err) => isOciError(err, 'invalid-state') && /running/.test((err as Error).message));
  });

  it('an invalid signal', async () => {
    await refusedCleanly(() => fx.engine.kill(running, 'SIGFOO'), (err) => isOciError(err, 'invalid-signal'));
    assert.equal((await fx.engine.get(running)).state.status, 'running');
  });

  it('a missing runtime binary', async () => {
    const config = parseRuntimeConfig('[berth.runtime.runtimes.ghost]\nruntime_path = "/nonexistent/ghost"\n');
    const engine = new ContainerEngine({ store: fx.store, runtimeConfig: config, cgroupParent: fx.engine.cgroupParent });
    await refusedCleanly(() => engine.create({ image: BUSYBOX_IMAGE, runtime: 'ghost' }), (err) => isOciError(err, 'binary-missing') && /\/nonexistent\/ghost/.test((err as Error).message));
  });

  it('an unknown runtime handler', async () => {
    await refusedCleanly(() => fx.engine.create({ image: BUSYBOX_IMAGE, runtime: 'kata' }), (err) => isOciError(err, 'runtime-handler-unknown'));
  });

  it('an image with no command', async () => {
    await refusedCleanly(() => fx.engine.create({ image: 'localhost/berth/nocmd:latest' }), (err) => isOciError(err, 'invalid-spec') && /no command/.test((err as Error).message));
  });

  it('a volume whose source does not exist', async () => {
    await refusedCleanly(() => fx.engine.create({ image: BUSYBOX_IMAGE, volumes: ['/nonexistent/src:/data'] }), (err) => isOciError(err, 'invalid-spec') && /does not exist/.test((err as Error).message));
  });

  it('a name already taken', async () => {
    await refusedCleanly(() => fx.engine.create({ image: BUSYBOX_IMAGE, name: 'taken' }), (err) => isEngineError(err, 'name-in-use'));
  });

  it('an unknown image', async () => {
    await refusedCleanly(() => fx.engine.create({ image: 'localhost/nosuch:latest' }), (err) => isEngineError(err, 'image-unknown'));
  });

  it('a command the runtime cannot find fails create with its message, and nothing stays', async () => {
    await refusedCleanly(() => fx.engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/nonexistent'] }), (err) => isOciError(err, 'runtime-failed') && /nonexistent/.test((err as Error).message));
  });

  it('checkpoint says which part this host lacks (crun: no checkpoint command; runc: criu)', async () => {
    await assert.rejects(fx.engine.checkpoint(running), (err) => isOciError(err, 'unsupported') && (err as { detail: Record<string, unknown> }).detail['missing'] === 'runtime-checkpoint');
    const runc = await fx.engine.create({ image: BUSYBOX_IMAGE, runtime: 'runc', command: ['/bin/sh', '-c', 'while :; do sleep 0.1; done'] });
    await fx.engine.start(runc.id);
    try {
      await assert.rejects(fx.engine.checkpoint(runc.id), (err) => isOciError(err, 'unsupported') && (err as { detail: Record<string, unknown> }).detail['missing'] === 'criu' && /criu/.test((err as Error).message));
      assert.equal((await fx.engine.get(runc.id)).state.status, 'running');
    } finally {
      await fx.engine.remove(runc.id, { force: true, timeoutSeconds: 0 });
    }
  });
});

it("runc checkpoint's argv uses only options runc's own usage lists", async () => {
  const { checkpointArgs } = await import('../../src/oci/index.js');
  const { execFileSync } = await import('node:child_process');
  const usage = execFileSync(defaultRuntimeConfig().runtimes['runc']!.path, ['checkpoint', '--help'], { encoding: 'utf8' });
  assert.match(usage, /runc checkpoint \[command options\] <container-id>/);
  const args = checkpointArgs('c1', { imagePath: '/i', workPath: '/w', leaveRunning: true });
  assert.equal(args[0], 'checkpoint');
  assert.equal(args.at(-1), 'c1');
  for (const flag of args.filter((a) => a.startsWith('--'))) assert.match(usage, new RegExp(`^\\s+${flag}\\b`, 'm'), `${flag} is in runc's usage`);
});
