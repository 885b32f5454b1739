// conmon, driven as CRI-O drives it (legacy sync protocol, no
// --api-version): create a container under its supervision, or run one exec
// to completion. runtime-conmon.md §1, §2, §11 has the protocol facts.

import { closeSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OciError } from './errors.js';
import type { RuntimeHandler } from './handlers.js';
import { requireExecutable } from './runtime-command.js';
import { exitCodeOf, isErrno, readLineFromPipe, readOutput, removeFile, sealedCopyOf, spawnProcess, writeAndClose, type ChildFd, type SpawnedProcess } from '../util/index.js';

/** The log drivers of conmon that Berth uses: podman's default k8s-file, and none (nothing kept; attach to see the output). */
export type LogDriver = 'k8s-file' | 'none';

export interface ConmonCreateOptions {
  handler: RuntimeHandler;
  id: string;
  name: string;
  /** Holds config.json; conmon's cwd (its `oom` file lands there). */
  bundle: string;
  /** `exit` and `oom` files. */
  persistDir: string;
  /** `<id>` exit file, the trigger a waiter watches. */
  exitDir: string;
  /** `<socketDir>/<id>` becomes a symlink to the bundle (attach socket). */
  socketDir: string;
  logPath: string;
  /** Where the runtime writes the container's PID (podman's --pidfile); default `pidfile` in the bundle. */
  pidFile?: string;
  /** Where conmon writes its own PID (podman's --conmon-pidfile); default `conmon-pidfile` in the bundle. */
  conmonPidFile?: string;
  /** conmon's log driver: k8s-file at logPath (absent), or none (podman's --log-driver none: no log at all). */
  logDriver?: LogDriver;
  /** Truncate the log when it would pass this many bytes (conmon --log-size-max). */
  logSizeMax?: number;
  /** Kill the container this many seconds after its start (conmon --timeout); absent or 0: never. */
  killAfterSeconds?: number;
  terminal?: boolean;
  /** Keep stdin open through the attach socket. */
  stdin?: boolean;
  /** How long to wait for conmon's report; CRI-O's container_create_timeout is 240 s. */
  timeoutMs?: number;
  /** Restore from this checkpoint directory instead of creating (`--restore`). */
  restoreDir?: string;
  /** What conmon runs once the container has exited and its exit files are written. */
  exitCommand?: ExitCommand;
  /**
   * Whole seconds conmon sleeps before it runs the exit command
   * (`--exit-delay`): chosen for each start, by whoever follows that run.
   */
  exitDelaySeconds?: number;
}

/**
 * conmon's `--exit-command` (an absolute path: conmon execv()s it, no PATH
 * search) with its `--exit-command-arg`s. It inherits conmon's environment,
 * which is Berth's minimal one plus `env`, and /dev/null as stdin, stdout and
 * stderr; conmon waits for it before it exits itself.
 */
export interface ExitCommand {
  path: string;
  args: string[];
  /** Added to conmon's environment (the runtime sees them too, as CRI-O's monitor_env). */
  env?: Record<string, string>;
}

export interface ConmonCreated {
  /** The container's init process. */
  pid: number;
  /** The conmon daemon supervising it. */
  conmonPid: number;
}

/** A conmon spawned for a create and waiting on its start pipe (spawnConmonCreate). */
export interface PendingConmon {
  /**
   * Lets conmon go on (one byte on the start pipe; the bundle's config.json and root filesystem
   * must be ready), waits for its first process to exit (a non-zero status is an option error),
   * then reads one JSON line from the sync pipe: `{"pid": N}` or `{"pid": -1, "message"}`. The
   * line comes once the runtime's `create` is done; the pipe's EOF only when the container
   * exits, so it is not waited for.
   */
  start(): Promise<ConmonCreated>;
  /** Ends the conmon that was never started (it has not forked yet), and closes our pipe ends. */
  abandon(): Promise<void>;
}

