// Changes of an overlay layer read from its upper dir alone, as Go's
// archive.OverlayChanges reports them (the overlay driver's native path).

import { lstat, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { BigIntStats } from 'node:fs';
import { isErrno } from '../util/index.js';
import { ChangeKind, type Change } from './types.js';
import { readXattr } from './changes-xattrs.js';
import { compareBytewise, isWhiteoutDevice, OVERLAY_OPAQUE_XATTR, sameFsTime } from './changes-fs.js';

/**
 * Walks `upperDir` in Go's filepath.Walk order (depth first, names sorted) and
 * reports each entry against `lowerDirs` (nearest first): 0:0 character devices
 * are deletions; an opaque directory that hid a lower one is a deletion of that
 * directory (its children then follow as additions); anything found in a lower
 * layer is a modification, except directories whose size, mode and mtime all
 * match; the parents of additions and deletions are listed as modified.
 */
export async function overlayChanges(lowerDirs: string[], upperDir: string): Promise<Change[]> {
  const walk = new OverlayWalk(lowerDirs, upperDir);
  await walk.descend('/');
  return walk.changes;
}

class OverlayWalk {
  readonly changes: Change[] = [];
  /** Directories already listed, or seen as directories of this layer (Go's changedDirs). */
  private readonly changedDirs = new Set<string>();

  constructor(
    private readonly lowerDirs: string[],
    private readonly upperDir: string,
  ) {}

  async descend(dir: string): Promise<void> {
    const names = (await readdir(path.join(this.upperDir, dir))).sort(compareBytewise);
    const stats = await Promise.all(names.map((name) => lstat(path.join(this.upperDir, dir, name), { bigint: true })));
    for (let i = 0; i < names.length; i++) {
      const entry = path.posix.join(dir, names[i]!);
      const st = stats[i]!;
      await this.visit(entry, st);
      if (st.isDirectory()) await this.descend(entry);
    }
  }

  private async visit(entry: string, st: BigIntStats): Promise<void> {
    let kind: ChangeKind;
    if (await this.deletedBy(entry, st)) {
      kind = ChangeKind.Delete;
    } else {
      const lower = await this.findInLowers(entry);
      if (lower === null) {
        kind = ChangeKind.Add;
      } else {
        // A directory present below is only "modified" when its own metadata changed;
        // otherwise it shows up (if at all) as the parent of a changed entry.
        if (lower.isDirectory() && st.isDirectory() && sameDirMetadata(st, lower)) return;
        kind = ChangeKind.Modify;
      }
    }
    if (st.isDirectory()) this.changedDirs.add(entry);
    if (kind !== ChangeKind.Modify) this.addParents(entry);
    this.changes.push({ path: entry, kind });
  }

  /** Go's overlayDeletedFile: a whiteout device, or an opaque dir that replaced a lower one. */
  private async deletedBy(entry: string, st: BigIntStats): Promise<boolean> {
    if (isWhiteoutDevice(st)) return true;
    if (!st.isDirectory()) return false;
    const opaque = readXattr(path.join(this.upperDir, entry), OVERLAY_OPAQUE_XATTR);
    if (opaque === null || opaque.length !== 1 || opaque[0] !== 0x79 /* 'y' */) return false;
    for (const layer of this.lowerDirs) {
      const below = await statOrNull(path.join(layer, entry));
      if (below !== null) return !isWhiteoutDevice(below);
      for (const parent of ancestors(entry)) {
        const parentBelow = await statOrNull(path.join(layer, parent));
        if (parentBelow !== null && isWhiteoutDevice(parentBelow)) return false;
      }
    }
    return false;
  }

  /**
   * The entry as the nearest lower layer has it (stat follows symlinks, as Go's
   * os.Stat does), or null when it is new: absent everywhere, or a lower layer
   * whited it or one of its parents out before any layer had it.
   */
  private async findInLowers(entry: string): Promise<BigIntStats | null> {
    for (const layer of this.lowerDirs) {
      if (await whitedOutIn(layer, entry)) return null;
      for (const parent of ancestors(entry)) {
        if (await whitedOutIn(layer, parent)) return null;
      }
      const below = await statOrNull(path.join(layer, entry));
      if (below !== null) return below;
    }
    return null;
  }

  /** Lists every not yet listed parent directory as modified, outermost first. */
  private addParents(entry: string): void {
    const missing: Change[] = [];
    for (const parent of ancestors(entry)) {
      if (this.changedDirs.has(parent)) continue;
      this.changedDirs.add(parent);
      missing.unshift({ path: parent, kind: ChangeKind.Modify });
    }
    this.changes.push(...missing);
  }
}

function sameDirMetadata(a: BigIntStats, b: BigIntStats): boolean {
  return a.size === b.size && a.mode === b.mode && sameFsTime(a.mtimeNs, b.mtimeNs);
}

async function whitedOutIn(layer: string, entry: string): Promise<boolean> {
  const st = await statOrNull(path.join(layer, entry));
  return st !== null && isWhiteoutDevice(st);
}

/** `/a/b/c` → `/a/b`, `/a` (never `/`). */
function* ancestors(entry: string): Generator<string> {
  for (let dir = path.posix.dirname(entry); dir !== '/'; dir = path.posix.dirname(dir)) yield dir;
}

async function statOrNull(file: string): Promise<BigIntStats | null> {
  try {
    return await stat(file, { bigint: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return null;
    throw err;
  }
}
