// What /proc says of a process: its start time (so a reused PID is never
// taken for the container) and its state letter.

import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** Field 3: R, S, D, Z, X, T, … */
  state: string;
  /** Field 22: clock ticks since boot, kept as text as CRI-O keeps it. */
  startTime: string;
}

/** `/proc/<pid>/stat`, or undefined when there is no such process. */
export function procStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return undefined;
  }
  // comm (field 2) may hold spaces and parentheses: fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const startTime = rest[19];
  if (!state || !startTime) return undefined;
  return { state, startTime };
}

/**
 * CRI-O's Living(): the PID exists, is not a zombie, and started when the
 * recorded process did (else the PID was reused by another process).
 */
export function isSameLiveProcess(pid: number, startTime: string | undefined): boolean {
  if (pid <= 0) return false;
  const stat = procStat(pid);
  if (!stat || stat.state === 'Z' || stat.state === 'X') return false;
  return startTime === undefined || stat.startTime === startTime;
}
