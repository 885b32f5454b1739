// podman's --passwd (on by default): a container run as a numeric UID that its
// image's /etc/passwd does not know gets an entry there, written into its own
// layer at the create, so that whoami, $HOME lookups and the like work;
// --passwd-entry gives the entry's template. Loaded only for such a user.

import { appendFileSync, lstatSync, readFileSync } from 'node:fs';
import { resolveInRoot } from '../util/index.js';

/** podman's default entry, with its $-variables. */
const DEFAULT_TEMPLATE = '$USERNAME:*:$UID:$GID:$NAME:$HOME:/bin/sh';

/**
 * Appends the entry for `user` (`UID[:GID]`) to the root's /etc/passwd when
 * the UID is numeric, has no entry, and the file is a regular file (a link
 * is followed inside the root only); otherwise does nothing.
 */
export function addPasswdEntry(rootfs: string, user: string, template = DEFAULT_TEMPLATE): void {
  const [uid = '', group] = user.split(':', 2);
  if (!/^\d+$/.test(uid)) return;
  const passwd = resolveInRoot(rootfs, '/etc/passwd');
  let text: string;
  try {
    if (!lstatSync(passwd).isFile()) return;
    text = readFileSync(passwd, 'utf8');
  } catch {
    return;
  }
  if (text.split('\n').some((line) => line.split(':')[2] === uid)) return;
  const gid = group !== undefined && /^\d+$/.test(group) ? group : '0';
  const values: Record<string, string> = { USERNAME: uid, UID: uid, GID: gid, NAME: 'container user', HOME: '/' };
  const entry = template.replace(/\$(USERNAME|UID|GID|NAME|HOME)/g, (_whole, name: string) => values[name]!);
  appendFileSync(passwd, `${text.length > 0 && !text.endsWith('\n') ? '\n' : ''}${entry}\n`);
}
