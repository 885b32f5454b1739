// User and group names for tar headers, as Go's archive/tar FileInfoHeader
// fills Uname/Gname from the host's account databases (cached per process).

import { readFileSync } from 'node:fs';

let users: Map<number, string> | undefined;
let groups: Map<number, string> | undefined;

export function userName(uid: number): string {
  users ??= readIdNames('/etc/passwd');
  return users.get(uid) ?? '';
}

export function groupName(gid: number): string {
  groups ??= readIdNames('/etc/group');
  return groups.get(gid) ?? '';
}

/**
 * `name:x:id:…` lines → id → first name with that id. Read synchronously once:
 * two small files, cached for the life of the process like Go's lookup cache.
 */
function readIdNames(file: string): Map<number, string> {
  const names = new Map<number, string>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return names; // no database: Go leaves the names empty as well
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields.length < 3 || fields[0] === '' || line.startsWith('#')) continue;
    const id = Number(fields[2]);
    if (Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]!);
  }
  return names;
}
