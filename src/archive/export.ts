// Layer tars generated from files, when no tar-split exists: a whole tree, an
// overlay upper dir (whiteouts turned back into AUFS `.wh.` entries), or a list
// of changes over a root, each as the Go library writes it.

import type { BigIntStats } from 'node:fs';
import type { IdMappings } from '../idmap/index.js';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { readdirEntriesSync } from '../util/index.js';
import { ChangeKind, type Change } from './types.js';
import { END_OF_ARCHIVE, TarEntryType } from './tar/header.js';
import { encodeGoHeader, TarAppender, type ExportHeader } from './export-appender.js';
import { readXattr } from './changes-xattrs.js';
import { compareBytewise, isWhiteoutDevice, OVERLAY_OPAQUE_XATTR, statIfExists } from './changes-fs.js';

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

/** Go's TarWithOptions(dir): every entry below `dir` (not `dir` itself), depth first, names sorted. */
export function exportDirectory(dir: string, idMappings?: IdMappings): Readable {
  return tarStream(walkTree(dir, new TarAppender(undefined, idMappings)));
}

/**
 * The overlay driver's native diff: the upper dir walked like exportDirectory,
 * 0:0 character devices written as empty mode-0 regular files `.wh.NAME`, and an
 * opaque directory followed by `DIR/.wh..wh..opq` when it hides a directory of a
 * lower layer (`lowerDirs`, nearest first) — Go's overlayWhiteoutConverter.
 */
export function exportOverlayUpper(upperDir: string, lowerDirs: string[], idMappings?: IdMappings): Readable {
  const appender = new TarAppender((header, file, st) => convertOverlayWhiteouts(header, file, st, lowerDirs), idMappings);
  return tarStream(walkTree(upperDir, appender));
}

/**
 * Go's ExportChanges: the changes sorted by path; deletions as `.wh.NAME` entries
 * (mode 0, owner 0:0, mtime now), everything else read from under `root`.
 */
export function exportChanges(root: string, changes: Change[], idMappings?: IdMappings): Readable {
  return tarStream(walkChanges(root, changes, idMappings));
}

function tarStream(entries: AsyncGenerator<Buffer>): Readable {
  async function* withEnd(): AsyncGenerator<Buffer> {
    yield* entries;
    yield END_OF_ARCHIVE;
  }
  return Readable.from(withEnd(), { objectMode: false });
}

async function* walkTree(root: string, appender: TarAppender, rel = ''): AsyncGenerator<Buffer> {
  const entries = readdirEntriesSync(join(root, rel)).sort((a, b) => compareBytewise(a.name, b.name));
  for (const entry of entries) {
    const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
    yield* appender.entry(join(root, childRel), childRel);
    if (entry.isDirectory()) yield* walkTree(root, appender, childRel);
  }
}

async function* walkChanges(root: string, changes: Change[], idMappings?: IdMappings): AsyncGenerator<Buffer> {
  const appender = new TarAppender(undefined, idMappings);
  const sorted = [...changes].sort((a, b) => compareBytewise(a.path, b.path));
  for (const change of sorted) {
    const name = change.path.slice(1);
    if (change.kind === ChangeKind.Delete) {
      const dir = posix.dirname(name);
      const whiteout = (dir === '.' ? '' : dir + '/') + WHITEOUT_PREFIX + posix.basename(name);
      // Go leaves the format open, so its writer rounds "now" to the nearest second.
      yield encodeGoHeader({ name: whiteout, type: TarEntryType.File, mode: 0, goMode: 0, mtime: Math.round(Date.now() / 1000) });
    } else {
      yield* appender.entry(join(root, change.path), name, true);
    }
  }
}

async function convertOverlayWhiteouts(header: ExportHeader, file: string, st: BigIntStats, lowerDirs: string[]): Promise<ExportHeader | undefined> {
  if (isWhiteoutDevice(st)) {
    const dir = posix.dirname(header.name);
    Object.assign(header, {
      name: (dir === '.' ? '' : dir + '/') + WHITEOUT_PREFIX + posix.basename(header.name),
      type: TarEntryType.File, mode: 0, goMode: 0, size: 0,
    });
    return undefined;
  }
  if (!st.isDirectory()) return undefined;
  const opaque = readXattr(file, OVERLAY_OPAQUE_XATTR);
  if (opaque === null || opaque.length !== 1 || opaque[0] !== 0x79 /* 'y' */) return undefined;
  if (!hidesLowerDirectory(header.name.replace(/\/$/, ''), lowerDirs)) return undefined;
  return {
    name: header.name + OPAQUE_MARKER,
    type: TarEntryType.File,
    mode: header.goMode & 0o777,
    goMode: header.goMode & 0o777,
    uid: header.uid, gid: header.gid, uname: header.uname, gname: header.gname,
    mtime: 0,
  };
}

/**
 * Whether the opaque directory `rel` hides something: the nearest layer that has
 * the path decides (a whiteout there means nothing is hidden); a layer that
 * whited out one of its parents ends the search with nothing hidden.
 */
function hidesLowerDirectory(rel: string, lowerDirs: string[]): boolean {
  for (const layer of lowerDirs) {
    const below = statIfExists(join(layer, rel), true);
    if (below !== null) return !isWhiteoutDevice(below);
    for (let dir = posix.dirname(rel); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) {
      const parent = statIfExists(join(layer, dir), true);
      if (parent !== null && isWhiteoutDevice(parent)) return false;
    }
  }
  return false;
}
