// Wall-clock measurement for the benchmarks: time a function or an external
// command, and summarise samples (median, best, mean).

import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';

/**
 * Before a timed run that writes a lot: dirty data goes to disk, and as root
 * the page cache is dropped, so that every contender starts from the same
 * clean state. On this VM the host pages out cold guest memory (DAMON
 * `pageout`), and kernel paths slow down as page cache piles up: the same
 * five-layer apply took 7.5 s of CPU on a clean cache and 12.9 s after ~8 GB
 * of cache from earlier runs, which fell on whichever contender ran later.
 */
export function settleDisk(): void {
  execFileSync('sync');
  if (process.getuid?.() === 0) writeFileSync('/proc/sys/vm/drop_caches', '3');
}

/** Milliseconds `fn` took. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export interface CommandOptions {
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes (default /dev/null). */
  stdoutPath?: string;
  /**
   * Read stdout through a pipe and discard it, instead of /dev/null: GNU tar
   * notices an archive on /dev/null and then skips reading file contents.
   */
  drainStdout?: boolean;
  stdinPath?: string;
}

/** Runs a command to completion and returns its wall time in ms; rejects on a non-zero exit. */
export function timeCommand(cmd: string, args: string[], options: CommandOptions = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const stdout = options.drainStdout ? 'pipe' : openSync(options.stdoutPath ?? '/dev/null', 'w');
    const stdin = openSync(options.stdinPath ?? '/dev/null', 'r');
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env: options.env ?? process.env, stdio: [stdin, stdout, 'pipe'] });
    child.stdout?.resume();
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (typeof stdout === 'number') closeSync(stdout);
      closeSync(stdin);
      if (code === 0) resolve(ms);
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.trim()}`));
    });
  });
}

export function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function mean(samples: number[]): number {
  return samples.reduce((a, b) => a + b, 0) / samples.length;
}

export function best(samples: number[]): number {
  return Math.min(...samples);
}
