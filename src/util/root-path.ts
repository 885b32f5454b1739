// Paths inside a container's or an image's root filesystem, resolved as a
// chroot would resolve them: symlinks (absolute ones from the root) and `..`
// cannot leave the root. Whatever a file in an image names, reading or writing
// it through these touches only files below the root.

import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { BerthError } from './errors.js';

/** Linux's limit on the symlinks one lookup follows (ELOOP beyond it). */
const MAX_SYMLINKS = 40;

export class RootPathError extends BerthError<'symlink-loop'> {}

/** The host path of `path` inside `root`, following symlinks as a chroot would. */
export function resolveInRoot(root: string, path: string): string {
  let resolved: string[] = [];
  let pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  for (let links = 0; pending.length > 0; ) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const host = posix.join(root, ...resolved, name);
    let target: string | undefined;
    try {
      target = lstatSync(host).isSymbolicLink() ? readlinkSync(host) : undefined;
    } catch {
      target = undefined; // Does not exist (yet): the rest is taken literally.
    }
    if (target === undefined) {
      resolved.push(name);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new RootPathError('symlink-loop', `too many levels of symbolic links in ${path}`, { root, path });
    if (target.startsWith('/')) resolved = [];
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return posix.join(root, ...resolved);
}

/**
 * The records of a colon-separated database inside `root` (`/etc/passwd`,
 * `/etc/group`) as libcontainer's parser reads them, which podman and the Go
 * store use: each non-blank line, trimmed, split at its colons. A file that is
 * missing or cannot be read (a directory, a link loop) has none.
 */
export function colonRecordsInRoot(root: string, path: string): string[][] {
  let text: string;
  try {
    text = readFileSync(resolveInRoot(root, path), 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '').map((line) => line.split(':'));
}
