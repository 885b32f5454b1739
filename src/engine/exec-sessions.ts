// Detached exec sessions (`exec -d`), as podman lists them in inspect's
// ExecIDs: a record per session beside the container's state, kept after the
// session's process exits, through the container's own exit, until the
// container runs again (podman 4.3 drops them at the next start), or is
// removed with its directory. The record is an empty file named by the
// session's ID: nothing reads more of it.

import { closeSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno, removeTree } from '../util/index.js';

const SESSIONS_DIR = 'exec-sessions';

/** Records the detached exec session `id` (podman's: 64 hex digits) in the container's `persistDir`. */
export function recordExecSession(persistDir: string, id: string): void {
  const dir = join(persistDir, SESSIONS_DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  closeSync(openSync(join(dir, id), 'w', 0o600));
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
  removeTree(join(persistDir, SESSIONS_DIR));
}
