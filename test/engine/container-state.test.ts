// A container's state.json is updated by several processes at once: its
// cleanup (which may run it again under a restart policy), a status refresh in
// `ps` or `inspect`, the verbs. Each update is made on the file as it is, under
// its lock, so none writes back an older copy, and a refresh never records the
// end of a run that another process has already replaced.

import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Container, ContainerStatus, Runtime, defaultRuntimeConfig, generateSpec, isOciError, procStat, type ContainerState } from '../../src/oci/index.js';

describe('container state updates from several processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-container-state-'));
  const runtime = new Runtime({ config: defaultRuntimeConfig(), exitDir: join(dir, 'exits'), socketDir: join(dir, 'sockets') });
  let live: ChildProcess;
  before(async () => {
    live = spawn('sleep', ['60'], { stdio: 'ignore' });
    await once(live, 'spawn');
  });
  after(() => {
    live.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  let count = 0;
  /** A container saved in a persist dir of its own, and a second copy of it as another process would load it. */
  async function twoCopies(state: Partial<ContainerState> = {}): Promise<[Container, Container]> {
    const persistDir = join(dir, `c${++count}`);
    mkdirSync(persistDir);
    const id = String(count).padStart(64, '0');
    const container = new Container({
      id, name: `c${count}`, runtimeHandler: 'crun', bundlePath: persistDir, persistDir, logPath: join(persistDir, 'log'), labels: {}, annotations: {},
      stopSignal: 15, stopTimeout: 10, spec: generateSpec({ Cmd: ['/bin/true'] }, { id, rootfs: join(persistDir, 'rootfs') }), createdAt: new Date().toISOString(), logSizeMax: -1,
    });
    await container.save();
    if (Object.keys(state).length) await container.setState(state);
    return [Container.fromDisk(persistDir)!, Container.fromDisk(persistDir)!];
  }
  const onDisk = (container: Container): ContainerState => JSON.parse(readFileSync(container.statePath, 'utf8')) as ContainerState;
  const deadPid = async (): Promise<number> => {
    const child = spawn('true');
    await once(child, 'exit');
    return child.pid!;
  };

  it('a change keeps what another copy wrote since this one was read (a restart count)', async () => {
    const [cleanup, lister] = await twoCopies({ status: ContainerStatus.Running, initPid: 1234, pid: 1234 });
    await cleanup.setState({ restartCount: 3 });
    await lister.setState({ error: 'seen' });
    assert.equal(onDisk(lister).restartCount, 3);
    assert.equal(onDisk(lister).error, 'seen');
    assert.equal(lister.state.restartCount, 3, 'the copy holds what it wrote');
  });

  it('an observation of a run that was replaced meanwhile is not written, and the copy takes the newer state', async () => {
    const [cleanup, lister] = await twoCopies({ status: ContainerStatus.Running, initPid: 1234, pid: 1234 });
    await cleanup.setState({ status: ContainerStatus.Running, initPid: 5678, pid: 5678, restartCount: 1 });
    const before = readFileSync(cleanup.statePath, 'utf8');
    assert.equal(await lister.recordObserved({ status: ContainerStatus.Stopped, exitCode: 1, pid: 0 }), false);
    assert.equal(readFileSync(cleanup.statePath, 'utf8'), before);
    assert.deepEqual([lister.state.status, lister.state.initPid, lister.state.restartCount], [ContainerStatus.Running, 5678, 1]);
    // On the state it now holds, the same observation is written.
    assert.equal(await lister.recordObserved({ status: ContainerStatus.Stopped, exitCode: 1, pid: 0 }), true);
    assert.deepEqual([onDisk(lister).status, onDisk(lister).exitCode, onDisk(lister).restartCount], [ContainerStatus.Stopped, 1, 1]);
  });

  it('a status refresh that finds its run over, while another process already runs the container again, reports the new run', async () => {
    const oldPid = await deadPid();
    const [restarter, lister] = await twoCopies({ status: ContainerStatus.Running, initPid: oldPid, pid: oldPid, initStartTime: '1' });
    const startTime = procStat(live.pid!)!.startTime;
    await restarter.setState({ status: ContainerStatus.Running, initPid: live.pid!, pid: live.pid!, initStartTime: startTime, restartCount: 1 });
    await runtime.updateContainerStatus(lister);
    assert.deepEqual([lister.state.status, lister.state.initPid, lister.state.restartCount], [ContainerStatus.Running, live.pid, 1]);
    assert.equal(onDisk(lister).status, ContainerStatus.Running);
    assert.equal(onDisk(lister).exitCode, undefined);
  });

  it('an exit file is still recorded for the run it ends', async () => {
    const oldPid = await deadPid();
    const [, lister] = await twoCopies({ status: ContainerStatus.Running, initPid: oldPid, pid: oldPid, initStartTime: '1' });
    writeFileSync(lister.exitFile, '7');
    await runtime.updateContainerStatus(lister);
    assert.deepEqual([onDisk(lister).status, onDisk(lister).exitCode], [ContainerStatus.Stopped, 7]);
  });

  it('a container whose records were removed is not brought back by an update: a typed error, no directory', async () => {
    const [copy] = await twoCopies();
    rmSync(copy.config.persistDir, { recursive: true });
    await assert.rejects(copy.setState({ error: 'late' }), (err: unknown) => isOciError(err, 'container-not-found'));
    assert.ok(!readdirSync(dir).includes(`c${count}`));
  });
});