/**
 * Spawns conmon for a create; PendingConmon.start lets it create. conmon's
 * own start (exec, its libraries, its options, opening the log file: ~8-10
 * ms here) happens before it reads its start pipe and needs only the bundle
 * and persist directories: a caller spawns it as soon as those exist and
 * gets the bundle ready meanwhile.
 */
export function spawnConmonCreate(options: ConmonCreateOptions): PendingConmon {
  const { handler } = options;
  requireExecutable(handler.monitorPath, 'conmon');
  requireExecutable(handler.path, `runtime ${handler.name}`);
  const pidFile = options.conmonPidFile ?? join(options.bundle, 'conmon-pidfile');
  const args = [
    '-b', options.bundle, '-c', options.id, '--exit-dir', options.exitDir, '-l', options.logDriver === 'none' ? 'none' : options.logPath,
    '--log-level', 'error', '-n', options.name, '-P', pidFile,
    '-p', options.pidFile ?? join(options.bundle, 'pidfile'), '--persist-dir', options.persistDir,
    '--socket-dir-path', options.socketDir, '-u', options.id,
  ];
  if (options.logDriver !== 'none' && options.logSizeMax !== undefined && options.logSizeMax >= 0) args.push('--log-size-max', String(options.logSizeMax));
  if (options.killAfterSeconds) args.push('--timeout', String(options.killAfterSeconds));
  if (options.terminal) args.push('-t');
  else if (options.stdin) args.push('-i');
  if (options.restoreDir) args.push('--restore', options.restoreDir);
  args.push(...exitCommandArgs(options.exitCommand, options.exitDelaySeconds));
  // One left by an earlier run's conmon would name a process long gone.
  removeFile(pidFile);
  const child = spawnConmon(handler, args, options.bundle, options.exitCommand?.env);
  let settled = false;
  return {
    start: async () => {
      settled = true;
      try {
        const pid = await reportedPid(child, options.id, options.timeoutMs ?? 240_000, 'pid', `${handler.name} create`);
        return { pid, conmonPid: Number(readFileSync(pidFile, 'utf8')) };
      } catch (err) {
        endConmonDaemon(pidFile, options.bundle);
        throw err;
      }
    },
    abandon: async () => {
      if (settled) return;
      settled = true;
      try {
        process.kill(child.process.pid, 'SIGKILL');
      } catch {
        // Gone already (an option it refused).
      }
      await child.process.exited;
      for (const fd of [child.sync, child.start, child.process.outputs.get(2)!]) closeSync(fd);
    },
  };
}

/**
 * Lets conmon go on (one byte on the start pipe), waits for its first
 * process to exit (a non-zero status is an option error), then reads its
 * first report on the sync pipe: a PID under `key` (the legacy protocol's
 * `pid`, exec API 1's `data`), or -1 with why the runtime refused `what`.
 * Rejects after `timeoutMs` (0: none).
 */
async function reportedPid(child: ConmonChild, id: string, timeoutMs: number, key: 'pid' | 'data', what: string): Promise<number> {
  // The byte first, so that conmon's create goes on while the read below is set up: the report
  // cannot come before the byte, and the pipe keeps it until it is read.
  try {
    writeAndClose(child.start, Buffer.from([0]));
  } catch (err) {
    closeSync(child.sync);
    throw err;
  }
  const syncLine = readLine(child.sync, timeoutMs);
  // conmon's first process exits once the runtime is done; the daemon it forks stays.
  const status = exitCodeOf(await child.process.exited);
  if (status !== 0) {
    syncLine.catch(() => undefined);
    const said = child.stderrText().trim();
    closeStderr(child);
    throw new OciError('conmon-failed', `conmon exited ${status}: ${said || 'no message'}`, { id, status });
  }
  let message: SyncMessage;
  try {
    message = JSON.parse(await syncLine) as SyncMessage;
  } finally {
    closeStderr(child);
  }
  const pid = message[key] ?? -1;
  if (pid <= 0) {
    throw new OciError('runtime-failed', `${what} failed: ${message.message?.trim() || 'no message'}`, { id, stderr: message.message ?? '' });
  }
  return pid;
}

