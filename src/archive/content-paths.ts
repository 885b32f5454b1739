// The paths a layer writer must not remove: the regular files it wrote content
// to, every directory above them and the symlinks their names went through. The
// layer's tar-split reads those files back (diff, check), so a later entry that
// removed one would leave a layer that cannot be read back.
//
// Nearly every layer adds ~30,000 such files and never asks: paths are kept in
// a flat list as they come and put into sets only at the first question (a
// removal). Filling the sets file by file was ~20 ms of the writer thread per
// 30,000-file layer, on the apply's critical path.

import type { ResolvedPath } from './apply-confine.js';

export class ContentPaths {
  /**
   * Recorded, not yet indexed: full path, parent directory, links (or undefined), repeated.
   * Undefined once the sets hold everything.
   */
  private pending: Array<string | string[] | undefined> | undefined = [];
  private readonly files = new Set<string>();
  private readonly dirs = new Set<string>();

  /** `root`: the layer root, above which no directory is recorded. */
  constructor(private readonly root: string) {}

  /** Records the file `resolved` names, with its directories and links. */
  add(resolved: ResolvedPath): void {
    this.addFile(resolved.full, resolved.parent, resolved.links);
  }

  /** Records the file `full` in the directory `parent`, reached through `links`. */
  addFile(full: string, parent: string, links: string[] | undefined): void {
    if (this.pending) this.pending.push(full, parent, links);
    else this.index(full, parent, links);
  }

  /** Whether `path` is a recorded file, or a directory or link above one. */
  has(path: string): boolean {
    const pending = this.pending;
    if (pending) {
      this.pending = undefined;
      for (let i = 0; i < pending.length; i += 3) {
        this.index(pending[i] as string, pending[i + 1] as string, pending[i + 2] as string[] | undefined);
      }
    }
    return this.files.has(path) || this.dirs.has(path);
  }

  private index(full: string, parent: string, links: string[] | undefined): void {
    this.files.add(full);
    this.addDirectories(parent);
    if (links) for (const link of links) this.addDirectories(link);
  }

  /** `path` and the directories above it, up to the root. */
  private addDirectories(path: string): void {
    for (let dir = path; dir.length > this.root.length && !this.dirs.has(dir); dir = dir.slice(0, dir.lastIndexOf('/'))) this.dirs.add(dir);
  }
}
