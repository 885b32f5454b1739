// Extended attributes read from a file itself (never through a symlink), for
// the changes walker and the tar exporter; Node has no xattr API, so this
// loads the repository's native/linuxfs addon.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

interface XattrCalls {
  llistxattr(file: string): string[];
  lgetxattr(file: string, name: string): Buffer | null;
}

const ADDON_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../../native/linuxfs/build/Release/linuxfs.node',
);

let calls: XattrCalls | undefined;

function addon(): XattrCalls {
  calls ??= createRequire(import.meta.url)(ADDON_PATH) as XattrCalls;
  return calls;
}

/** One attribute's value, or null when the file does not have it. */
export function readXattr(file: string, name: string): Buffer | null {
  return addon().lgetxattr(file, name);
}

/**
 * The xattrs Go's archive code carries in tars and compares in changes:
 * `security.capability`, `security.ima` (tars only) and every `user.*`, keyed by name.
 */
export function readCarriedXattrs(file: string, withIma: boolean): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const names = addon().llistxattr(file);
  for (const name of names) {
    const carried = name === 'security.capability' || (withIma && name === 'security.ima') || name.startsWith('user.');
    if (!carried) continue;
    const value = addon().lgetxattr(file, name);
    if (value !== null) found.set(name, value);
  }
  return found;
}