/** conmon's `--exit-command`, its arguments and its `--exit-delay`; none without a command. */
function exitCommandArgs(command: ExitCommand | undefined, delaySeconds?: number): string[] {
  if (!command) return [];
  const args = ['--exit-command', command.path];
  for (const arg of command.args) args.push('--exit-command-arg', arg);
  if (delaySeconds) args.push('--exit-delay', String(delaySeconds));
  return args;
}

/** The options of every exec under conmon, sync or detached. */
function execArgs(options: ConmonExecOptions): string[] {
  return [
    '-c', options.id, '-n', options.name, '-p', options.pidFile, '-e', '-l', options.logPath,
    '--socket-dir-path', options.socketDir, '--log-level', 'error', '--exec-process-spec', options.processSpecPath,
  ];
}

/**
 * After a failed create, conmon's daemon lives on to run the exit command
 * (after its delay) for a container that never ran: it and that command (its
 * process group: the daemon leads a session of its own) are ended, so that
 * the refused create leaves no conmon. The PID is the daemon's only while its
 * command line names this bundle.
 */
function endConmonDaemon(pidFile: string, bundle: string): void {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8'));
    if (!(pid > 0) || !readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').includes(bundle)) return;
    process.kill(-pid, 'SIGKILL');
  } catch {
    // No daemon was made, or it is gone already.
  }
}

export interface ConmonExecOptions {
  handler: RuntimeHandler;
  id: string;
  name: string;
  /** A process.json: the container's `process` with args, env, cwd, user for this exec. */
  processSpecPath: string;
  /** Where conmon writes the k8s-file log of the exec's output. */
  logPath: string;
  pidFile: string;
  socketDir: string;
  /** Whole seconds; conmon kills the process group after it (and reports -1). */
  timeoutSeconds?: number;
  terminal?: boolean;
}

/** Runs one exec under `conmon --exec --sync`; resolves to its exit code (-1 on timeout). */
export async function conmonExecSync(options: ConmonExecOptions): Promise<{ exitCode: number; message?: string }> {
  const { handler } = options;
  requireExecutable(handler.monitorPath, 'conmon');
  const args = [...execArgs(options), '--sync', '--log-global-size-max', String(16 * 1024 * 1024)];
  if (options.terminal) args.push('-t');
  if (options.timeoutSeconds !== undefined && options.timeoutSeconds > 0) args.push('-T', String(options.timeoutSeconds));
  const child = spawnConmon(handler, args, undefined, undefined);
  const syncLine = readLine(child.sync, 0);
  writeAndClose(child.start, Buffer.from([0]));
  await child.process.exited;
  let line: string;
  try {
    line = await syncLine;
  } catch (err) {
    const said = child.stderrText().trim();
    throw new OciError('conmon-failed', `conmon exec gave no result: ${said || (err as Error).message}`, { id: options.id }, { cause: err });
  } finally {
    closeStderr(child);
  }
  const message = JSON.parse(line) as SyncMessage;
  return { exitCode: typeof message.exit_code === 'number' ? message.exit_code : -1, message: message.message };
}

export interface ConmonExecDetachedOptions extends Omit<ConmonExecOptions, 'timeoutSeconds' | 'terminal'> {
  /** The exec session's ID (conmon's `-u`). */
  sessionId: string;
  /** conmon writes the exit code to `<exitDir>/<container id>` when the process exits. */
  exitDir: string;
  /** What conmon runs after that (it records the session's end). */
  exitCommand?: ExitCommand;
}

/**
 * Starts one exec under a conmon of its own that outlives this call (podman's
 * `exec -d`): conmon's exec API 1, whose sync pipe reports the process's PID
 * (`{"data": N}`, or -1 with a message when the runtime refused it) before,
 * much later, its exit code; this reads the first and closes the pipe. When
 * the process exits conmon writes its exit file and runs the exit command.
 * Resolves to the PID (the host's).
 */
