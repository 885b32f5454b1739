// Resolves tar entry names inside a layer directory as if it were the root
// (chroot semantics, like Go's chrooted extraction): `..` stops at the root,
// absolute names start at it, and symlinks met in parent components are
// followed *inside* it. The final component is never followed.
//
// Why no TOCTOU: during an apply only this (single-threaded) writer changes the
// layer directory, and every operation uses a path resolved right before it.

import { lstatSync, mkdirSync } from 'node:fs';
import { encodeFileName, hasEscapedBytes, isErrno, readlinkNameSync } from '../util/index.js';
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
  /**
   * `parent`, `base` and `full` as fs calls take them: the same strings, or their bytes when
   * they hold bytes that are not UTF-8 (util/file-names).
   */
  fsParent: string | Buffer;
  fsBase: string | Buffer;
  fsFull: string | Buffer;
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
      if (components.length === 0) return { parent: this.root, base: '', full: this.root, fsParent: this.root, fsBase: '', fsFull: this.root };
      base = components.pop() as string;
      parent = this.resolveDirectory(components, createParents, name);
    }
    const full = parent === '/' ? '/' + base : parent + '/' + base;
    // Names are checked rather than the (longer) host paths: a parent holds escapes only when
    // some name or link target did, and link targets are rare.
    if (!hasEscapedBytes(full)) return { parent, base, full, fsParent: parent, fsBase: base, fsFull: full };
    return { parent, base, full, fsParent: encodeFileName(parent), fsBase: encodeFileName(base), fsFull: encodeFileName(full) };
  }

  /**
   * Walks directory components from the root, following symlinks inside the root. As Go's
   * chrooted applier: a missing component of the name is created (when `create`), but a
   * symlink whose target is not there is never completed: the entry fails with ENOENT when
   * that symlink is its parent (the write through it finds no directory), with EEXIST when the
   * name goes on below it (MkdirAll meets a symlink it cannot make a directory).
   */
  private resolveDirectory(components: string[], create: boolean, name: string): string {
    const pending = components.reverse(); // a stack: next component at the end
    const stack: string[] = []; // host components below the root
    /** How many components on top of `pending` came from symlink targets (they sit above the name's own). */
    let fromLinks = 0;
    /** The last symlink followed, for messages. */
    let link = '';
    let hops = 0;
    while (pending.length > 0) {
      const part = pending.pop() as string;
      const ofLink = fromLinks > 0;
      if (ofLink) fromLinks--;
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
      const fsCurrent = hasEscapedBytes(current) ? encodeFileName(current) : current;
      let stats;
      try {
        stats = lstatSync(fsCurrent);
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err;
        if (ofLink) throw danglingLink(name, link, pending.length > fromLinks);
        if (!create) throw err;
        mkdirSync(fsCurrent, 0o755);
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
        const target = readlinkNameSync(current);
        link = current.slice(this.root.length);
        // An absolute target restarts at the layer root; a relative one continues from the link's directory.
        if (target.startsWith('/')) stack.length = 0;
        const targetParts = target.split('/');
        for (let i = targetParts.length - 1; i >= 0; i--) pending.push(targetParts[i] as string);
        fromLinks += targetParts.length;
      } else {
        const err = new Error(`ENOTDIR: not a directory, "${current}"`) as NodeJS.ErrnoException;
        err.code = 'ENOTDIR';
        throw err;
      }
    }
    return stack.length ? this.root + '/' + stack.join('/') : this.root;
  }
}

/** The error of a name that goes through a symlink whose target is not in the layer (see resolveDirectory). */
function danglingLink(name: string, link: string, below: boolean): NodeJS.ErrnoException {
  const code = below ? 'EEXIST' : 'ENOENT';
  const err = new Error(`${code}: "${name}" goes through the symlink "${link}", whose target is not a directory of the layer`) as NodeJS.ErrnoException;
  err.code = code;
  return err;
}
