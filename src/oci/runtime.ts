// Seed 000's Runtime for OCI runtimes (runc, crun) under conmon: create,
// start, stop with a timeout then SIGKILL, signal, pause, update, exec,
// stats, status refresh, delete. Every state change is persisted by the
// Container before the call returns.

import { spawn, spawnSync } from 'node:child_process';
import { constants } from 'node:os';
import { mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, statSync, existsSync, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isErrno, isoTime, removeFile, removeTree } from '../util/index.js';
import { attachSocket, reopenLog, resizeTerminal, type AttachSession, type AttachStreams } from './attach.js';
import { conmonExecDetached, conmonExecSync, spawnConmonCreate, type ConmonCreateOptions, type ExitCommand, type PendingConmon } from './conmon.js';
import { Container, ContainerStatus, type ContainerConfig } from './container.js';
import { ExecSyncError, OciError, isOciError } from './errors.js';
import { runtimeHandler, type RuntimeConfig, type RuntimeHandler } from './handlers.js';
import { readCriLog } from './log.js';
import { isSameLiveProcess, procStat } from './proc.js';
import { runtimeCommand } from './runtime-command.js';
import type { OciLinuxResources, OciProcess } from './spec-types.js';
import { hostCapabilities } from './spec.js';
import { cgroupFrozen, cgroupProcesses, readCgroupStats, type ContainerStats } from './stats.js';

/** How long a container whose init is gone gets for conmon's exit file before the runtime is asked. */
const EXIT_FILE_GRACE_MS = 250;
/** How often a status refresh looks again after finding that another process moved the container on while it looked. */
const REFRESH_ROUNDS = 4;

export interface RuntimeOptions {
  config: RuntimeConfig;
  /** conmon writes `<id>` here when a container exits. */
  exitDir: string;
  /** `<socketDir>/<id>` links to the bundle (attach socket); keep it short (108-byte socket paths). */
  socketDir: string;
}

export interface ExecSyncResult {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** The fields of a container's record that its conmon is given, and whether it has a terminal. */
export type MonitoredFields = Pick<ContainerConfig, 'id' | 'name' | 'runtimeHandler' | 'bundlePath' | 'persistDir' | 'logPath' | 'logDriver' | 'logSizeMax' | 'pidFile' | 'conmonPidFile' | 'timeout' | 'stdin' | 'exitCommand'> & { terminal: boolean };

export class Runtime {
  readonly config: RuntimeConfig;
  readonly exitDir: string;
  readonly socketDir: string;

