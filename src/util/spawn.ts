// Starting processes with posix_spawn (native/spawn) instead of
// node:child_process: Node forks, and each fork of the ~100 MB CLI process
// blocked it for 5-10 ms here; `berth run` starts three such children (conmon,
// `crun start`, `crun delete`). Children are reaped on SIGCHLD (libuv
// reaps only the children it started), with a slow poll as a backstop.

import { closeSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { loadNativeAddon } from './native-addon.js';

export interface ExitStatus {
  /** The exit code, or null when a signal ended the process. */
  code: number | null;
  /** The signal number that ended it, or null. */
  signal: number | null;
}

interface SpawnAddon {
  spawn(file: string, args: string[], env: string[], cwd: string | null, fds: number[], newSession: boolean): number;
  pipe(): [number, number];
  reap(pid: number): ExitStatus | null;
}

/** What the child's fd i is: /dev/null, a pipe the child writes and we read, or one we write and it reads. */
export type ChildFd = 'ignore' | 'to-parent' | 'from-parent';

export interface SpawnOptions {
  /** The child's fds from 0 up. */
  fds: ChildFd[];
  /** The child's whole environment. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** setsid(): the child (conmon) outlives us and our terminal. */
  newSession?: boolean;
}

export interface SpawnedProcess {
  pid: number;
  /** Our ends of the 'to-parent' pipes, by child fd. */
  readers: Map<number, Readable>;
  /** Our ends of the 'from-parent' pipes, by child fd: raw fds, see writeAndClose. */
  writers: Map<number, number>;
  /** Settles once the process has exited and is reaped. */
  exited: Promise<ExitStatus>;
}

let addon: SpawnAddon | undefined;

function spawnAddon(): SpawnAddon {
  addon ??= loadNativeAddon<SpawnAddon>('spawn');
  return addon;
}

/**
 * Starts `file` with `args` (argv[0] is `file`). Throws a system error (code
 * ENOENT, EACCES…) when it cannot be executed; the pipes are closed then.
 */
export function spawnProcess(file: string, args: string[], options: SpawnOptions): SpawnedProcess {
  const native = spawnAddon();
  const childFds: number[] = [];
  const ours: { childFd: number; fd: number; kind: ChildFd }[] = [];
  const theirs: number[] = [];
  try {
    options.fds.forEach((kind, childFd) => {
      if (kind === 'ignore') {
        childFds.push(-1);
        return;
      }
      const [readEnd, writeEnd] = native.pipe();
      const [mine, child] = kind === 'to-parent' ? [readEnd, writeEnd] : [writeEnd, readEnd];
      ours.push({ childFd, fd: mine, kind });
      theirs.push(child);
      childFds.push(child);
    });
    const env = Object.entries(options.env).filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`);
    const pid = native.spawn(file, [file, ...args], env, options.cwd ?? null, childFds, options.newSession ?? false);
    const readers = new Map<number, Readable>();
    const writers = new Map<number, number>();
    for (const { childFd, fd, kind } of ours) {
      if (kind === 'to-parent') readers.set(childFd, new Socket({ fd, readable: true, writable: false }));
      else writers.set(childFd, fd);
    }
    return { pid, readers, writers, exited: exitOf(pid) };
  } catch (err) {
    for (const { fd } of ours) closeSync(fd);
    throw err;
  } finally {
    for (const fd of theirs) closeSync(fd);
  }
}

/** Writes `bytes` to one of our 'from-parent' ends and closes it (conmon's start pipe: one byte). */
export function writeAndClose(fd: number, bytes: Uint8Array): void {
  try {
    writeSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}

/** A shell's view of an exit: the code, or 128 plus the signal's number. */
export function exitCodeOf({ code, signal }: ExitStatus): number {
  return code ?? 128 + (signal ?? 0);
}

/** Children we wait for, with what settles each one's `exited`. */
const waiting = new Map<number, (status: ExitStatus) => void>();
/** Holds the event loop open while children run, and reaps on a slow beat should a SIGCHLD be missed. */
let backstop: NodeJS.Timeout | undefined;
const BACKSTOP_MS = 100;

function exitOf(pid: number): Promise<ExitStatus> {
  const exited = new Promise<ExitStatus>((resolve) => waiting.set(pid, resolve));
  if (!backstop) {
    process.on('SIGCHLD', reapExited);
    backstop = setInterval(reapExited, BACKSTOP_MS);
  }
  // A child that ended before the listener was there sent its SIGCHLD to no one.
  reapExited();
  return exited;
}

function reapExited(): void {
  const native = spawnAddon();
  for (const [pid, settle] of waiting) {
    let status: ExitStatus | null;
    try {
      status = native.reap(pid);
    } catch {
      // ECHILD: reaped elsewhere (a waitpid(-1) in some addon); its status is lost.
      status = { code: null, signal: null };
    }
    if (!status) continue;
    waiting.delete(pid);
    settle(status);
  }
  if (waiting.size === 0 && backstop) {
    clearInterval(backstop);
    backstop = undefined;
    process.off('SIGCHLD', reapExited);
  }
}
