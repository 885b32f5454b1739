// Changes of an overlay layer read from its upper dir alone, as Go's
// archive.OverlayChanges reports them (the overlay driver's native path).

import { lstatSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { fsPath, readdirNamesSync } from '../util/index.js';
import { ChangeKind, type Change } from './types.js';
import { readXattr } from './changes-xattrs.js';
import { compareBytewise, isWhiteoutDevice, OVERLAY_OPAQUE_XATTR, sameFsTime, statIfExists, WalkPacer } from './changes-fs.js';

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
  private readonly pacer = new WalkPacer();

  constructor(
    private readonly lowerDirs: string[],
    private readonly upperDir: string,
  ) {}

  async descend(dir: string): Promise<void> {
    const names = readdirNamesSync(join(this.upperDir, dir)).sort(compareBytewise);
    for (const name of names) {
      const entry = posix.join(dir, name);
      const st = lstatSync(fsPath(join(this.upperDir, entry)), { bigint: true });
      this.visit(entry, st);
      await this.pacer.tick();
      if (st.isDirectory()) await this.descend(entry);
    }
  }

  private visit(entry: string, st: BigIntStats): void {
    let kind: ChangeKind;
    if (this.deletedBy(entry, st)) {
      kind = ChangeKind.Delete;
    } else {
      const lower = this.findInLowers(entry);
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
  private deletedBy(entry: string, st: BigIntStats): boolean {
    if (isWhiteoutDevice(st)) return true;
    if (!st.isDirectory()) return false;
    const opaque = readXattr(join(this.upperDir, entry), OVERLAY_OPAQUE_XATTR);
    if (opaque === null || opaque.length !== 1 || opaque[0] !== 0x79 /* 'y' */) return false;
    for (const layer of this.lowerDirs) {
      const below = statIfExists(join(layer, entry), true);
      if (below !== null) return !isWhiteoutDevice(below);
      for (const parent of ancestors(entry)) {
        const parentBelow = statIfExists(join(layer, parent), true);
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
  private findInLowers(entry: string): BigIntStats | null {
    for (const layer of this.lowerDirs) {
      if (whitedOutIn(layer, entry)) return null;
      for (const parent of ancestors(entry)) {
        if (whitedOutIn(layer, parent)) return null;
      }
      const below = statIfExists(join(layer, entry), true);
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

function whitedOutIn(layer: string, entry: string): boolean {
  const st = statIfExists(join(layer, entry), true);
  return st !== null && isWhiteoutDevice(st);
}

/** `/a/b/c` → `/a/b`, `/a` (never `/`). */
function* ancestors(entry: string): Generator<string> {
  for (let dir = posix.dirname(entry); dir !== '/'; dir = posix.dirname(dir)) yield dir;
}
