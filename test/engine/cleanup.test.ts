// Containers that end while no Berth process waits for them: conmon runs
// Berth's exit command (`berth … container cleanup --stopped-only [--rm] ID`),
// which records the exit, unmounts the root filesystem and, for --rm, removes
// the container, as podman's cleanup process does. Through bin/berth.cjs as a
// user types it, with the real conmon and crun/runc.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { ContainerEngine } from '../../src/engine/index.js';
import { getLockFile } from '../../src/lock/index.js';
import { defaultRuntimeConfig, parseRuntimeConfig } from '../../src/oci/index.js';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { BUSYBOX_IMAGE, cgroupDir, conmonsOf, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('berth container cleanup and conmon\'s exit command (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  before(async () => { fx = await openEngineFixture(); });
  after(async () => fx.dispose());
  // A failed case must not fail the next ones through what it left behind.
  afterEach(async () => {
    const left = (await fx.store.containers()).map((c) => c.id);
    if (left.length > 0) await berth(['rm', '-f', '-t', '0', ...left]);
  });

  const berth = (args: string[], env?: NodeJS.ProcessEnv): Promise<ToolResult> =>
    runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args], { env });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', `berth ${args.join(' ')} prints no warning`);
    return result.stdout.toString();
  };

  /** Polls `check` until it holds, failing after `ms` with what it last saw. */
  async function eventually<T>(what: string, probe: () => Promise<T> | T, check: (value: T) => boolean, ms = 8000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (check(value)) return value;
      if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Container root filesystems mounted from the store (the driver's own private bind mount of its home is not one). */
  const mountsOfStore = (): string[] => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((line) => line.includes(fx.temp.graphRoot) && line.includes('/merged'));
  const lockFiles = (): string[] => {
    const dir = join(fx.temp.runRoot, 'berth', 'locks');
    return existsSync(dir) ? readdirSync(dir) : [];
  };
  /** What a removed container may leave: store records, mounts, conmons (still running its exit command), lock files. */
  const leftovers = async () => ({
    containers: (await fx.store.containers()).map((c) => c.id),
    mounts: mountsOfStore().length,
    conmons: conmonsOf(fx.temp.dir).length,
    locks: lockFiles(),
  });
  const nothingLeft = (seen: Awaited<ReturnType<typeof leftovers>>): boolean =>
    seen.containers.length === 0 && seen.mounts === 0 && seen.conmons === 0 && seen.locks.length === 0;

  it('run -d --rm: the container is removed when it exits, with nothing left behind', async () => {
    const id = (await ok('run', '-d', '--rm', 'busybox', '/bin/busybox', 'sleep', '0.3')).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await eventually('ps -a after the exit', () => ok('ps', '-a', '-q', '--no-trunc'), (out) => out === '');
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('run --rm makes a volatile container, as podman does: volatile records, an overlay mounted volatile; a plain run does not', async () => {
    const records = (file: string): string[] => {
      const path = join(fx.temp.graphRoot, 'overlay-containers', file);
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Array<{ id: string }>).map((c) => c.id) : [];
    };
    const mountOptionsOf = (id: string): string => mountsOfStore().find((line) => line.includes(id)) ?? '';
    const removed = (await ok('run', '-d', '--rm', 'busybox', '/bin/busybox', 'sleep', '5')).trim();
    const kept = (await ok('run', '-d', 'busybox', '/bin/busybox', 'sleep', '5')).trim();
    try {
      const layerOf = async (id: string): Promise<string> => (await fx.store.container(id)).layerId;
      assert.deepEqual([records('volatile-containers.json').includes(removed), records('containers.json').includes(removed)], [true, false]);
      assert.deepEqual([records('volatile-containers.json').includes(kept), records('containers.json').includes(kept)], [false, true]);
      // The kernel shows the option as `volatile` or, since 6.x, `fsync=volatile`.
      assert.match(mountOptionsOf(await layerOf(removed)), /[,\s](fsync=)?volatile([,\s]|$)/);
      assert.doesNotMatch(mountOptionsOf(await layerOf(kept)), /volatile/);
    } finally {
      await ok('rm', '-f', '-t', '0', removed, kept);
    }
    assert.deepEqual([records('volatile-containers.json'), records('containers.json')], [[], []]);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('wait and logs -f on a run -d --rm container get its exit code and last line before its cleanup removes it', async () => {
    // It ends when told (not after a fixed time): under load, `wait` and `logs -f` may take a second to start.
    const id = (await ok('run', '-d', '--rm', 'busybox', '/bin/sh', '-c', 'while [ ! -e /go ]; do sleep 0.1; done; echo bye; exit 4')).trim();
    const following = Promise.all([berth(['wait', id]), berth(['logs', '-f', id])]);
    await new Promise((r) => setTimeout(r, 2000));
    await ok('exec', id, '/bin/busybox', 'touch', '/go');
    const [waited, followed] = await following;
    assert.deepEqual([waited.code, waited.stdout.toString(), waited.stderr], [0, '4\n', '']);
    assert.deepEqual([followed.code, followed.stdout.toString(), followed.stderr], [0, 'bye\n', '']);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('run -d: the exited container shows Exited (0), its root filesystem unmounted, its runtime container and cgroup gone; it can start again', async () => {
    const id = (await ok('run', '-d', '--cgroup-parent', fx.engine.cgroupParent, '--name', 'quick', 'busybox', '/bin/busybox', 'sleep', '0.3')).trim();
    const { layerId } = await fx.store.container(id);
    assert.ok(existsSync(cgroupDir(fx, 'memory', id)), 'crun made its cgroup');
    await eventually('ps -a', () => ok('ps', '-a'), (out) => /quick/.test(out) && /Exited \(0\)/.test(out));
    await eventually('the mount count', () => fx.store.mounted(id), (count) => count === 0);
    await eventually('conmon', () => conmonsOf(fx.temp.dir).length, (n) => n === 0);
    assert.deepEqual(mountsOfStore().filter((line) => line.includes(layerId)), [], 'no mount of its layer in /proc/self/mountinfo');
    // As podman's cleanup: deleted in the runtime, which removes its cgroup.
    assert.equal(existsSync(cgroupDir(fx, 'memory', id)), false, 'its cgroup is gone');
    assert.match((await runTool('/usr/bin/crun', ['--root', '/run/crun', 'state', id])).stderr, /does not exist|No such file/);
    assert.equal(await ok('inspect', '--format', '{{.State.ExitCode}}', 'quick'), '0\n');
    // Cleaning up a cleaned-up container again is nothing new.
    assert.equal(await ok('container', 'cleanup', 'quick'), `${id}\n`);
    // The next run mounts it again, and its own exit command unmounts it again.
    await ok('start', 'quick');
    await eventually('the mount count after the second run', () => fx.store.mounted(id), (count) => count === 0);
    assert.match(await ok('ps', '-a'), /Exited \(0\)/);
    await ok('rm', 'quick');
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  /**
   * The argv of the one conmon of this fixture's containers, once it is there.
   * conmon forks to daemonize and its first process exits: seen at that moment,
   * the one conmon is gone before its argv is read, so the probe reads it too.
   */
  const conmonArgv = async (): Promise<string[]> => {
    const argvOfOnlyConmon = (): string[] | undefined => {
      const pids = conmonsOf(fx.temp.dir);
      if (pids.length !== 1) return undefined;
      try {
        return readFileSync(`/proc/${pids[0]}/cmdline`, 'utf8').split('\0');
      } catch {
        return undefined;
      }
    };
    return (await eventually('a conmon', argvOfOnlyConmon, (argv) => argv !== undefined)) as string[];
  };
  const exitDelayOf = (argv: string[]): string | undefined => (argv.includes('--exit-delay') ? argv[argv.indexOf('--exit-delay') + 1] : undefined);

  it('a container first run in the foreground, started again detached: no exit delay, cleaned up soon after it exits', async () => {
    assert.equal(await ok('run', '--name', 'fg', 'busybox', '/bin/sh', '-c', 'sleep 0.5; echo once'), 'once\n');
    const { id } = await fx.store.container('fg');
    assert.equal(await fx.store.mounted(id), 0, 'the run cleaned up itself');
    // The run ended the exit command conmon held back; conmon itself exits once it sees that, a moment later.
    await eventually('conmon', () => conmonsOf(fx.temp.dir).length, (n) => n === 0, 2000);
    assert.equal(await ok('start', 'fg'), 'fg\n');
    assert.equal(exitDelayOf(await conmonArgv()), undefined, 'the detached start\'s conmon runs the exit command at once');
    // Well before the foreground's 5 s delay would end: the exit command unmounted it, and conmon is gone.
    await eventually('the mount count', () => fx.store.mounted(id), (count) => count === 0, 3000);
    await eventually('conmon', () => conmonsOf(fx.temp.dir).length, (n) => n === 0, 3000);
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'fg'), 'exited\n');
    // start -a follows the run itself: its conmon delays the exit command, which the start -a ends once it has cleaned up.
    const attached = berth(['start', '-a', 'fg']);
    assert.equal(exitDelayOf(await conmonArgv()), '5');
    const result = await attached;
    // This run's output only, as podman's start -a: not the two earlier runs' again from the log.
    assert.deepEqual([result.code, result.stdout.toString(), result.stderr], [0, 'once\n', '']);
    assert.equal(await fx.store.mounted(id), 0, 'unmounted by start -a');
    await eventually('conmon', () => conmonsOf(fx.temp.dir).length, (n) => n === 0, 2000);
    await ok('rm', 'fg');
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('create --rm: a detached start is removed by its exit command, start -a removes it itself', async () => {
    const detached = (await ok('create', '--rm', 'busybox', '/bin/sh', '-c', 'sleep 0.3; exit 3')).trim();
    assert.equal(await ok('start', detached), `${detached}\n`);
    assert.equal(exitDelayOf(await conmonArgv()), undefined);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft, 3000);
    const followed = (await ok('create', '--rm', 'busybox', '/bin/sh', '-c', 'sleep 0.3; echo bye; exit 4')).trim();
    const result = await berth(['start', '-a', followed]);
    assert.deepEqual([result.code, result.stdout.toString(), result.stderr], [4, 'bye\n', '']);
    assert.deepEqual((await fx.store.containers()).map((c) => c.id), [], 'removed before start -a returned');
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('the exit command is this berth, with the store spelled out and the environment that chooses berth.conf', async () => {
    const conf = join(fx.temp.dir, 'berth.conf');
    writeFileSync(conf, '[berth.runtime.runtimes.myrunc]\nruntime_path = "/usr/sbin/runc"\nruntime_root = "/run/runc"\n');
    const env = { ...process.env, BERTH_CONF: conf };
    const run = await berth(['run', '-d', '--rm', '--runtime', 'myrunc', 'busybox', '/bin/busybox', 'sleep', '30'], env);
    assert.equal(run.code, 0, run.stderr);
    const id = run.stdout.toString().trim();
    const [conmon] = conmonsOf(fx.temp.dir);
    const argv = readFileSync(`/proc/${conmon}/cmdline`, 'utf8').split('\0');
    const exitArgs = argv.flatMap((arg, i) => (argv[i - 1] === '--exit-command-arg' ? [arg] : []));
    assert.equal(argv[argv.indexOf('--exit-command') + 1], process.execPath);
    assert.deepEqual(exitArgs, [
      BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay',
      'container', 'cleanup', '--stopped-only', '--rm', id,
    ]);
    assert.ok(readFileSync(`/proc/${conmon}/environ`, 'utf8').split('\0').includes(`BERTH_CONF=${conf}`));
    // The cleanup process finds the handler berth.conf names: it removes the container once killed.
    assert.equal((await berth(['kill', id], env)).code, 0);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('container cleanup refuses a running container and names an unknown one', async () => {
    const id = (await ok('run', '-d', '--name', 'busy', 'busybox', '/bin/busybox', 'sleep', '30')).trim();
    const running = await berth(['container', 'cleanup', 'busy']);
    assert.equal(running.code, 125);
    assert.equal(running.stderr, `Error: container ${id} is running, refusing to clean up: only an exited container is cleaned up\n`);
    assert.equal(await fx.store.mounted(id), 1, 'still mounted');
    const unknown = await berth(['container', 'cleanup', '--rm', 'nosuch']);
    assert.equal(unknown.code, 125);
    assert.equal(unknown.stderr, 'Error: no container with name or ID "nosuch" found\n');
    // The exit command's form: a container gone or running again is nothing to do.
    assert.equal(await ok('container', 'cleanup', '--stopped-only', 'nosuch'), '');
    assert.equal(await ok('container', 'cleanup', '--stopped-only', '--rm', 'busy'), '');
    // A detached exec's exit command: a session not ended (no exit file) or a container gone is nothing to do.
    const session = 'f'.repeat(64);
    assert.equal(await ok('container', 'cleanup', '--exec', session, 'busy'), '');
    assert.equal(await ok('container', 'cleanup', '--exec', session, 'nosuch'), '');
    const two = await berth(['container', 'cleanup', '--exec', session, 'busy', 'nosuch']);
    assert.deepEqual([two.code, two.stderr], [125, 'Error: --exec takes exactly one container\n']);
    // A session ID names a directory: anything but 64 hex digits is refused before it touches a path.
    const sneaky = await berth(['container', 'cleanup', '--exec', '../../../x', 'busy']);
    assert.deepEqual([sneaky.code, sneaky.stderr], [125, 'Error: invalid exec session ID "../../../x"\n']);
    await ok('rm', '-f', '-t', '0', 'busy');
    // Nor does a store deleted since (a temporary one) come back by being opened.
    const goneRoot = join(fx.temp.dir, 'deleted-graph');
    const late = await runTool(process.execPath, [BERTH_BIN, '--root', goneRoot, '--runroot', join(fx.temp.dir, 'deleted-run'), 'container', 'cleanup', '--stopped-only', '--rm', id]);
    assert.deepEqual([late.code, late.stderr, existsSync(goneRoot)], [0, '', false]);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('foreground run --rm gives the output and exit code, and it and the exit command leave nothing', async () => {
    for (let i = 0; i < 4; i++) {
      const result = await berth(['run', '--rm', 'busybox', 'sh', '-c', `echo run ${i}; exit ${i + 3}`]);
      assert.deepEqual([result.code, result.stdout.toString(), result.stderr], [i + 3, `run ${i}\n`, '']);
      // Removed before `run` returned; the exit command, which waited for it, found nothing to do.
      assert.deepEqual((await fx.store.containers()).map((c) => c.id), []);
    }
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('a foreground run\'s end (finishRun) ends the exit command conmon still delays; without it conmon runs the command', async () => {
    // An engine whose exit command leaves a mark: /usr/bin/touch <marker>-<id>.
    const marker = join(fx.temp.dir, 'exit-command-ran');
    const engine = new ContainerEngine({
      store: fx.store, runtimeConfig: defaultRuntimeConfig(), cgroupParent: fx.engine.cgroupParent,
      exitCommand: (id) => ({ path: '/usr/bin/touch', args: [`${marker}-${id}`] }),
    });
    for (const finish of [true, false]) {
      const { id } = await engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/busybox', 'true'], exitCommandDelay: 1 });
      await engine.start(id);
      assert.equal(await engine.wait(id, { keepMounted: true }), 0);
      if (finish) await engine.finishRun(id, { remove: true });
      else await engine.remove(id);
      await eventually('conmon', () => conmonsOf(fx.temp.dir).length, (n) => n === 0);
      assert.equal(existsSync(`${marker}-${id}`), !finish, finish ? 'ended before it ran' : 'run after the delay');
    }
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('container restore waits for the container\'s lock, then fails naming what is missing, and leaves it exited and unmounted', async () => {
    await ok('run', '--name', 'saved', 'busybox', '/bin/busybox', 'true');
    const { id } = await fx.store.container('saved');
    // Held here as a cleanup process, rm or a rerun would hold it.
    const lock = getLockFile(join(fx.temp.runRoot, 'berth', 'locks', id));
    await lock.lock();
    let restore: Promise<ToolResult>;
    try {
      restore = berth(['container', 'restore', 'saved']);
      assert.equal(await Promise.race([restore.then(() => 'done'), delay(1500).then(() => 'waiting')]), 'waiting');
      assert.equal(await fx.store.mounted(id), 0, 'nothing prepared while the lock is held');
    } finally {
      lock.unlock();
    }
    const result = await restore;
    assert.equal(result.code, 125);
    assert.match(result.stderr, /^Error: checkpoint: runtime crun \(\S+\) has no checkpoint command/);
    assert.equal(await fx.store.mounted(id), 0, 'the root filesystem it mounted for the restore is unmounted again');
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'saved'), 'exited\n');
    await ok('rm', 'saved');
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('a library engine given no exit command: its detached autoRemove container, on a handler only its config names, is removed once it exits', async () => {
    const runtimeConfig = parseRuntimeConfig('[berth.runtime]\ndefault_runtime = "librunc"\n[berth.runtime.runtimes.librunc]\nruntime_path = "/usr/sbin/runc"\nruntime_root = "/run/runc"\nallowed_annotations = ["io.example/a"]\n');
    const engine = new ContainerEngine({ store: fx.store, runtimeConfig, cgroupParent: fx.engine.cgroupParent });
    const container = await engine.create({ image: BUSYBOX_IMAGE, command: ['/bin/busybox', 'sleep', '1'], autoRemove: true });
    await engine.start(container.id);
    const argv = await conmonArgv();
    const exitArgs = argv.flatMap((arg, i) => (argv[i - 1] === '--exit-command-arg' ? [arg] : []));
    assert.equal(argv[argv.indexOf('--exit-command') + 1], process.execPath);
    assert.deepEqual(exitArgs, [
      BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay',
      'container', 'cleanup', '--stopped-only', '--rm', container.id,
    ]);
    // The cleanup process reads the engine's handlers from the berth.conf beside the container's records.
    const berthConf = join(container.config.persistDir, 'berth.conf');
    assert.ok(readFileSync(`/proc/${conmonsOf(fx.temp.dir)[0]}/environ`, 'utf8').split('\0').includes(`BERTH_CONF=${berthConf}`));
    const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));
    assert.deepEqual(plain(parseRuntimeConfig(readFileSync(berthConf, 'utf8'))), plain(runtimeConfig));
    // No berth process waits for it: conmon's exit command removes it.
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });

  it('cleanup --rm, a second one and rm at once on one exited container: one removes it, none fails', async () => {
    const id = (await ok('run', '-d', 'busybox', '/bin/busybox', 'true')).trim();
    await eventually('ps -a', () => ok('ps', '-a', '-q', '--no-trunc'), (out) => out === `${id}\n`);
    await eventually('exited', () => ok('inspect', '--format', '{{.State.Status}}', id), (out) => out === 'exited\n');
    const results = await Promise.all([
      berth(['container', 'cleanup', '--stopped-only', '--rm', id]),
      berth(['container', 'cleanup', '--stopped-only', '--rm', id]),
      berth(['rm', id]),
    ]);
    for (const result of results.slice(0, 2)) assert.deepEqual([result.code, result.stderr], [0, '']);
    // A user's rm that comes after the removal finds no container, as podman's does.
    const rm = results[2]!;
    if (rm.code === 0) assert.equal(rm.stdout.toString(), `${id}\n`);
    else assert.deepEqual([rm.code, rm.stderr], [125, `Error: no container with name or ID "${id}" found\n`]);
    await eventually('store, mounts, conmon, lock', leftovers, nothingLeft);
  });
});