  constructor(options: RuntimeOptions) {
    this.config = options.config;
    this.exitDir = options.exitDir;
    this.socketDir = options.socketDir;
    for (const dir of [this.exitDir, this.socketDir]) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  handler(container: Container): RuntimeHandler {
    return runtimeHandler(this.config, container.config.runtimeHandler);
  }

  /**
   * The conmon of a create, spawned before the container's bundle is ready
   * (spawnConmonCreate: conmon's own start overlaps the caller's work): it
   * needs the bundle and persist directories to exist. `monitored` holds the
   * fields of the container's record that conmon is given; createContainer
   * with the result as `monitor` starts it.
   */
  spawnMonitor(monitored: MonitoredFields, options: { exitDelaySeconds?: number } = {}): PendingConmon {
    return spawnConmonCreate(this.#conmonOptions(monitored, options));
  }

  /**
   * conmon + `runtime create`: the container exists, its init waits for
   * start. `exitDelaySeconds`: how long this conmon waits before the
   * container's exit command (a caller that follows the run cleans up itself).
   * `start`: `runtime start` follows as soon as conmon reports the init (podman's
   * run), and the created state is recorded while it runs: the container is
   * running when this returns. `monitor`: spawnMonitor's conmon for this container
   * (with the exit delay given there), started here once config.json is written
   * (ended if that fails).
   */
  async createContainer(container: Container, options: { restoreDir?: string; exitDelaySeconds?: number; start?: boolean; monitor?: PendingConmon } = {}): Promise<void> {
    const { config } = container;
    try {
      writeFileSync(join(config.bundlePath, 'config.json'), JSON.stringify(config.spec));
    } catch (err) {
      await options.monitor?.abandon();
      throw err;
    }
    let started: Promise<unknown> | undefined;
    try {
      const monitor = options.monitor ?? spawnConmonCreate(this.#conmonOptions({ ...config, terminal: config.spec.process.terminal === true }, options));
      const created = await monitor.start();
      if (options.start) started = runtimeCommand(this.handler(container), ['start', container.id]);
      // Read while the start runs: its init cannot have run, let alone exited, before the runtime's
      // own start (an exec, its libraries) has got that far; the start time is the process's, not
      // its program's.
      const initStartTime = procStat(created.pid)?.startTime;
      await container.setState({
        status: ContainerStatus.Created,
        pid: created.pid,
        initPid: created.pid,
        initStartTime,
        conmonPid: created.conmonPid,
        conmonStartTime: procStat(created.conmonPid)?.startTime,
      });
      if (started) {
        await started;
        await container.setState({ status: ContainerStatus.Running, started: isoTime() });
      }
    } catch (err) {
      // A start still running is waited for: the delete below must find its outcome, not race it.
      await started?.catch(() => undefined);
      // Whatever the runtime made goes again (CRI-O: delete --force after a failed create).
      await runtimeCommand(this.handler(container), ['delete', '--force', container.id]).catch(() => undefined);
      this.#removeLinks(container);
      throw err;
    }
  }

  #conmonOptions(monitored: MonitoredFields, options: { restoreDir?: string; exitDelaySeconds?: number }): ConmonCreateOptions {
    return {
      handler: runtimeHandler(this.config, monitored.runtimeHandler),
      id: monitored.id,
      name: monitored.name,
      bundle: monitored.bundlePath,
      persistDir: monitored.persistDir,
      exitDir: this.exitDir,
      socketDir: this.socketDir,
      logPath: monitored.logPath,
      logDriver: monitored.logDriver,
      pidFile: monitored.pidFile,
      conmonPidFile: monitored.conmonPidFile,
      logSizeMax: monitored.logSizeMax,
      killAfterSeconds: monitored.timeout,
      terminal: monitored.terminal,
      stdin: monitored.stdin === true,
      restoreDir: options.restoreDir,
      exitCommand: monitored.exitCommand,
      exitDelaySeconds: options.exitDelaySeconds,
    };
  }

  async startContainer(container: Container): Promise<void> {
    await this.updateContainerStatus(container);
    const { status } = container.state;
    if (status !== ContainerStatus.Created) {
      throw new OciError('invalid-state', `container ${container.id} is ${status}, not created: it cannot be started`, { id: container.id, status });
    }
    await runtimeCommand(this.handler(container), ['start', container.id]);
    await container.setState({ status: ContainerStatus.Running, started: isoTime() });
  }

  /**
   * CRI-O's status refresh without a runtime call in the common cases: the
   * exit file says the container exited; a live init with the recorded
   * start time means the recorded status holds; anything else asks the
   * runtime. What it learns is written only while the state on disk is still
   * the one it looked at (Container.recordObserved); when another process
   * has moved the container on meanwhile (recorded its exit, run it again),
   * it looks again from the state found there.
   */
  async updateContainerStatus(container: Container): Promise<void> {
    for (let round = 0; round < REFRESH_ROUNDS; round++) {
      if ((await this.#refreshOnce(container)) === 'done') return;
    }
  }

  async #refreshOnce(container: Container): Promise<'done' | 'stale'> {
    const state = container.state;
    if (state.status === ContainerStatus.Stopped && state.exitCode !== undefined) return 'done';
    let exit = await this.#recordExit(container);
    if (exit !== 'none') return exit;
    if (state.initPid > 0 && isSameLiveProcess(state.initPid, state.initStartTime)) return 'done';
    if (state.initPid <= 0) return 'done';
    // The init is gone. conmon writes the exit file as soon as it has reaped it, so a short wait for
    // it usually ends here: a short-lived container (`run --rm … true`) is often seen in that gap,
    // and asking the runtime costs a process (~10-20 ms).
    await this.exitOrTimeout(container, EXIT_FILE_GRACE_MS);
    if ((exit = await this.#recordExit(container)) !== 'none') return exit;
    if (container.movedOn()) return 'stale';
    // Still none (or the PID was reused): the runtime agrees it stopped, or does not know it.
    let runtimeStatus = 'stopped';
    try {
      const out = await runtimeCommand(this.handler(container), ['state', container.id]);
      runtimeStatus = (JSON.parse(out.stdout.toString()) as { status: string }).status;
    } catch (err) {
      if (!isOciError(err, 'container-not-found', 'runtime-failed')) throw err;
    }
    if (runtimeStatus !== 'stopped' && isSameLiveProcess(state.initPid, state.initStartTime)) return 'done';
    for (let wait = 500, i = 0; i < 6; i++, wait *= 1.2) {
      if ((exit = await this.#recordExit(container)) !== 'none') return exit;
      if (container.movedOn()) return 'stale';
      await delay(wait);
    }
    // No exit file: conmon died with it. CRI-O reports 255.
    const gone = { status: ContainerStatus.Stopped, pid: 0, exitCode: 255, finished: isoTime(), error: 'exit code not recorded (conmon gone)' };
    return (await container.recordObserved(gone)) ? 'done' : 'stale';
  }

  /** Waits until the container exits; resolves to its exit code. */
  async waitContainer(container: Container, signal?: AbortSignal): Promise<number> {
    for (;;) {
      await this.updateContainerStatus(container);
      const state = container.state;
      if (state.status === ContainerStatus.Stopped) return state.exitCode ?? 255;
      if (state.initPid <= 0) {
        throw new OciError('invalid-state', `container ${container.id} was never started`, { id: container.id });
      }
      await this.exitOrTimeout(container, 1000, signal);
    }
  }

  /** CRI-O's StopContainer: the stop signal, up to `timeoutSeconds`, then SIGKILL until it is gone. */
  async stopContainer(container: Container, timeoutSeconds = container.config.stopTimeout): Promise<void> {
    await this.updateContainerStatus(container);
    if (container.state.status === ContainerStatus.Stopped) return;
    if (container.state.status === ContainerStatus.Paused) await this.unpauseContainer(container);
    const handler = this.handler(container);
    if (timeoutSeconds > 0) {
      await this.#kill(handler, container, container.config.stopSignal);
      const deadline = Date.now() + timeoutSeconds * 1000;
      while (Date.now() < deadline) {
        if (!this.#alive(container)) break;
        await this.exitOrTimeout(container, Math.min(100, deadline - Date.now()));
      }
    }
    for (let backoff = 20; this.#alive(container); backoff = Math.min(backoff * 2, 1000)) {
      await this.#kill(handler, container, 9);
      await this.exitOrTimeout(container, backoff);
    }
    await this.waitContainer(container);
  }

  /** Sends `signal` (a number) to the container's init. */
  async signalContainer(container: Container, signal: number): Promise<void> {
    await this.updateContainerStatus(container);
    if (container.state.status === ContainerStatus.Stopped) {
      throw new OciError('invalid-state', `container ${container.id} is not running: cannot signal it`, { id: container.id });
    }
    await runtimeCommand(this.handler(container), ['kill', container.id, String(signal)]);
  }

  /**
   * The runtime's pause, and then until its cgroup says every process is frozen: the runtime may return while
   * the kernel is still stopping them (v1's FREEZING, seen under load), and a paused container must not run on.
   */
  async pauseContainer(container: Container): Promise<void> {
    await this.#requireStatus(container, ContainerStatus.Running, 'pause');
    await runtimeCommand(this.handler(container), ['pause', container.id]);
    const cgroupsPath = container.config.spec.linux.cgroupsPath;
    for (let waited = 0; cgroupsPath && !cgroupFrozen(cgroupsPath); waited += 5) {
      if (waited > 10_000) throw new OciError('timeout', `container ${container.id} was not frozen within 10 s of its pause`, { id: container.id });
      await delay(5);
    }
    await container.setState({ status: ContainerStatus.Paused });
  }

  async unpauseContainer(container: Container): Promise<void> {
    await this.#requireStatus(container, ContainerStatus.Paused, 'unpause');
    await runtimeCommand(this.handler(container), ['resume', container.id]);
    await container.setState({ status: ContainerStatus.Running });
  }

  /** `runtime update --resources <file>` with the OCI LinuxResources JSON. */
  async updateContainer(container: Container, resources: OciLinuxResources): Promise<void> {
    await this.updateContainerStatus(container);
    if (container.state.status === ContainerStatus.Stopped) {
      throw new OciError('invalid-state', `container ${container.id} is not running: cannot update its resources`, { id: container.id });
    }
    // A file, not `-`: Node's stdio pipes are socketpairs, and crun's open of /dev/stdin on a socket fails (ENXIO).
    const file = join(container.config.bundlePath, `resources-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(resources));
    try {
      await runtimeCommand(this.handler(container), ['update', '--resources', file, container.id]);
    } finally {
      removeFile(file);
    }
  }

  /**
   * Runs `command` in the container under conmon and waits for it; its output
   * comes back from conmon's log. A timeout kills it and throws ExecSyncError.
   */
  async execSyncContainer(container: Container, command: string[], options: Omit<ExecOptions, 'tty'> & { timeoutSeconds?: number } = {}): Promise<ExecSyncResult> {
    await this.updateContainerStatus(container);
    const { status } = container.state;
    if (status !== ContainerStatus.Running) {
      throw new OciError('invalid-state', `container ${container.id} is ${status}: exec needs a running container`, { id: container.id, status });
    }
    const dir = mkdtempSync(join(container.config.bundlePath, 'exec-'));
    try {
      writeFileSync(join(dir, 'process.json'), JSON.stringify(execProcess(container, command, { ...options, tty: false })));
      const logPath = join(dir, 'exec.log');
      const result = await conmonExecSync({
        handler: this.handler(container),
        id: container.id,
        name: container.name,
        processSpecPath: join(dir, 'process.json'),
        logPath,
        pidFile: join(dir, 'pid'),
        socketDir: this.socketDir,
        timeoutSeconds: options.timeoutSeconds,
      });
      const output = existsSync(logPath) ? readCriLog(readFileSync(logPath)) : { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) };
      if (result.exitCode === -1 && result.message?.includes('timed out')) {
        throw new ExecSyncError(`command ${JSON.stringify(command)} in container ${container.id} timed out after ${options.timeoutSeconds} s`, { ...output, exitCode: -1 });
      }
      if (result.exitCode === -1) {
        throw new ExecSyncError(`command ${JSON.stringify(command)} in container ${container.id} could not run: ${result.message?.trim() ?? 'no message'}`, { ...output, exitCode: -1 });
      }
      return { ...output, exitCode: result.exitCode };
    } finally {
      removeTree(dir);
    }
  }

  /**
   * Streaming exec, as CRI-O's ExecContainer: the runtime's `exec` with the
   * caller's stdio (a terminal when `tty`); resolves to the process's status.
   */
  async execContainer(container: Container, command: string[], options: ExecOptions = {}): Promise<number> {
    await this.#requireStatus(container, ContainerStatus.Running, 'exec in');
    const dir = mkdtempSync(join(container.config.bundlePath, 'exec-'));
    try {
      writeFileSync(join(dir, 'process.json'), JSON.stringify(execProcess(container, command, options)));
      const handler = this.handler(container);
      const args = ['--root', handler.root, 'exec', ...(options.tty ? ['--tty'] : []), '--process', join(dir, 'process.json'), container.id];
      const child = spawn(handler.path, args, { stdio: 'inherit' });
      return await new Promise<number>((resolve, reject) => {
        child.once('error', reject);
        child.once('close', (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
      });
    } finally {
      removeTree(dir);
    }
  }

  /**
   * podman's `exec -d`: the process started under a conmon of its own, not
   * waited for; its output goes to the session's log. When it exits, conmon
   * writes its exit code (execSessionExit reads it) and runs `exitCommand`.
   * The session's files are in execSessionDir, which a refused exec leaves
   * removed. Resolves to the process's PID (the host's).
   */
  async execDetachedContainer(container: Container, sessionId: string, command: string[], options: Omit<ExecOptions, 'tty'> & { exitCommand?: ExitCommand } = {}): Promise<number> {
    await this.#requireStatus(container, ContainerStatus.Running, 'exec in');
    const dir = this.execSessionDir(container, sessionId);
    mkdirSync(join(dir, 'exit'), { recursive: true, mode: 0o700 });
    try {
      writeFileSync(join(dir, 'process.json'), JSON.stringify(execProcess(container, command, { ...options, tty: false })));
      return await conmonExecDetached({
        handler: this.handler(container),
        id: container.id,
        name: container.name,
        sessionId,
        processSpecPath: join(dir, 'process.json'),
        logPath: join(dir, 'exec.log'),
        pidFile: join(dir, 'pid'),
        socketDir: this.socketDir,
        exitDir: join(dir, 'exit'),
        exitCommand: options.exitCommand,
      });
    } catch (err) {
      removeTree(dir);
      throw err;
    }
  }

  /** Where a detached exec session's files are (its process, log, PID and exit files). */
  execSessionDir(container: Container, sessionId: string): string {
    return join(container.config.bundlePath, `exec-${sessionId}`);
  }

  /** A detached exec session's exit code, once its conmon has written it; undefined before. */
  execSessionExit(container: Container, sessionId: string): number | undefined {
    try {
      return Number(readFileSync(join(this.execSessionDir(container, sessionId), 'exit', container.id), 'utf8').trim());
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }

  /**
   * Attaches `streams` to the container through conmon's attach socket, with
   * an initial terminal size when it has a terminal. Attach a created
   * container before starting it to miss none of its output.
   */
  async attachContainer(container: Container, streams: AttachStreams, options: { rows?: number; cols?: number } = {}): Promise<AttachSession> {
    await this.#requireStatus(container, [ContainerStatus.Created, ContainerStatus.Running], 'attach to');
    const session = attachSocket(join(this.socketDir, container.id, 'attach'), streams);
    if (container.config.spec.process.terminal && options.rows && options.cols) resizeTerminal(container.config.bundlePath, options.rows, options.cols);
    return session;
  }

  /**
   * Seed 000's ReopenContainerLog: conmon starts a new log file (after the
   * caller renamed the old one, as kubelet's rotation does). Resolves once
   * the new file exists.
   */
  async reopenContainerLog(container: Container): Promise<void> {
    await this.#requireStatus(container, [ContainerStatus.Running, ContainerStatus.Paused], 'reopen the log of');
    await reopenLog(container.config.bundlePath);
    for (let waited = 0; !existsSync(container.config.logPath); waited += 10) {
      if (waited > 5000) throw new OciError('timeout', `conmon did not reopen the log of container ${container.id} within 5 s`, { id: container.id });
      await delay(10);
    }
  }

  /** The processes in the container's cgroup (its init and everything it started or exec'd). */
  async containerProcesses(container: Container): Promise<number[]> {
    await this.#requireStatus(container, [ContainerStatus.Running, ContainerStatus.Paused], 'list the processes of');
    return cgroupProcesses(container.config.spec.linux.cgroupsPath ?? `/${container.id}`);
  }

  /** Sets the size of the container's terminal (conmon's ctl FIFO). */
  resizeContainer(container: Container, rows: number, cols: number): void {
    resizeTerminal(container.config.bundlePath, rows, cols);
  }

  /** CPU, memory and PIDs from the container's cgroup (v1 here; v2 where it has controllers). */
  async containerStats(container: Container): Promise<ContainerStats> {
    await this.#requireStatus(container, [ContainerStatus.Running, ContainerStatus.Paused], 'stats');
    return readCgroupStats(container.config.spec.linux.cgroupsPath ?? `/${container.id}`);
  }

  /** Checkpoints need criu through the runtime; says which part this host lacks. */
  async checkpointContainer(container: Container, options: { imagePath: string; workPath: string; leaveRunning?: boolean }): Promise<void> {
    const handler = this.handler(container);
    await this.#requireStatus(container, ContainerStatus.Running, 'checkpoint');
    await requireCheckpointSupport(handler);
    await runtimeCommand(handler, checkpointArgs(container.id, options));
  }

  /**
   * Restores a checkpoint made by checkpointContainer: conmon runs the
   * runtime's `restore` on it (CRI-O removes the old attach socket and FIFOs
   * first). Needs criu as checkpointing does.
   */
  async restoreContainer(container: Container, imagePath: string): Promise<void> {
    await requireCheckpointSupport(this.handler(container));
    await this.deleteContainer(container);
    for (const name of ['attach', 'ctl', 'winsz', 'oom']) removeFile(join(container.config.bundlePath, name));
    removeFile(container.exitFile);
    await this.createContainer(container, { restoreDir: imagePath });
    await container.setState({ status: ContainerStatus.Running, started: isoTime(), exitCode: undefined, finished: undefined, oomKilled: false });
  }

  /**
   * Makes a stopped container ready to start again (podman's restart and
   * start of an exited container): the runtime's old container goes, conmon
   * creates it anew from the same bundle, with this start's exit delay.
   */
  async recreateContainer(container: Container, options: { exitDelaySeconds?: number } = {}): Promise<void> {
    await this.deleteContainer(container);
    removeFile(join(container.config.bundlePath, 'oom'));
    for (const name of ['exit', 'oom']) removeFile(join(container.config.persistDir, name));
    await container.setState({ status: ContainerStatus.Created, pid: 0, initPid: 0, exitCode: undefined, finished: undefined, started: undefined, oomKilled: false, error: undefined });
    await this.createContainer(container, options);
  }

  /**
   * Ends the exit command conmon is about to run for the container's last
   * exit while it still sleeps out its `--exit-delay` in a child of conmon
   * (a fork of conmon, not yet the command): for a caller that has already
   * done what that command would do. Nothing happens when conmon is gone, has
   * not forked yet, or the child already runs the command (which then finds
   * nothing to do).
   */
  cancelExitCommand(container: Container): void {
    const { conmonPid, conmonStartTime } = container.state;
    if (!conmonPid || !isSameLiveProcess(conmonPid, conmonStartTime)) return;
    let monitor: string;
    let children: number[];
    try {
      // /proc/<pid>/exe names the binary itself, not a link to it.
      monitor = realpathSync(this.handler(container).monitorPath);
      children = readFileSync(`/proc/${conmonPid}/task/${conmonPid}/children`, 'latin1').trim().split(' ').filter(Boolean).map(Number);
    } catch {
      return;
    }
    for (const pid of children) {
      try {
        if (readlinkSync(`/proc/${pid}/exe`) !== monitor) continue;
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone meanwhile.
      }
    }
  }

  /** Removes the runtime's container (killing what is left) and the exit file and socket link. */
  async deleteContainer(container: Container): Promise<void> {
    const deleting = runtimeCommand(this.handler(container), ['delete', '--force', container.id]).catch((err: unknown) => {
      if (!isOciError(err, 'container-not-found')) throw err;
    });
    try {
      // Conmon's files, which the runtime does not read: removed while it runs.
      this.#removeLinks(container);
    } finally {
      // Waited for even when a link could not go, so that the delete's outcome is never left unhandled.
      await deleting;
    }
  }

  #removeLinks(container: Container): void {
    removeFile(join(this.exitDir, container.id));
    removeFile(join(this.socketDir, container.id));
  }

  async #requireStatus(container: Container, wanted: ContainerStatus | ContainerStatus[], verb: string): Promise<void> {
    await this.updateContainerStatus(container);
    const { status } = container.state;
    const allowed = Array.isArray(wanted) ? wanted : [wanted];
    if (!allowed.includes(status)) {
      throw new OciError('invalid-state', `container ${container.id} is ${status}: cannot ${verb} it`, { id: container.id, status });
    }
  }

  async #kill(handler: RuntimeHandler, container: Container, signal: number): Promise<void> {
    await runtimeCommand(handler, ['kill', container.id, String(signal)]).catch((err: unknown) => {
      if (!isOciError(err, 'container-not-found')) throw err;
    });
  }

  #alive(container: Container): boolean {
    const state = container.state;
    return !existsSync(container.exitFile) && isSameLiveProcess(state.initPid, state.initStartTime);
  }

  /**
   * The persist dir's `exit` (written before the exit-dir trigger): code, and
   * its ctime as finishedAt. 'none' without the file; 'stale' when the state
   * on disk had moved on and was taken instead.
   */
  async #recordExit(container: Container): Promise<'none' | 'done' | 'stale'> {
    let text: string;
    let finished: Date;
    try {
      text = readFileSync(container.exitFile, 'utf8');
      finished = statSync(container.exitFile).ctime;
    } catch {
      return 'none';
    }
    const code = Number.parseInt(text.trim(), 10);
    const recorded = await container.recordObserved({
      status: ContainerStatus.Stopped,
      pid: 0,
      exitCode: Number.isNaN(code) ? 255 : code,
      finished: isoTime(finished.getTime()),
      oomKilled: existsSync(container.oomFile) || existsSync(join(container.config.persistDir, 'oom')),
    });
    return recorded ? 'done' : 'stale';
  }

  /** Resolves when conmon writes the container's exit-dir trigger, or after `ms`. */
  async exitOrTimeout(container: Container, ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0) return;
    if (signal?.aborted) throw signal.reason;
    await new Promise<void>((resolve, reject) => {
      const done = (): void => {
        watcher.close();
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        watcher.close();
        clearTimeout(timer);
        reject(signal!.reason);
      };
      // conmon renames a temp file to exactly `<id>`; other names are its temp files.
      const watcher = watch(this.exitDir, (_event, name) => {
        if (name === container.id) done();
      });
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (existsSync(container.exitFile)) done();
    });
  }
}

export interface ExecOptions {
  tty?: boolean;
  /** Added to the container's environment. */
  env?: string[];
  user?: { uid: number; gid: number };
  cwd?: string;
  /** podman's exec --privileged: every capability, and no no_new_privs. */
  privileged?: boolean;
}

/** The container's `process` with the exec's command, terminal, environment, user and directory. */
function execProcess(container: Container, command: string[], options: ExecOptions): OciProcess {
  const base = container.config.spec.process;
  return {
    ...base,
    ...(options.privileged ? { capabilities: privilegedCapabilities(), noNewPrivileges: false } : {}),
    terminal: options.tty === true,
    args: command,
    env: [...base.env, ...(options.env ?? [])],
    cwd: options.cwd ?? base.cwd,
    user: options.user ? { ...base.user, ...options.user, additionalGids: undefined } : base.user,
  };
}

/** exec --privileged's capabilities: the host's bounding set, as podman gives it. */
function privilegedCapabilities(): NonNullable<OciProcess['capabilities']> {
  const all = hostCapabilities();
  return { bounding: all, effective: all, permitted: all };
}

/** runc's `checkpoint` usage: `runc checkpoint [command options] <container-id>`. */
export function checkpointArgs(id: string, options: { imagePath: string; workPath: string; leaveRunning?: boolean }): string[] {
  const args = ['checkpoint', '--file-locks', '--image-path', options.imagePath, '--work-path', options.workPath];
  if (options.leaveRunning) args.push('--leave-running');
  return [...args, id];
}

/**
 * crun built without criu has no `checkpoint` command; runc has one but
 * needs a working criu (`criu check`).
 */
async function requireCheckpointSupport(handler: RuntimeHandler): Promise<void> {
  const help = await runtimeCommand(handler, ['checkpoint', '--help']).catch((err: OciError) => err);
  if (help instanceof OciError) {
    throw new OciError('unsupported', `checkpoint: runtime ${handler.name} (${handler.path}) has no checkpoint command: ${String(help.detail['stderr'] ?? help.message)}`, { runtime: handler.name, missing: 'runtime-checkpoint' });
  }
  const check = spawnSync('criu', ['check'], { encoding: 'utf8' });
  if (check.error || check.status !== 0) {
    const why = check.error ? `criu is not installed (${check.error.message})` : `criu cannot run on this kernel: ${(check.stderr || check.stdout).trim().split('\n').slice(-2).join('; ')}`;
    throw new OciError('unsupported', `checkpoint: ${why}`, { runtime: handler.name, missing: 'criu' });
  }
}
