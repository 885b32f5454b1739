// Staged layers: a diff applied into `<driver home>/staging/berth-<pid>-…`
// outside the layers lock, so a pull applies its layers in parallel and only
// the final rename into a layer is serialised (Go 1.50's staged layers).

import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno, removeTree } from '../util/index.js';
import type { Driver } from './drivers/index.js';
import { StorageError } from './errors.js';
import type { StagedLayer, StageLayerOptions } from './types.js';

const STAGE_PREFIX = 'berth-';
/** The applied files inside a staging directory. */
const FILES = 'files';
/** The tar-split inside a staging directory, renamed next to layers.json on commit. */
const TAR_SPLIT = 'tar-split.gz';

export async function stageLayer(driver: Driver, diff: Readable, options: StageLayerOptions): Promise<StagedLayer> {
  mkdirSync(driver.stagingHome, { recursive: true, mode: 0o700 });
  const directory = mkdtempSync(join(driver.stagingHome, `${STAGE_PREFIX}${process.pid}-`));
  try {
    // 0555 as a base layer's root: applyStaged gives it the parent's attributes unless the tar has its own.
    mkdirSync(join(directory, FILES), { mode: 0o555 });
    const result = await driver.stageDiff(join(directory, FILES), diff, { tarSplitPath: join(directory, TAR_SPLIT) });
    for (const [which, expected, got] of [
      ['compressed', options.originalDigest, result.compressedDigest],
      ['uncompressed', options.uncompressedDigest, result.uncompressedDigest],
    ] as const) {
      if (expected && expected !== got) {
        throw new StorageError('digest-mismatch', `staged layer: ${which} digest ${got}, expected ${expected}`, { expected, got });
      }
    }
    return {
      directory,
      compressedDigest: result.compressedDigest,
      compressedSize: result.compressedSize,
      uncompressedDigest: result.uncompressedDigest,
      uncompressedSize: result.uncompressedSize,
      compressionType: result.compression,
      uidSet: result.uidSet,
      gidSet: result.gidSet,
      rootEntry: result.rootEntry,
    };
  } catch (err) {
    removeTree(directory);
    throw err;
  }
}

/** The staged files and tar-split, after checking the stage is one of this store's. */
export function stagedPaths(driver: Driver, staged: StagedLayer): { files: string; tarSplit: string } {
  const { directory } = staged;
  if (dirname(directory) !== driver.stagingHome || !basename(directory).startsWith(STAGE_PREFIX)) {
    throw new StorageError('invalid-path', `${JSON.stringify(directory)} is not a staging directory of this store`, { directory });
  }
  return { files: join(directory, FILES), tarSplit: join(directory, TAR_SPLIT) };
}

export function discardStagedLayer(driver: Driver, staged: StagedLayer): void {
  stagedPaths(driver, staged);
  removeTree(staged.directory);
}

/**
 * Removes the stages of processes that no longer run (a crash mid-apply).
 * A stage carries no lock: its owner's PID in the name tells whether
 * someone may still be writing it.
 */
export function removeStaleStages(stagingHome: string): void {
  let names: string[];
  try {
    names = readdirSync(stagingHome);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const name of names) {
    if (!name.startsWith(STAGE_PREFIX)) continue;
    const pid = Number.parseInt(name.slice(STAGE_PREFIX.length), 10);
    if (Number.isInteger(pid) && pid > 0 && processRuns(pid)) continue;
    removeTree(join(stagingHome, name));
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM');
  }
}
