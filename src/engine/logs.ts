// A container's log as an async iterable of records: what is there, then
// (when following) what conmon appends, until the container has exited and
// the file holds nothing more.

import { closeSync, fstatSync, openSync, statSync, watch } from 'node:fs';
import { parseCriLog, type LogRecord } from '../oci/index.js';
import { readOutput } from '../util/index.js';

export interface LogReadOptions {
  /** Keep reading as the container writes, until it exits. */
  follow?: boolean;
  /** Only records at or after this time. */
  since?: Date;
  /** Only records before this time. */
  until?: Date;
  /** Only the last N records of what is already there. */
  tail?: number;
  /** Where in the log file to begin (its size before a start: that run's records only); a log truncated below it since is read from its start. */
  from?: number;
  signal?: AbortSignal;
}

/** How a follower learns that the container exited, and waits for its exit without polling. */
export interface ExitWatch {
  exited(): Promise<boolean>;
  /** Resolves on the container's exit or after `ms`. */
  exitOrTimeout(ms: number): Promise<void>;
}

export async function* readLog(path: string, exit: ExitWatch, options: LogReadOptions = {}): AsyncGenerator<LogRecord> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return;
  }
  try {
    let offset = options.from ?? 0;
    let pending: Buffer = Buffer.alloc(0);
    const drain = (): LogRecord[] => {
      let chunk = readOutput(fd, offset);
      // Nothing past `offset`, and the log shorter than that: conmon truncated it at its --log-size-max and
      // writes on from its start.
      if (chunk.length === 0 && fstatSync(fd).size < offset) {
        offset = 0;
        chunk = readOutput(fd, 0);
      }
      offset += chunk.length;
      const data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      const end = data.lastIndexOf(0x0a) + 1;
      pending = data.subarray(end);
      return parseCriLog(data.subarray(0, end)).filter((r) => inWindow(r, options));
    };
    let first = drain();
    if (options.tail !== undefined && options.tail >= 0) first = options.tail === 0 ? [] : first.slice(-options.tail);
    yield* first;
    if (!options.follow) return;
    for (;;) {
      const done = await exit.exited();
      yield* drain();
      if (done || options.signal?.aborted) return;
      await changeOrTimeout(path, exit, 250, options.signal);
    }
  } finally {
    closeSync(fd);
  }
}

function inWindow(record: LogRecord, options: LogReadOptions): boolean {
  if (!options.since && !options.until) return true;
  const time = Date.parse(record.time);
  if (options.since && time < options.since.getTime()) return false;
  if (options.until && time >= options.until.getTime()) return false;
  return true;
}

/** The log grew, the container exited, the caller gave up, or `ms` passed. */
function changeOrTimeout(path: string, exit: ExitWatch, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const watcher = watch(path, () => done());
    const done = (): void => {
      if (settled) return;
      settled = true;
      watcher.close();
      signal?.removeEventListener('abort', done);
      resolve();
    };
    signal?.addEventListener('abort', done, { once: true });
    exit.exitOrTimeout(ms).then(done, done);
  });
}

/** The log's size now (0 when there is none yet): where a follower of the next run begins (LogReadOptions.from). */
export function logEnd(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
