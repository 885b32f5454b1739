// A running container's life: stop with the image's stop signal, the SIGKILL
// escalation for a PID 1 that ignores it, exec with output, exit code and a
// timeout, pause that really stops the process, resources updated in the
// cgroup, stats that move, and an OOM kill reported as such.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, renameSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { ExecSyncError, procStat, readCriLog } from '../../src/oci/index.js';
import { BUSYBOX_IMAGE, addBusyboxVariant, cgroupDir, openEngineFixture, type EngineFixture } from './engine-fixture.js';

const LOOP = ['/bin/sh', '-c', 'while :; do sleep 0.1; done'];

describe('container lifecycle (crun)', () => {
  let fx: EngineFixture;
  before(async () => {
    fx = await openEngineFixture();
    await addBusyboxVariant(fx, 'localhost/berth/usr1:latest', {
      StopSignal: 'SIGUSR1',
      Cmd: ['/bin/sh', '-c', "trap 'exit 42' USR1; while :; do sleep 0.1; done"],
    });
  });
  after(async () => fx.dispose());

  async function running(command = LOOP, extra: Record<string, unknown> = {}): Promise<string> {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, command, ...extra });
    await fx.engine.start(container.id);
    return container.id;
  }

  it('a removed container leaves no descriptor of its locks open in the engine\'s process (a daemon makes thousands)', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length;
    // Containers started and removed by force, and a foreground --rm run removed by its own finishRun (as `berth run --rm` does).
    const cycle = async (): Promise<void> => {
      for (let i = 0; i < 3; i++) {
        const container = await fx.engine.create({ image: BUSYBOX_IMAGE, command: LOOP });
        await fx.engine.start(container.id);
        await fx.engine.remove(container.id, { force: true, timeoutSeconds: 0 });
      }
      let ranId = '';
      const code = await fx.engine.run({ image: BUSYBOX_IMAGE, command: ['/bin/busybox', 'true'], autoRemove: true }, (c) => {
        ranId = c.id;
        return fx.engine.wait(c.id);
      });
      assert.equal(code, 0);
      await fx.engine.finishRun(ranId, { remove: true });
      assert.deepEqual(await fx.engine.list(), []);
    };
    // The store's lock files and libuv's one inotify descriptor open in the first cycle; count from the second.
    await cycle();
    const before = openFds();
    await cycle();
    assert.equal(openFds(), before);
  });

  it('stop sends the image STOPSIGNAL and the container exits by it', async () => {
    const container = await fx.engine.create({ image: 'localhost/berth/usr1:latest' });
    await fx.engine.start(container.id);
    await delay(200);
    const started = Date.now();
    const stopped = await fx.engine.stop(container.id, 10);
    assert.equal(stopped.state.exitCode, 42);
    assert.ok(Date.now() - started < 5000, 'exited on the signal, not the timeout');
  });

  it('a PID 1 that ignores SIGTERM is killed after the timeout (137)', async () => {
    const id = await running(['/bin/sh', '-c', "trap '' TERM; while :; do sleep 0.1; done"]);
    const started = Date.now();
    const stopped = await fx.engine.stop(id, 1);
    assert.equal(stopped.state.exitCode, 137);
    assert.ok(Date.now() - started >= 1000);
  });

  it('exec gives output and exit code; a timeout raises ExecSyncError', async () => {
    const id = await running();
    const result = await fx.engine.exec(id, ['/bin/sh', '-c', 'echo out; echo err >&2; exit 5']);
    assert.equal(result.exitCode, 5);
    assert.equal(result.stdout.toString(), 'out\n');
    assert.equal(result.stderr.toString(), 'err\n');
    await assert.rejects(fx.engine.exec(id, ['/bin/sh', '-c', 'echo before; sleep 10'], { timeoutSeconds: 1 }), (err: unknown) => {
      assert.ok(err instanceof ExecSyncError);
      assert.equal(err.exitCode, -1);
      assert.equal(err.stdout.toString(), 'before\n');
      return true;
    });
    await fx.engine.stop(id, 0);
  });

  it('pause freezes the process and unpause lets it go on', async () => {
    const id = await running(['/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /tmp/next; busybox mv /tmp/next /tmp/count; done']);
    await delay(200);
    await fx.engine.pause(id);
    const paused = await fx.engine.get(id);
    assert.equal(paused.state.status, 'paused');
    const count = async (): Promise<string> => (await fx.engine.exec(id, ['/bin/busybox', 'cat', '/tmp/count'])).stdout.toString();
    await assert.rejects(count(), /paused/);
    const freezer = readFileSync(`${cgroupDir(fx, 'freezer', id)}/freezer.state`, 'utf8').trim();
    assert.equal(freezer, 'FROZEN');
    assert.equal(procStat(paused.state.pid)?.state, 'D');
    await fx.engine.unpause(id);
    const first = await count();
    await delay(300);
    assert.notEqual(await count(), first);
    await fx.engine.stop(id, 0);
  });

  it('update changes the limits in the cgroup; stats move while the container works', async () => {
    const id = await running(['/bin/sh', '-c', 'while :; do :; done']);
    await fx.engine.update(id, { memory: { limit: 64 * 1024 * 1024 }, pids: { limit: 100 }, cpu: { shares: 512 } });
    assert.equal(readFileSync(`${cgroupDir(fx, 'memory', id)}/memory.limit_in_bytes`, 'utf8').trim(), String(64 * 1024 * 1024));
    assert.equal(readFileSync(`${cgroupDir(fx, 'pids', id)}/pids.max`, 'utf8').trim(), '100');
    const first = await fx.engine.stats(id);
    await delay(500);
    const second = await fx.engine.stats(id);
    assert.ok(second.cpuUsageNanos > first.cpuUsageNanos, 'CPU time grew');
    assert.equal(second.memoryLimitBytes, 64 * 1024 * 1024);
    assert.ok(second.pids >= 1);
    await fx.engine.stop(id, 0);
  });

  it('a memory limit the process outgrows ends in an OOM kill reported as OOM-killed', async () => {
    const id = await running(['/bin/sh', '-c', 'x=aaaaaaaaaaaaaaaa; while :; do x=$x$x; done'], { memoryBytes: 16 * 1024 * 1024 });
    const code = await fx.engine.wait(id);
    const done = await fx.engine.get(id);
    assert.equal(code, 137);
    assert.equal(done.state.oomKilled, true);
  });

  it('top lists the container\'s processes; a rotated log is reopened by conmon', async () => {
    const id = await running(['/bin/sh', '-c', 'i=0; while :; do i=$((i+1)); echo line$i; sleep 0.05; done']);
    // `start` returns once the runtime let the init go, which may still be inside its execve
    // (no command line yet, shown as `[sh]` as ps shows it): ask again until it is past it.
    const top = () => fx.engine.top(id, ['pid', 'uid', 'hpid', 'args']);
    let table = await top();
    for (let tries = 0; tries < 20 && !table.rows.some((r) => r[3]!.startsWith('/bin/sh -c')); tries++) {
      await delay(50);
      table = await top();
    }
    assert.deepEqual(table.headers, ['PID', 'UID', 'HPID', 'COMMAND']);
    const shell = table.rows.find((r) => r[3]!.startsWith('/bin/sh -c'));
    assert.ok(shell, JSON.stringify(table));
    assert.equal(shell[0], '1', 'PID 1 of the container\'s namespace');
    assert.equal(shell[2], String((await fx.engine.get(id)).state.pid), 'the init as the host numbers it');
    assert.ok(table.rows.every((r) => r[1] === '0'));
    const container = await fx.engine.get(id);
    // The shell may be past its execve and not yet past its first echo: rotate a log with a line in it.
    const logged = (): string => readCriLog(readFileSync(container.config.logPath)).stdout.toString();
    for (let tries = 0; tries < 40 && !/line\d+\n/.test(logged()); tries++) await delay(25);
    const rotated = `${container.config.logPath}.1`;
    renameSync(container.config.logPath, rotated);
    await fx.engine.reopenLog(id);
    await delay(300);
    const fresh = readCriLog(readFileSync(container.config.logPath)).stdout.toString();
    const old = readCriLog(readFileSync(rotated)).stdout.toString();
    const firstFresh = Number(/^line(\d+)/.exec(fresh)?.[1]);
    const lastOld = Number(/line(\d+)\n$/.exec(old)?.[1]);
    assert.ok(firstFresh > lastOld, `new lines go to the new file (${lastOld} then ${firstFresh})`);
    await fx.engine.stop(id, 0);
  });

  it('a log size limit makes conmon truncate the log, keeping the newest lines', async () => {
    const container = await fx.engine.create({ image: BUSYBOX_IMAGE, logSizeMax: 300, command: ['/bin/sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done'] });
    await fx.engine.start(container.id);
    assert.equal(await fx.engine.wait(container.id), 0);
    const log = readFileSync(container.config.logPath);
    assert.ok(log.length <= 300, `log is ${log.length} bytes`);
    const lines = readCriLog(log).stdout.toString().trim().split('\n');
    assert.equal(lines.at(-1), 'line10');
    assert.ok(!lines.includes('line1'));
  });
});
