// The vfs graph driver: every layer is a full copy of its parent
// (`<graphRoot>/vfs/dir/<id>`) with its own diff applied on top; no mounts.

import { chownSync, existsSync } from 'node:fs';
import { chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { ApplyResult, Change, TreeMappings } from '../../archive/index.js';
import type { IdMappings } from '../../idmap/index.js';
import type { Driver, DriverApplyOptions, DriverCreateOptions, DriverInitOptions, DriverMountOptions } from './types.js';
import { applyWithOverlayWhiteouts, archiveModule } from './archive-module.js';
import { DriverError } from './errors.js';
import { pathExists, statLayer } from './layer-stat.js';
import { parseVfsOptions, type VfsOptions } from './options.js';
import { runProgram } from './run-program.js';

/** Mode of a base layer's directory (Go's defaultPerms). */
const DEFAULT_ROOT_MODE = 0o555;

export class VfsDriver implements Driver {
  readonly name = 'vfs';

  readonly additionalImageStores: readonly string[];
  /** `dir/` of the home and of each additional image store, searched in that order. */
  private readonly layerRoots: string[];

  private constructor(
    readonly home: string,
    private readonly options: VfsOptions,
  ) {
    this.additionalImageStores = options.imageStores;
    this.layerRoots = [home, ...options.imageStores.map((store) => join(store, 'vfs'))].map((dir) => join(dir, 'dir'));
  }

  static async init(init: DriverInitOptions): Promise<VfsDriver> {
    const options = parseVfsOptions(init.options);
    const home = join(init.graphRoot, 'vfs');
    await mkdir(join(home, 'dir'), { recursive: true, mode: 0o700 });
    await chownLayerRoot(home, init.idMappings);
    return new VfsDriver(home, options);
  }

  /** A directory with the parent's mode and owner (base: 0555, root), then a full copy of the parent. */
  async create(id: string, parent: string | undefined, options?: DriverCreateOptions): Promise<void> {
    if (options?.storageOpt && Object.keys(options.storageOpt).length > 0) {
      throw new DriverError('not-supported', '--storage-opt is not supported for vfs', { id });
    }
    const dir = join(this.home, 'dir', id);
    await chownLayerRoot(this.home, options?.idMappings);
    const parentStat = parent ? statLayer(this.layerFilesDir(parent), parent) : undefined;
    await mkdir(dir, { mode: parentStat ? parentStat.mode & 0o7777 : DEFAULT_ROOT_MODE });
    try {
      // Go: the parent's owner, else the root of the layer's mappings.
      const owner = parentStat ?? options?.idMappings?.rootPair();
      if (owner && (owner.uid !== 0 || owner.gid !== 0)) await chown(dir, owner.uid, owner.gid);
      if (parent) await copyTree(this.layerFilesDir(parent), dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    await rm(join(this.home, 'dir', id), { recursive: true, force: true });
  }

  async exists(id: string): Promise<boolean> {
    return pathExists(this.layerFilesDir(id));
  }

  async metadata(): Promise<null> {
    return null;
  }

  async listLayers(): Promise<string[]> {
    const entries = await readdir(join(this.home, 'dir'), { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  }

  /** The layer's own directory; `ro` is accepted and ignored, any other option refused (as in Go). */
  async mount(id: string, options: DriverMountOptions = {}): Promise<string> {
    const list = options.options ?? [];
    if (list.length > 1 || (list.length === 1 && list[0] !== 'ro')) {
      throw new DriverError('invalid-option', 'vfs driver does not support mount options', { id, options: list });
    }
    const dir = this.layerFilesDir(id);
    const st = statLayer(dir, id);
    if (!st.isDirectory()) throw new DriverError('layer-unknown', `${dir}: not a directory`, { id });
    return dir;
  }

  async unmount(): Promise<void> {
    // Nothing is mounted: the Store still counts references in mountpoints.json.
  }

  async isMounted(id: string): Promise<boolean> {
    return this.exists(id);
  }

  /** Go's vfs (the naive ID-map updater): layers are stored shifted, never shown through maps. */
  async supportsShifting(): Promise<boolean> {
    return false;
  }

  /** The layer's directory: in the home, or else in the first additional image store holding it (Go's dir2). */
  layerFilesDir(id: string): string {
    const own = join(this.home, 'dir', id);
    if (this.layerRoots.length === 1 || existsSync(own)) return own;
    for (const root of this.layerRoots.slice(1)) {
      if (existsSync(join(root, id))) return join(root, id);
    }
    return own;
  }

  async applyDiff(id: string, _parent: string | undefined, input: Readable, options: DriverApplyOptions = {}): Promise<ApplyResult> {
    const dir = this.layerFilesDir(id);
    statLayer(dir, id);
    const { applyLayer } = await archiveModule();
    return applyLayer(dir, input, {
      whiteoutFormat: 'delete',
      tarSplitPath: options.tarSplitPath,
      maxUncompressedSize: options.maxUncompressedSize,
      ignoreChownErrors: this.options.ignoreChownErrors,
      idMappings: options.idMappings,
    });
  }

  get stagingHome(): string {
    return join(this.home, 'staging');
  }

  stageDiff(dir: string, input: Readable, options: DriverApplyOptions = {}): Promise<ApplyResult> {
    return applyWithOverlayWhiteouts(dir, input, options, this.options.ignoreChownErrors);
  }

  /**
   * A vfs layer is a full copy of its parent, which a stage cannot be applied onto before the
   * parent exists: the staged tar is rebuilt from its tar-split and files and applied onto the
   * copy create() made, as applyDiff would apply it (whiteouts become deletions). The staged
   * apply still verified digests and decompressed off the lock; vfs is not the fast path.
   */
  async applyStaged(id: string, _parent: string | undefined, dir: string, staged: { tarSplitPath: string }): Promise<void> {
    const { applyLayer, tarSplitReplay } = await archiveModule();
    const target = this.layerFilesDir(id);
    await applyLayer(target, tarSplitReplay(staged.tarSplitPath, dir), { whiteoutFormat: 'delete', ignoreChownErrors: this.options.ignoreChownErrors });
    await rm(dir, { recursive: true, force: true });
  }

  remappedFilesDirs(): string[] {
    return [];
  }

  async diff(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Readable> {
    const dir = this.layerFilesDir(id);
    statLayer(dir, id);
    const { exportChanges, exportDirectory } = await archiveModule();
    if (!parent) return exportDirectory(dir, mappings?.new);
    return exportChanges(dir, await this.changes(id, parent, mappings), mappings?.new);
  }

  async updateLayerIdMap(id: string, from: IdMappings, to: IdMappings): Promise<void> {
    const dir = this.layerFilesDir(id);
    statLayer(dir, id);
    const { chownTreeByMaps } = await archiveModule();
    chownTreeByMaps(dir, from, to);
    // The tree walk leaves the layer's root alone; Go's vfs then gives it the new maps' root.
    const root = to.toHost({ uid: 0, gid: 0 });
    chownSync(dir, root.uid, root.gid);
  }

  async changes(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Change[]> {
    const dir = this.layerFilesDir(id);
    statLayer(dir, id);
    const { changesDirs } = await archiveModule();
    if (!parent) return changesDirs(dir, undefined);
    const parentDir = this.layerFilesDir(parent);
    statLayer(parentDir, parent);
    return changesDirs(dir, parentDir, mappings);
  }

  async diffSize(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<number> {
    const changes = await this.changes(id, parent, mappings);
    const { changesSize } = await archiveModule();
    return changesSize(this.layerFilesDir(id), changes);
  }

  /** Go's vfs reports no status lines. */
  async status(): Promise<Array<[string, string]>> {
    return [];
  }

  async cleanup(): Promise<void> {
    // vfs mounts nothing at init.
  }
}

/**
 * Go's dirCopy: everything below `from` (and `from`'s own attributes) into
 * `to` — owners, modes, mtimes, xattrs, hard links within the tree, devices,
 * fifos, sparse files. GNU `cp -a` does exactly this natively and faster than
 * a walk through Node's fs.
 */
async function copyTree(from: string, to: string): Promise<void> {
  try {
    await runProgram('cp', ['-a', '--reflink=auto', '--', `${from}/.`, `${to}/`]);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? '';
    throw new DriverError('copy-failed', `copying "${from}" to "${to}": ${stderr || (err as Error).message}`, { from, to }, { cause: err });
  }
}

/**
 * Go's vfs Init and create MkdirAllAndChown `<home>/dir` to the root of the
 * store's or the new layer's maps (0:0 without), existing or not. Only root
 * chowns (Go's rootless runs as root of its namespace).
 */
async function chownLayerRoot(home: string, mappings: IdMappings | undefined): Promise<void> {
  const dir = join(home, 'dir');
  const owner = mappings?.rootPair() ?? { uid: 0, gid: 0 };
  const st = await stat(dir);
  if (process.getuid?.() === 0 && (st.uid !== owner.uid || st.gid !== owner.gid)) await chown(dir, owner.uid, owner.gid);
}
