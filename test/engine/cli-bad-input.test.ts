// Bad input to the container verbs through the shipped executable, as a user
// types it: each a clear error and a non-zero exit, and nothing left half-made
// — no store container, no mount in /proc/mounts, no conmon, no cgroup.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { addBusyboxVariant, conmonsOf, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('bad input to the container verbs (bin/berth.cjs): a clear error, a non-zero exit, nothing left', () => {
  let fx: EngineFixture;
  let env: NodeJS.ProcessEnv;
  let stopped: string;
  let running: string;

  const berth = (...args: string[]): Promise<ToolResult> =>
    runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args], { env });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(...args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.toString();
  };
  /** run/create with the fixture's cgroup parent, so that this test's cgroups are told from everyone else's. */
  const make = (verb: 'run' | 'create', ...args: string[]): string[] => [verb, '--cgroup-parent', fx.engine.cgroupParent, ...args];

  before(async () => {
    fx = await openEngineFixture();
    await addBusyboxVariant(fx, 'localhost/berth/nocmd:latest', {});
    // Runtime handlers whose runtime, or conmon, is not there.
    const conf = join(fx.temp.dir, 'berth.conf');
    writeFileSync(conf, [
      '[berth.runtime.runtimes.ghost]', 'runtime_path = "/nonexistent/ghost"',
      '[berth.runtime.runtimes.nomon]', 'runtime_path = "/usr/bin/crun"', 'monitor_path = "/nonexistent/conmon"', '',
    ].join('\n'));
    env = { ...process.env, BERTH_CONF: conf };
    await ok(...make('run', '--name', 'taken', 'busybox', '/bin/busybox', 'true'));
    stopped = (await fx.store.container('taken')).id;
    running = (await ok(...make('run', '-d', '--name', 'live', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done'))).trim();
    // The stopped one's conmon is gone once the run ended its exit command; only the running one's stays.
    for (const deadline = Date.now() + 10_000; conmonsOf(fx.temp.dir).length !== 1 && Date.now() < deadline;) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  after(async () => fx.dispose());

  /** Store containers, the store's mounts in /proc/mounts, conmon processes, the containers' cgroups under every controller. */
  async function leftovers(): Promise<Record<string, unknown>> {
    const containers = (await fx.store.containers()).map((c) => c.id).sort();
    const mounts = readFileSync('/proc/mounts', 'utf8').split('\n').filter((line) => line.includes(fx.temp.dir)).sort();
    const conmons = conmonsOf(fx.temp.dir).length;
    const cgroups = readdirSync('/sys/fs/cgroup').flatMap((controller) => {
      const parent = `/sys/fs/cgroup/${controller}${fx.engine.cgroupParent}`;
      return existsSync(parent) ? readdirSync(parent).filter((name) => name.startsWith('berth-')).map((name) => `${controller}/${name}`) : [];
    }).sort();
    return { containers, mounts, conmons, cgroups };
  }

  /** `berth <args>` fails with exit code 125 and `message` on stderr, and leaves the store, mounts, conmons and cgroups as they were. */
  async function refused(args: string[], message: RegExp): Promise<void> {
    const seen = await leftovers();
    const result = await berth(...args);
    assert.equal(result.code, 125, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, `berth ${args.join(' ')}`);
    assert.deepEqual(await leftovers(), seen, `berth ${args.join(' ')} leaves nothing`);
  }

  it('an unknown container, for each verb that names one', async () => {
    for (const verb of [['start'], ['start', '-a'], ['stop'], ['kill'], ['restart'], ['rm'], ['rm', '-f'], ['exec'], ['attach'], ['logs'], ['inspect', '--type', 'container'], ['wait'], ['pause'], ['unpause'], ['top'], ['port'], ['container', 'checkpoint'], ['container', 'restore'], ['container', 'cleanup']]) {
      await refused([...verb, 'nosuch', ...(verb[0] === 'exec' ? ['true'] : [])], /^Error: no container with name or ID "nosuch" found\n$/);
    }
    // Plain inspect looks for an image too, and says podman's words when neither has the name.
    await refused(['inspect', 'nosuch'], /^Error: no such object: "nosuch"\n$/);
  });

  it('exec in a stopped container', async () => {
    await refused(['exec', 'taken', '/bin/true'], new RegExp(`^Error: container ${stopped} is stopped: exec needs a running container\\n$`));
    await refused(['exec', '-it', 'taken', '/bin/sh'], new RegExp(`^Error: container ${stopped} is stopped: cannot exec in it\\n$`));
  });

  it('start of a running container', async () => {
    await refused(['start', 'live'], new RegExp(`^Error: container ${running} is running, not created: it cannot be started\\n$`));
    await refused(['start', '-a', 'live'], new RegExp(`^Error: container ${running} is running, not created: it cannot be started\\n$`));
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'live'), 'running\n');
  });

  it('other verbs in the wrong state', async () => {
    const stoppedIs = (what: string): RegExp => new RegExp(`^Error: container ${stopped} is stopped: ${what}\n$`);
    const runningIs = (what: string): RegExp => new RegExp(`^Error: container ${running} is running: ${what}\n$`);
    await refused(['pause', 'taken'], stoppedIs('cannot pause it'));
    await refused(['unpause', 'live'], runningIs('cannot unpause it'));
    await refused(['attach', 'taken'], stoppedIs('cannot attach to it'));
    await refused(['top', 'taken'], stoppedIs('cannot list the processes of it'));
    await refused(['stats', '--no-stream', 'taken'], stoppedIs('cannot stats it'));
    await refused(['update', '--memory', '64m', 'taken'], new RegExp(`^Error: container ${stopped} is not running: cannot update its resources\n$`));
    await refused(['kill', 'taken'], new RegExp(`^Error: container ${stopped} is not running: cannot signal it\n$`));
    await refused(['rm', 'live'], new RegExp(`^Error: cannot remove container ${running} as it is running - running or paused containers cannot be removed without force\n$`));
    await refused(['container', 'checkpoint', 'taken'], stoppedIs('cannot checkpoint it'));
    await refused(['container', 'restore', 'live'], runningIs('only a stopped, checkpointed container can be restored'));
    await refused(['container', 'cleanup', 'live'], new RegExp(`^Error: container ${running} is running, refusing to clean up`));
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'live'), 'running\n');
  });

  it('an invalid signal', async () => {
    await refused(['kill', '-s', 'SIGFOO', 'live'], /^Error: invalid signal "SIGFOO"/);
    await refused(['run', '--stop-signal', 'SIGFOO', 'busybox'], /^Error: invalid signal "SIGFOO"/);
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'live'), 'running\n');
  });

  it('a missing runtime or conmon binary, and an unknown runtime handler', async () => {
    for (const flags of [[], ['-d'], ['--rm']]) {
      await refused(make('run', ...flags, '--runtime', 'ghost', 'busybox'), /^Error: runtime ghost: \/nonexistent\/ghost/);
    }
    await refused(make('create', '--runtime', 'ghost', 'busybox'), /\/nonexistent\/ghost/);
    await refused(make('run', '-d', '--runtime', 'nomon', 'busybox'), /^Error: conmon: \/nonexistent\/conmon/);
    await refused(make('run', '--rm', '--runtime', 'kata', 'busybox'), /^Error: runtime handler "kata" is not configured/);
  });

  it('an image with no command, and an unknown image', async () => {
    await refused(make('run', 'localhost/berth/nocmd'), /no command/);
    await refused(make('create', 'localhost/berth/nocmd'), /no command/);
    await refused(make('run', 'localhost/nosuch'), /image "localhost\/nosuch" is not in the store/);
    await refused(make('run', '--pull', 'never', 'localhost/nosuch'), /image "localhost\/nosuch" is not in the store/);
  });

  it('a volume source that does not exist', async () => {
    await refused(make('run', '--rm', '-v', '/nonexistent:/x', 'busybox'), /source \/nonexistent does not exist/);
    await refused(make('run', '-d', '-v', '/nonexistent:/x', 'busybox'), /source \/nonexistent does not exist/);
  });

  it('a name already taken', async () => {
    await refused(make('run', '--name', 'taken', 'busybox'), /^Error: the container name "taken" is already in use\n$/);
    await refused(make('create', '--name', 'live', 'busybox'), /^Error: the container name "live" is already in use\n$/);
  });

  it('a command the runtime cannot run: refused at create, with no conmon left to run the exit command', async () => {
    for (const flags of [[], ['-d'], ['--rm']]) {
      await refused(make('run', ...flags, 'busybox', '/bin/nonexistent'), /^Error: crun create failed: .*\/bin\/nonexistent/);
    }
  });

  it('a cgroup parent that is not an absolute path', async () => {
    await refused(['run', '--cgroup-parent', 'relative/path', 'busybox'], /^Error: cgroup parent "relative\/path" must be an absolute path without \.\.\n$/);
  });
});
