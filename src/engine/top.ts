// `top` of a container: its processes as /proc describes them.

import { readFileSync } from 'node:fs';

export interface ProcessRow {
  pid: number;
  ppid: number;
  /** Numeric UID (names would need the container's /etc/passwd). */
  uid: number;
  /** CPU time (user + system) in seconds. */
  cpuSeconds: number;
  command: string;
}

const CLOCK_TICKS = 100;

export function processRows(pids: number[]): ProcessRow[] {
  const rows: ProcessRow[] = [];
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const uid = Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1] ?? -1);
      const cmdline = readFileSync(`/proc/${pid}/cmdline`).toString().split('\0').filter(Boolean).join(' ');
      rows.push({
        pid,
        ppid: Number(fields[1]),
        uid,
        cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
        command: cmdline || `[${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}]`,
      });
    } catch {
      // The process exited between the listing and the read.
    }
  }
  return rows;
}