export async function conmonExecDetached(options: ConmonExecDetachedOptions): Promise<number> {
  const { handler } = options;
  requireExecutable(handler.monitorPath, 'conmon');
  const args = ['--api-version', '1', '-u', options.sessionId, ...execArgs(options), '--exit-dir', options.exitDir, ...exitCommandArgs(options.exitCommand)];
  const child = spawnConmon(handler, args, undefined, options.exitCommand?.env);
  return reportedPid(child, options.id, 0, 'data', `${handler.name} exec`);
}

interface SyncMessage {
  pid?: number;
  exit_code?: number;
  /** conmon's exec API 1 reports the PID, then the exit code, under this key. */
  data?: number;
  message?: string;
}

interface ConmonChild {
  process: SpawnedProcess;
  /** Our end of the sync pipe (conmon's fd 3): its report (readLine closes it). */
  sync: number;
  /** Our end of the start pipe (conmon's fd 4): one byte lets it go on. */
  start: number;
  /**
   * What conmon wrote to stderr so far: a memory file, read after its first
   * process has exited (it writes a refusal before it exits). Not a pipe: its
   * daemon keeps stderr, and a pipe would be drained or ended on its account.
   */
  stderrText(): string;
}

/**
 * Starts `handler`'s conmon with `args` and the handler's runtime (`-r`, with
 * its `--root`), as conmonRuntime gives it.
 */
function spawnConmon(handler: RuntimeHandler, args: string[], cwd: string | undefined, env: Record<string, string> | undefined): ConmonChild {
  const path = handler.monitorPath;
  const runtime = conmonRuntime(handler);
  const fds: ChildFd[] = ['ignore', 'ignore', 'to-memory', 'to-parent', 'from-parent'];
  if (runtime.copy !== undefined) fds[RUNTIME_COPY_FD] = runtime.copy;
  let child: SpawnedProcess;
  try {
    child = spawnProcess(path, ['-r', runtime.path, '--runtime-arg', `--root=${handler.root}`, ...args], {
      cwd,
      newSession: true,
      fds,
      env: { ...env, PATH: process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin', _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' },
    });
  } catch (err) {
    throw new OciError('binary-missing', `conmon: ${(err as Error).message}`, { path }, { cause: err });
  }
  return {
    process: child,
    sync: child.readers.get(3)!,
    start: child.writers.get(4)!,
    stderrText: () => readOutput(child.outputs.get(2)!).toString(),
  };
}

/**
 * conmon's fd that holds the runtime's sealed copy, the first after its sync
 * (3) and start (4) pipes. conmon keeps it open, and so does the runtime it
 * starts, which closes it before the container's process runs (crun and runc
 * close every fd but the preserved ones).
 */
const RUNTIME_COPY_FD = 5;

/**
 * The runtime as conmon is to start it (its create, exec, restore): when the
 * handler wants a sealed copy (execSealedCopy), this process's copy, handed to
 * conmon as its fd RUNTIME_COPY_FD and named `/proc/self/fd/5` there, which
 * conmon's runtime child resolves to its own inherited fd: crun then runs once
 * instead of copying itself and running again (~7 ms of every create here).
 * Else, or when no copy can be made (no memfd), from its path.
 */
function conmonRuntime(handler: RuntimeHandler): { path: string; copy?: number } {
  if (handler.execSealedCopy) {
    try {
      return { path: `/proc/self/fd/${RUNTIME_COPY_FD}`, copy: sealedCopyOf(handler.path) };
    } catch {
      // From its path, where crun makes its own copy.
    }
  }
  return { path: handler.path };
}

/** The first newline-terminated line of the sync pipe; rejects on EOF first, or after `timeoutMs` (0: none). */
function readLine(fd: number, timeoutMs: number): Promise<string> {
  return readLineFromPipe(fd, timeoutMs).catch((err: Error) => {
    const reason = isErrno(err, 'ETIMEDOUT') ? `no report from conmon in ${timeoutMs} ms` : `conmon closed its sync pipe without a report (${err.message})`;
    throw new OciError('conmon-failed', reason, {}, { cause: err });
  });
}

/** Our copy of conmon's stderr goes; its daemon keeps its own. */
function closeStderr(child: ConmonChild): void {
  closeSync(child.process.outputs.get(2)!);
}
