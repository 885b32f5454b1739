// Detached exec sessions (`exec -d`), as podman lists them in inspect's
// ExecIDs: a record per session beside the container's state, kept after the
// session's process exits, through the container's own exit, until the
// container runs again (podman 4.3 drops them at the next start), or is
// removed with its directory. The record holds the process's PID and /proc
// start time.

import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { procStat } from '../oci/index.js';
import { isErrno, writeFileAtomicSync } from '../util/index.js';

const SESSIONS_DIR = 'exec-sessions';

/** Records the detached exec session `id` (podman's: 64 hex digits) of the process `pid` in the container's `persistDir`. */
export function recordExecSession(persistDir: string, id: string, pid: number): void {
  const dir = join(persistDir, SESSIONS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // Without a start time the process has ended already; its session is listed all the same.
  writeFileAtomicSync(join(dir, id), JSON.stringify({ pid, startTime: procStat(pid)?.startTime }), { noSync: true });
}

/** The IDs of the container's detached sessions since it last started, running or not, in ID order. */
export function execSessionIds(persistDir: string): string[] {
  try {
    return readdirSync(join(persistDir, SESSIONS_DIR)).filter((name) => /^[0-9a-f]{64}$/.test(name)).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/** Drops every session record: the container runs again. */
export function clearExecSessions(persistDir: string): void {
  rmSync(join(persistDir, SESSIONS_DIR), { recursive: true, force: true });
}
