// Resolves tar entry names inside a layer directory as if it were the root
// (chroot semantics, like Go's chrooted extraction): `..` stops at the root,
// absolute names start at it, and symlinks met in parent components are
// followed *inside* it. The final component is never followed.
//
// Why no TOCTOU: during an apply only this (single-threaded) writer changes the
// layer directory, and every operation uses a path resolved right before it.

import { lstatSync, mkdirSync, readlinkSync } from 'node:fs';
import { isErrno } from '../util/index.js';
import { ArchiveError } from './errors.js';

const SLASH = 0x2f;

/** Linux's limit on symlinks followed in one lookup (MAXSYMLINKS). */
const MAX_SYMLINK_HOPS = 40;

export interface ResolvedPath {
  /** Absolute path of the parent directory on the host (inside the root). */
  parent: string;
  /** The final component ('' for the root itself). */
  base: string;
  /** `parent/base`, or the root itself. */
  full: string;
}

/** The last component of a tar name as given, trailing slashes ignored ('' for `/` or ''). */
export function lastComponent(name: string): string {
  const end = baseEnd(name);
  return name.slice(name.lastIndexOf('/', end - 1) + 1, end);
}

/** Where the name ends without its trailing slashes. */
function baseEnd(name: string): number {
  let end = name.length;
  while (end > 0 && name.charCodeAt(end - 1) === SLASH) end--;
  return end;
}

/** Splits a tar name into clean components, `..` clamped at the root (path.Clean of "/" + name). */
export function cleanComponents(name: string): string[] {
  const out: string[] = [];
  for (const part of name.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out;
}

export class RootResolver {
  /** Host paths known to be real directories (not symlinks). Cleared on every removal. */
  private readonly knownDirs = new Set<string>();
  /**
   * Resolved parents by the directory part of a name as given (`./usr/lib` of
   * `./usr/lib/libc.so`): entries of one directory follow each other, and walking their
   * components again cost the writer thread ~0.02 s per 30,000 entries. Cleared on every removal.
   */
  private readonly parents = new Map<string, string>();

  constructor(readonly root: string) {
    this.knownDirs.add(root);
  }

  /** Forget cached directories: call after anything in the tree was removed or replaced. */
  invalidate(): void {
    this.knownDirs.clear();
    this.knownDirs.add(this.root);
    this.parents.clear();
  }

  /**
   * Resolves `name` to a host path. Missing parent directories are created (0755, as Go's
   * MkdirAll) when `createParents`; otherwise a missing parent throws ENOENT.
   */
  resolve(name: string, createParents: boolean): ResolvedPath {
    const end = baseEnd(name);
    const slash = name.lastIndexOf('/', end - 1);
    let base = name.slice(slash + 1, end);
    let parent: string;
    if (base !== '' && base !== '.' && base !== '..') {
      // The last component is a plain name: its parent is whatever the part before resolves to.
      const directory = slash < 0 ? '' : name.slice(0, slash);
      const known = this.parents.get(directory);
      parent = known ?? this.resolveDirectory(cleanComponents(directory), createParents, name);
      if (known === undefined) this.parents.set(directory, parent);
    } else {
      const components = cleanComponents(name);
      if (components.length === 0) return { parent: this.root, base: '', full: this.root };
      base = components.pop() as string;
      parent = this.resolveDirectory(components, createParents, name);
    }
    return { parent, base, full: parent === '/' ? '/' + base : parent + '/' + base };
  }

  /** Walks directory components from the root, following symlinks inside the root. */
  private resolveDirectory(components: string[], create: boolean, name: string): string {
    const pending = components.reverse(); // a stack: next component at the end
    const stack: string[] = []; // host components below the root
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      if (part === '.' || part === '') continue;
      if (part === '..') {
        stack.pop();
        continue;
      }
      const current = this.root + '/' + (stack.length ? stack.join('/') + '/' : '') + part;
      if (this.knownDirs.has(current)) {
        stack.push(part);
        continue;
      }
      let stats;
      try {
        stats = lstatSync(current);
      } catch (err) {
        if (!create || !isErrno(err, 'ENOENT')) throw err;
        mkdirSync(current, 0o755);
        this.knownDirs.add(current);
        stack.push(part);
        continue;
      }
      if (stats.isDirectory()) {
        this.knownDirs.add(current);
        stack.push(part);
      } else if (stats.isSymbolicLink()) {
        if (++hops > MAX_SYMLINK_HOPS) {
          throw new ArchiveError('path-escape', `too many symlinks resolving "${name}" inside the layer`, { name });
        }
        const target = readlinkSync(current);
        // An absolute target restarts at the layer root; a relative one continues from the link's directory.
        if (target.startsWith('/')) stack.length = 0;
        const targetParts = target.split('/');
        for (let i = targetParts.length - 1; i >= 0; i--) pending.push(targetParts[i] as string);
      } else {
        const err = new Error(`ENOTDIR: not a directory, "${current}"`) as NodeJS.ErrnoException;
        err.code = 'ENOTDIR';
        throw err;
      }
    }
    return stack.length ? this.root + '/' + stack.join('/') : this.root;
  }
}
