// --sig-proxy: the signals a foreground `berth run`, `start -a` or `attach`
// receives reach the container's process (a trap in its shell sees them), and
// with --sig-proxy=false they act on the command alone, the container running
// on. Through bin/berth.cjs as a user (or a supervisor) signals it, with the
// real conmon and crun.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, afterEach, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { BUSYBOX_IMAGE, openEngineFixture, type EngineFixture } from './engine-fixture.js';

/** A shell that reports each signal it traps, ends with 7 on SIGTERM, and says it is ready. */
const TRAPPING = ['/bin/sh', '-c', 'trap "echo got USR1" USR1; trap "echo got INT" INT; trap "echo got TERM; exit 7" TERM; echo ready; while true; do sleep 0.1; done'];
/** The same, saying it is ready again and again: an attach sees only what comes after it (conmon replays nothing). */
const TICKING = ['/bin/sh', '-c', 'trap "echo got TERM; exit 7" TERM; while true; do echo ready; sleep 0.2; done'];

describe('--sig-proxy (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());
  afterEach(async () => {
    const left = (await fx.store.containers()).map((c) => c.id);
    if (left.length > 0) await runTool(process.execPath, [BERTH_BIN, ...globals(), 'rm', '-f', '-t', '0', ...left]);
  });

  const globals = (): string[] => ['--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay'];
  const ok = async (...args: string[]): Promise<string> => {
    const result = await runTool(process.execPath, [BERTH_BIN, ...globals(), ...args]);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.toString();
  };

  /**
   * Starts `berth ARGS`, sends it each of `signals` once its output has that
   * signal's line whole, in order, and resolves to how it ended and what it
   * printed.
   */
  function signalled(args: string[], signals: Array<[NodeJS.Signals, string]>): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
    const child = spawn(process.execPath, [BERTH_BIN, ...globals(), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    let next = 0;
    const lines = signals.map(([, after]) => after);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      while (next < signals.length && stdout.split('\n').slice(0, -1).includes(lines[next]!)) child.kill(signals[next++]![0]);
    });
    const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
    return new Promise((resolve) => child.on('close', (code, signal) => {
      clearTimeout(deadline);
      resolve({ code, signal, stdout });
    }));
  }

  it('run: SIGUSR1, SIGINT and SIGTERM reach the container; the run ends with its exit code and --rm removes it', async () => {
    const ended = await signalled(['run', '--rm', '--name', 'proxied', BUSYBOX_IMAGE, ...TRAPPING], [['SIGUSR1', 'ready'], ['SIGINT', 'got USR1'], ['SIGTERM', 'got INT']]);
    assert.deepEqual(ended, { code: 7, signal: null, stdout: 'ready\ngot USR1\ngot INT\ngot TERM\n' });
    assert.equal(await ok('ps', '-a', '-q', '--filter', 'name=proxied'), '');
  });

  it('run --sig-proxy=false: SIGTERM ends the command, the container runs on', async () => {
    const ended = await signalled(['run', '--name', 'unproxied', '--sig-proxy=false', BUSYBOX_IMAGE, ...TRAPPING], [['SIGTERM', 'ready']]);
    assert.equal(ended.signal, 'SIGTERM');
    assert.equal(ended.stdout, 'ready\n');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'unproxied'), 'running\n');
    assert.doesNotMatch(await ok('logs', 'unproxied'), /got TERM/);
  });

  it('start -a and attach proxy too; --no-sig-proxy on attach leaves the container alone', async () => {
    await ok('create', '--name', 'started', BUSYBOX_IMAGE, ...TRAPPING);
    assert.deepEqual(await signalled(['start', '-a', 'started'], [['SIGTERM', 'ready']]), { code: 7, signal: null, stdout: 'ready\ngot TERM\n' });
    assert.equal(await ok('inspect', '-f', '{{.State.ExitCode}}', 'started'), '7\n');

    await ok('run', '-d', '--name', 'attached', BUSYBOX_IMAGE, ...TICKING);
    const detached = await signalled(['attach', '--no-sig-proxy', 'attached'], [['SIGINT', 'ready']]);
    assert.equal(detached.signal, 'SIGINT');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'attached'), 'running\n');
    const proxied = await signalled(['attach', 'attached'], [['SIGTERM', 'ready']]);
    assert.equal(proxied.code, 7);
    assert.match(proxied.stdout, /got TERM\n$/);
  });
});
