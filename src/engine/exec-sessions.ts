// Detached exec sessions (`exec -d`), as podman lists them in inspect's
// ExecIDs: a record per session beside the container's state, holding the
// process's PID and /proc start time, so that a session is listed while that
// very process runs (a reused PID never passes for it) and dropped after.

import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isSameLiveProcess, procStat } from '../oci/index.js';
import { isErrno, writeFileAtomicSync } from '../util/index.js';

const SESSIONS_DIR = 'exec-sessions';

/** Records the detached exec session `id` (podman's: 64 hex digits) of the process `pid` in the container's `persistDir`. */
export function recordExecSession(persistDir: string, id: string, pid: number): void {
  const dir = join(persistDir, SESSIONS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const startTime = procStat(pid)?.startTime;
  // Without a start time the process has ended already: its session is over before it is listed.
  if (startTime !== undefined) writeFileAtomicSync(join(dir, id), JSON.stringify({ pid, startTime }), { noSync: true });
}

/** Drops the record of the session `id` (its process has exited). */
export function dropExecSession(persistDir: string, id: string): void {
  rmSync(join(persistDir, SESSIONS_DIR, id), { force: true });
}

/** The IDs of the container's detached sessions whose process still runs; the records of the others go. */
export function liveExecSessions(persistDir: string): string[] {
  const dir = join(persistDir, SESSIONS_DIR);
  let ids: string[];
  try {
    ids = readdirSync(dir).filter((name) => /^[0-9a-f]{64}$/.test(name));
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
  return ids.filter((id) => {
    const file = join(dir, id);
    let record: { pid: number; startTime: string } | undefined;
    try {
      record = JSON.parse(readFileSync(file, 'utf8')) as typeof record;
    } catch {
      record = undefined; // Gone meanwhile (another process dropped it).
    }
    if (record && isSameLiveProcess(record.pid, record.startTime)) return true;
    rmSync(file, { force: true });
    return false;
  });
}

/** Drops every session record: the container's processes have all ended (its cleanup, a new run). */
export function clearExecSessions(persistDir: string): void {
  rmSync(join(persistDir, SESSIONS_DIR), { recursive: true, force: true });
}
