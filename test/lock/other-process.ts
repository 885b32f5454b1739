// Helpers for lock tests that need a second process: a Python holder/prober using classic
// POSIX locks (fcntl.lockf, what Go's FcntlFlock takes) and a reader of /proc/locks that
// shows when some process is blocked waiting on a given file.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';

export type Kind = 'read' | 'write';

const PY_LOCK = `
import fcntl, os, sys
mode, kind, path = sys.argv[1], sys.argv[2], sys.argv[3]
fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
op = fcntl.LOCK_SH if kind == 'read' else fcntl.LOCK_EX
if mode == 'probe':
    try:
        fcntl.lockf(fd, op | fcntl.LOCK_NB)
    except OSError:
        sys.exit(11)
    sys.exit(0)
fcntl.lockf(fd, op)
if mode == 'write-token':
    os.pwrite(fd, bytes(range(64)), 0)
print('locked', flush=True)
sys.stdin.read()
`;

/** Exit 0 when another process could take a classic lock of `kind` right now, 11 when it is busy. */
export async function probeClassicLock(path: string, kind: Kind): Promise<'free' | 'busy'> {
  const child = spawn('python3', ['-c', PY_LOCK, 'probe', kind, path], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code === 0) return 'free';
  if (code === 11) return 'busy';
  throw new Error(`lock probe of ${path} exited ${code}`);
}

export interface ClassicHolder {
  /** Resolves once the holder has the lock. */
  locked: Promise<void>;
  /** Closes the holder's stdin; it exits, which releases its lock. Resolves on exit. */
  release(): Promise<void>;
}

/** Starts a Python process that takes a classic lock on `path` (blocking) and holds it until released. */
export function holdClassicLock(path: string, kind: Kind, options: { writeToken?: boolean } = {}): ClassicHolder {
  const child = spawn('python3', ['-c', PY_LOCK, options.writeToken ? 'write-token' : 'hold', kind, path]);
  return { locked: lineFrom(child, 'locked'), release: () => endAndWait(child) };
}

/** Resolves when `child` prints a line equal to `line`; rejects if it exits first. */
export function lineFrom(child: ChildProcessWithoutNullStreams, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.split('\n').includes(line)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`process exited ${code} before printing ${line}: ${seen}`)));
  });
}

async function endAndWait(child: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = child.exitCode === null ? once(child, 'exit') : Promise.resolve();
  child.stdin.end();
  await exited;
}

/**
 * Polls /proc/locks until some process is blocked waiting ("->" lines) on the file at
 * `path`; `type` narrows it to "POSIX" (classic, Go and Python) or "OFDLCK" (Berth).
 */
export async function waitForBlockedWaiter(path: string, type: 'POSIX' | 'OFDLCK', limitMs = 10_000): Promise<void> {
  const { dev, ino } = await stat(path, { bigint: true });
  // /proc/locks names the file as MAJOR:MINOR:INODE, device numbers in hex (glibc's dev_t split).
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  const file = `${major.toString(16).padStart(2, '0')}:${minor.toString(16).padStart(2, '0')}:${ino}`;
  const waiter = new RegExp(`-> ${type}\\s+ADVISORY\\s+\\w+\\s+\\S+\\s+${file} `);
  for (let waited = 0; waited < limitMs; waited += 10) {
    if (waiter.test(await readFile('/proc/locks', 'utf8'))) return;
    await delay(10);
  }
  throw new Error(`no ${type} waiter blocked on ${path} after ${limitMs} ms`);
}
