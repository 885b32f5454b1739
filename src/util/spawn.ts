// Starting processes with posix_spawn (native/spawn) instead of
// node:child_process: Node forks, and each fork of the ~100 MB CLI process
// blocked it for 5-10 ms here; `berth run` starts three such children (conmon,
// `crun start`, `crun delete`). Children are reaped on SIGCHLD (libuv
// reaps only the children it started), with a slow poll as a backstop.
// Their output is read from raw fds, not through node:net sockets: loading
// net and the streams behind it cost ~4 ms of every `berth run`'s start.

import { closeSync, fstatSync, readSync, statSync, writeSync } from 'node:fs';
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
  memfd(): number;
  sealedCopy(path: string): number;
  reap(pid: number): ExitStatus | null;
  readable(fd: number): Promise<void>;
}

/**
 * What the child's fd i is: /dev/null; a pipe the child writes and we read
 * (a report to wait for); one we write and it reads; an anonymous memory
 * file, read once the child has exited (output nobody waits on meanwhile);
 * or, given as a number, that fd of ours, shared (a sealed copy the child is
 * to run, see sealedCopyOf).
 */
export type ChildFd = 'ignore' | 'to-parent' | 'from-parent' | 'to-memory' | number;

export interface SpawnOptions {
  /** The child's fds from 0 up. */
  fds: ChildFd[];
  /** The child's whole environment. */
  env: Record<string, string | undefined>;
  cwd?: string;
  /** setsid(): the child (conmon) outlives us and our terminal. */
  newSession?: boolean;
  /** The child's argv[0] when it is not `file` (a program started from a sealedExecutable). */
  argv0?: string;
}

/** Our fds are raw: the caller closes them (readLineFromPipe closes its own). */
export interface SpawnedProcess {
  pid: number;
  /** Our ends of the 'to-parent' pipes, by child fd: see readLineFromPipe. */
  readers: Map<number, number>;
  /** Our ends of the 'from-parent' pipes, by child fd: see writeAndClose. */
  writers: Map<number, number>;
  /** The 'to-memory' files, by child fd: see readOutput. */
  outputs: Map<number, number>;
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
      if (typeof kind === 'number') {
        childFds.push(kind);
        return;
      }
      if (kind === 'to-memory') {
        // One open file shared with the child: what it writes is there for us to read from offset 0.
        const fd = native.memfd();
        ours.push({ childFd, fd, kind });
        childFds.push(fd);
        return;
      }
      const [readEnd, writeEnd] = native.pipe();
      const [mine, child] = kind === 'to-parent' ? [readEnd, writeEnd] : [writeEnd, readEnd];
      ours.push({ childFd, fd: mine, kind });
      theirs.push(child);
      childFds.push(child);
    });
    const env = Object.entries(options.env).filter(([, value]) => value !== undefined).map(([name, value]) => `${name}=${value}`);
    const pid = native.spawn(file, [options.argv0 ?? file, ...args], env, options.cwd ?? null, childFds, options.newSession ?? false);
    const byKind = (wanted: ChildFd) => new Map(ours.filter(({ kind }) => kind === wanted).map(({ childFd, fd }) => [childFd, fd]));
    return { pid, readers: byKind('to-parent'), writers: byKind('from-parent'), outputs: byKind('to-memory'), exited: exitOf(pid) };
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

/** Sealed copies made by this process, by the binary's path, with the identity of the file copied. */
const sealedCopies = new Map<string, { fd: number; identity: string }>();

/**
 * This process's fd of a sealed in-memory copy of the binary at `path`, made
 * once per process and again when the file at `path` is replaced. For
 * programs that copy themselves into such a file at every start unless they
 * already run from one (crun): run from it, they run once instead of twice.
 * The fd is close-on-exec: a child gets it only as one of its ChildFds.
 */
export function sealedCopyOf(path: string): number {
  const stat = statSync(path);
  const identity = `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeMs}`;
  let copy = sealedCopies.get(path);
  if (copy?.identity !== identity) {
    if (copy) closeSync(copy.fd);
    copy = { fd: spawnAddon().sealedCopy(path), identity };
    sealedCopies.set(path, copy);
  }
  return copy.fd;
}

/**
 * A path that runs sealedCopyOf(`path`) (`/proc/self/fd/N`, for this
 * process's children only). Pass `path` as the child's argv0, so that it
 * still knows its own name.
 */
export function sealedExecutable(path: string): string {
  return `/proc/self/fd/${sealedCopyOf(path)}`;
}

/**
 * What an output file holds past `offset`, up to its end now: by default all
 * that a 'to-memory' file got so far, or what a log grew by since the last
 * read. The fd stays open.
 */
export function readOutput(fd: number, offset = 0): Buffer {
  const buffer = Buffer.allocUnsafe(Math.max(0, fstatSync(fd).size - offset));
  let filled = 0;
  for (let got = -1; filled < buffer.length && got !== 0; filled += got) got = readSync(fd, buffer, filled, buffer.length - filled, offset + filled);
  return buffer.subarray(0, filled);
}

/**
 * The first newline-terminated line from one of our 'to-parent' pipe ends
 * (a child's report), read as it comes; rejects on EOF before it (code
 * `EOF`, or the read's own error), or after `timeoutMs` (0: none; code
 * `ETIMEDOUT`). The fd is closed once the event loop no longer watches it:
 * a wait given up by the timeout ends when the writer goes (the caller ends
 * the child), and only then may the fd's number be reused.
 */
export function readLineFromPipe(fd: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    let settled = false;
    const chunk = Buffer.allocUnsafe(4096);
    const timer = timeoutMs > 0 ? setTimeout(() => settle(codedError('ETIMEDOUT', `no line in ${timeoutMs} ms`)), timeoutMs) : undefined;
    const settle = (err?: Error, line?: string): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      if (err) reject(err);
      else resolve(line!);
    };
    // Each read once the pipe is readable (it then does not block): waited for on the event
    // loop, where fs.read would be the process's first threadpool job (see native/spawn).
    const next = (): void => void spawnAddon().readable(fd).then(() => {
      let bytesRead = 0;
      let failure: Error | undefined;
      if (!settled) {
        try {
          bytesRead = readSync(fd, chunk, 0, chunk.length, null);
        } catch (err) {
          failure = err as Error;
        }
      }
      if (!failure && bytesRead > 0 && !settled) {
        seen += chunk.toString('utf8', 0, bytesRead);
        const end = seen.indexOf('\n');
        if (end < 0) return next();
        settle(undefined, seen.slice(0, end));
      } else {
        settle(failure ?? codedError('EOF', 'the pipe closed before a whole line'));
      }
      closeSync(fd);
    }, (err: Error) => {
      settle(err);
      closeSync(fd);
    });
    next();
  });
}

function codedError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
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
