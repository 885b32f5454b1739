// Extended attributes read from a file itself (never through a symlink), for
// the changes walker and the tar exporter.

import { fsPath } from '../util/index.js';
import { xattrAddon } from './native.js';

/** One attribute's value, or null when the file does not have it. */
export function readXattr(file: string, name: string): Buffer | null {
  return xattrAddon.lgetxattr(fsPath(file), name);
}

/**
 * The xattrs Go's archive code carries in tars and compares in changes:
 * `security.capability`, `security.ima` (tars only) and every `user.*`, keyed by name.
 */
export function readCarriedXattrs(file: string, withIma: boolean): Map<string, Buffer> {
  const found = new Map<string, Buffer>();
  const path = fsPath(file);
  for (const name of xattrAddon.llistxattr(path)) {
    const carried = name === 'security.capability' || (withIma && name === 'security.ima') || name.startsWith('user.');
    if (!carried) continue;
    const value = xattrAddon.lgetxattr(path, name);
    if (value !== null) found.set(name, value);
  }
  return found;
}
