// The overlay graph driver: layer directories laid out as containers/storage
// lays them out (store-format.md §1.3/1.4), kernel overlay mounts, and layer
// diffs read from and written to the upper (`diff`) directory.

import { chmodSync, chownSync, closeSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, posix, relative } from 'node:path';
import type { Readable } from 'node:stream';
import type { ApplyResult, Change, TreeMappings } from '../../archive/index.js';
import type { IdMappings } from '../../idmap/index.js';
import { generateShortLinkId, isErrno, readdirEntriesSync, removeFile, removeTree } from '../../util/index.js';
import type { Driver, DriverApplyOptions, DriverCreateOptions, DriverInitOptions, DriverMountOptions } from './types.js';
import { DriverError } from './errors.js';
import { parseOverlayOptions, type OverlayOptions } from './options.js';
import { applyWithOverlayWhiteouts, archiveModule } from './archive-module.js';
import { backingFsOf } from './backing-fs.js';
import { pathExists, statLayer } from './layer-stat.js';
import { featureCheck, probeIdmappedLowers, probeMetacopy, probeNativeDiff, probeOverlay, probeVolatile } from './overlay-features.js';
import { homeOf, LINK_DIR, lowerChainForChildOf, lowerDiffDirs, lowerPath, readLowers, readShortName, recreateSymlinks } from './overlay-links.js';
import { detachMount, idmappedBind, isMountPoint, isOverlayMounted, mountSyscall, MS_BIND, MS_PRIVATE, userNamespaceFd } from './mount-syscalls.js';

/** Mode of a base layer's `diff` (Go's defaultPerms). */
const DEFAULT_DIFF_MODE = 0o555;
/** v1.50.2's limit on the lower chain (v1.43 allowed 128). */
const MAX_DEPTH = 500;
/** Entries of the home that are not layers (Go's ListLayers skips them). */
const STAGING_DIR = 'staging';
const NOT_LAYERS = new Set([LINK_DIR, STAGING_DIR, 'backingFsBlockDev', '.has-mount-program']);

export class OverlayDriver implements Driver {
  readonly name = 'overlay';
  readonly additionalImageStores: readonly string[];
  private nativeDiff: boolean | undefined;
  private supportsVolatile: boolean | undefined;
  private idmappedLowers: boolean | undefined;
  /** The home, then `<store>/overlay` of each additional image store: where layers and `l/` links are found. */
  private readonly homes: readonly string[];

  private constructor(
    readonly home: string,
    private readonly runHome: string,
    private readonly options: OverlayOptions,
    private readonly backingFsName: string,
    private readonly usingMetacopy: boolean,
    private readonly idmapDisabled: boolean,
  ) {
    this.additionalImageStores = options.imageStores;
    this.homes = [home, ...options.imageStores.map((store) => join(store, 'overlay'))];
  }

  /**
   * Go's overlay Init: home (0700) with `l/` (0755), run home (0700), the
   * `.has-mount-program` flag, the cached feature probes, and the home
   * bind-mounted onto itself as a private mount unless skip_mount_home.
   * The fs calls are synchronous: every store open (every CLI command) runs
   * this dozen one-syscall steps, each of which cost a ~0.5 ms thread-pool
   * round trip asynchronously on the loaded benchmark machine.
   */
  static async init(init: DriverInitOptions): Promise<OverlayDriver> {
    const options = parseOverlayOptions(init.options);
    const home = join(init.graphRoot, 'overlay');
    const runHome = join(init.runRoot, 'overlay');
    mkdirSync(home, { recursive: true, mode: 0o700 });
    mkdirSync(join(home, LINK_DIR), { recursive: true, mode: 0o755 });
    mkdirSync(runHome, { recursive: true, mode: 0o700 });
    // Go's MkdirAllAs chowns the run home to the store maps' root even when it
    // exists (Go's rootless runs as root of its namespace; Berth's only chowns as root).
    const runOwner = init.idMappings?.rootPair() ?? { uid: 0, gid: 0 };
    const runStat = statSync(runHome);
    if (process.getuid?.() === 0 && (runStat.uid !== runOwner.uid || runStat.gid !== runOwner.gid)) chownSync(runHome, runOwner.uid, runOwner.gid);
    ensureNoMountProgram(home);
    const backingFs = backingFsOf(home);
    if (backingFs.name === 'overlayfs' || backingFs.name === 'aufs' || backingFs.name === 'zfs' || backingFs.name === 'ecryptfs') {
      throw new DriverError('not-supported', `'overlay' is not supported over ${backingFs.name}, a mount_program is required`, { home });
    }
    if (!(await featureCheck(runHome, 'overlay', () => probeOverlay(home)))) {
      throw new DriverError('not-supported', `'overlay' is not supported over ${backingFs.name} at "${home}"`, { home });
    }
    const usingMetacopy = await featureCheck(runHome, `metacopy(${options.mountOptions})`, () => probeMetacopy(home, options.mountOptions));
    if (!options.skipMountHome) makePrivateMount(home);
    const driver = new OverlayDriver(home, runHome, options, backingFs.name, usingMetacopy, init.disableIdmappedMounts === true);
    // Go's Init evaluates useNaiveDiff() (in a debug log line), so the native-diff probe runs and is cached at init.
    await driver.useNativeDiff();
    return driver;
  }

  /**
   * Go's create: `diff` with the parent's diff mode and the parent dir's
   * owner, the `l/` link, `link`, `work`, and `lower` (or `empty` for a base
   * layer). `merged` is left to mount(), which makes it (as Go's Get does
   * when it is missing; Go's Put removes it after each unmount anyway): an
   * inode fewer per create, and on this machine's disk each one costs up to
   * ~0.9 ms. The fs calls here and in remove() are synchronous:
   * a dozen tiny syscalls made under the layers lock, whose thread-pool round
   * trips cost 2.6-3.1 ms per create and ~1 ms per remove asynchronously
   * against ~0.3 ms synchronously (issue 2's containers benchmark).
   */
  async create(id: string, parent: string | undefined, options?: DriverCreateOptions): Promise<void> {
    if (options?.storageOpt && Object.keys(options.storageOpt).length > 0) {
      throw new DriverError('not-supported', "--storage-opt is supported only for overlay over xfs with 'pquota' mount option", { id });
    }
    const dir = join(this.home, id);
    // Go: the layer dir belongs to the root of the layer's mappings; diff, work
    // and empty to it too, or on a parent to the owner of the parent's diff.
    const mappedRoot = options?.idMappings?.rootPair() ?? { uid: 0, gid: 0 };
    let owner = mappedRoot;
    let diffMode = DEFAULT_DIFF_MODE;
    if (parent) {
      statLayer(this.layerDir(parent), parent);
      const parentDiff = statSync(join(this.layerDir(parent), 'diff'));
      owner = { uid: parentDiff.uid, gid: parentDiff.gid };
      diffMode = parentDiff.mode & 0o7777;
    }
    if (!makeDirIfAbsent(dir, 0o700)) {
      await this.remove(id); // Go warns and starts over
      mkdirSync(dir, { mode: 0o700 });
    }
    let shortName: string | undefined;
    try {
      chownIfMapped(dir, mappedRoot);
      mkdirOwned(join(dir, 'diff'), diffMode, owner);
      shortName = this.makeShortLink(id);
      writeFileSync(join(dir, 'link'), shortName, { mode: 0o644 });
      mkdirOwned(join(dir, 'work'), 0o700, owner);
      if (!parent) {
        mkdirOwned(join(dir, 'empty'), 0o700, owner);
      } else {
        writeFileSync(join(dir, 'lower'), await lowerChainForChildOf(homeOf(this.homes, parent), parent), { mode: 0o666 });
      }
    } catch (err) {
      if (shortName) removeFile(join(this.home, LINK_DIR, shortName));
      removeTree(dir);
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    let shortName: string | undefined;
    try {
      shortName = readShortName(this.home, id);
    } catch {
      // An unreadable link file: the layer dir goes anyway; recreateSymlinks drops a dangling l/ entry.
    }
    if (shortName) removeFile(join(this.home, LINK_DIR, shortName));
    const dir = join(this.home, id);
    // Go's Remove unmounts first: deleting through a live merged dir would be wasted work.
    detachLayerMounts(dir);
    try {
      removeTree(dir);
    } catch (err) {
      if (!isErrno(err, 'EBUSY')) throw err;
      // Go's EnsureRemoveAll: something is still mounted inside; detach it and retry.
      detachLayerMounts(dir);
      removeTree(dir);
    }
  }

  async metadata(id: string): Promise<Record<string, string>> {
    const dir = this.layerDir(id);
    statLayer(dir, id);
    const lowers = await lowerDiffDirs(this.homes, id);
    // In Go's map order (JSON sorts the keys).
    return { ...(lowers.length > 0 ? { LowerDir: lowers.join(':') } : {}), MergedDir: join(dir, 'merged'), UpperDir: join(dir, 'diff'), WorkDir: join(dir, 'work') };
  }

  async exists(id: string): Promise<boolean> {
    return pathExists(this.layerDir(id));
  }

  async listLayers(): Promise<string[]> {
    const entries = await readdir(this.home, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && !NOT_LAYERS.has(e.name)).map((e) => e.name);
  }

  /**
   * Go's get(): mount options replace the configured ones when given; `ro`
   * mounts the layer's diff as a lower too; `merged/` is (re)created first.
   * A layer whose merged dir is already an overlay mount is not mounted twice.
   * With a container's maps (and shifting), the lowers are idmapped mounts
   * (see idmapLowers) and `diff` and `merged` belong to the maps' root, so
   * that the container's root may write there; the upper dir keeps host IDs.
   */
  async mount(id: string, options: DriverMountOptions = {}): Promise<string> {
    const dir = this.layerDir(id);
    statLayer(dir, id);
    const merged = join(dir, 'merged');
    if (await isOverlayMounted(merged)) return merged;
    let optionList = options.options && options.options.length > 0 ? [...options.options] : this.options.mountOptions.split(',');
    if (!this.usingMetacopy) optionList = optionList.filter((o) => o !== 'metacopy=on');
    const readWrite = !optionList.includes('ro');
    const chain = readLowers(homeOf(this.homes, id), id);
    if (chain.length > MAX_DEPTH) throw new DriverError('max-depth-exceeded', 'max depth exceeded', { id, depth: chain.length });
    const lowers = withRemappedDiffs(this.homes, id, chain);
    const maps = options.idMappings && !options.idMappings.isIdentity ? options.idMappings : undefined;
    // Go's MkdirAllAs/MkdirAs: the directories are chowned even when they exist.
    const owner = maps?.rootPair();
    mkdirSync(join(dir, 'diff'), { recursive: true, mode: DEFAULT_DIFF_MODE });
    mkdirSync(merged, { recursive: true, mode: 0o700 });
    if (owner) for (const made of [join(dir, 'diff'), merged]) chownSync(made, owner.uid, owner.gid);
    if (options.volatile && !optionList.includes('volatile') && (await this.volatileSupported())) optionList.push('volatile');
    // The kernel refuses a second mount of a volatile upper until this marker is gone.
    removeTree(join(dir, 'work', 'work', 'incompat', 'volatile'));
    const shift = maps !== undefined && maps.uids.length > 0 && maps.gids.length > 0 && !options.disableShifting && (await this.supportsShifting());
    const idmapped = shift ? this.idmapLowers(id, lowers, maps) : undefined;
    const request = { home: this.home, id, lowers: idmapped?.lowers ?? lowers, lowerPath: (lower: string) => lowerPath(this.homes, lower), readWrite, options: optionList };
    const { mountOverlayLayer } = await import('./overlay-mount.js'); // at first mount: most commands mount nothing
    try {
      await mountOverlayLayer(request);
    } catch (err) {
      if (lowers.length === 0 || (await this.allLowersPresent(lowers))) throw err;
      // A lost l/ link (crash, manual cleanup): Go rebuilds them from the link files and goes on.
      await recreateSymlinks(this.home);
      await mountOverlayLayer(request);
    } finally {
      // The overlay holds its own references to its lowers: the idmapped mounts can go now (Go detaches them here too).
      idmapped?.release();
    }
    return merged;
  }

  /**
   * Go's SupportsShifting: not with `_CONTAINERS_OVERLAY_DISABLE_IDMAP=yes`,
   * else whether an overlay mounts on an idmapped lower here (root only; probed
   * once and cached in the run home as `idmapped-lower-dir-true|false`, the
   * file Go reads and writes).
   */
  async supportsShifting(): Promise<boolean> {
    if (this.idmapDisabled) return false;
    this.idmappedLowers ??= process.getuid?.() === 0 && (await featureCheck(this.runHome, 'idmapped-lower-dir', () => probeIdmappedLowers(this.home)));
    return this.idmappedLowers;
  }

  /**
   * Go's get() when shifting: each directory that holds lowers (a home, for the
   * `l/` links; a layer's directory, for its `diffN`) is cloned once as a mount
   * idmapped through `maps`, on `<id>/mapped/<n>`, and the lowers are named
   * through those clones (relative to the home, as lower entries are). The
   * clones are detached by release(), once the overlay is mounted on them.
   */
  private idmapLowers(id: string, lowers: readonly string[], maps: IdMappings): { lowers: string[]; release: () => void } {
    const mappedDir = join(this.home, id, 'mapped');
    mkdirSync(mappedDir, { recursive: true, mode: 0o700 });
    const clones = new Map<string, string>();
    const release = () => {
      for (const clone of clones.values()) detachMount(clone);
    };
    const usernsFd = userNamespaceFd(maps);
    try {
      const mapped = (lowers.length > 0 ? lowers : [join(id, 'empty')]).map((lower) => {
        const absolute = lowerPath(this.homes, lower);
        const source = mappedMountSource(absolute);
        let clone = clones.get(source);
        if (clone === undefined) {
          clone = join(mappedDir, String(clones.size));
          idmappedBind(source, clone, usernsFd);
          clones.set(source, clone);
        }
        return relative(this.home, join(clone, relative(source, absolute)));
      });
      return { lowers: mapped, release };
    } catch (err) {
      release();
      throw err;
    } finally {
      closeSync(usernsFd);
    }
  }

  async unmount(id: string): Promise<void> {
    const merged = join(this.layerDir(id), 'merged');
    detachLayerMounts(this.layerDir(id));
    try {
      rmdirSync(merged);
    } catch (err) {
      if (!isErrno(err, 'ENOENT', 'EBUSY', 'ENOTEMPTY')) throw err;
    }
  }

  async isMounted(id: string): Promise<boolean> {
    return isOverlayMounted(join(this.layerDir(id), 'merged'));
  }

  layerFilesDir(id: string): string {
    return join(this.layerDir(id), 'diff');
  }

  remappedFilesDirs(id: string): string[] {
    return remappedDiffs(this.homes, id).map((dir) => lowerPath(this.homes, dir));
  }

  /**
   * Onto the diff dir with overlay whiteouts when `parent` is the layer's real
   * parent (Go's native path); otherwise through a mount of the layer, where
   * whiteouts become deletions the kernel records (Go's naive ApplyDiff).
   */
  async applyDiff(id: string, parent: string | undefined, input: Readable, options: DriverApplyOptions = {}): Promise<ApplyResult> {
    const { applyLayer } = await archiveModule();
    const common = {
      tarSplitPath: options.tarSplitPath,
      maxUncompressedSize: options.maxUncompressedSize,
      ignoreChownErrors: this.options.ignoreChownErrors,
      idMappings: options.idMappings,
    };
    if (await this.isParent(id, parent)) {
      return applyLayer(this.layerFilesDir(id), input, { ...common, whiteoutFormat: 'overlay' });
    }
    return this.withMounted(id, undefined, (root) => applyLayer(root, input, { ...common, whiteoutFormat: 'delete' }));
  }

  get stagingHome(): string {
    return join(this.home, STAGING_DIR);
  }

  stageDiff(dir: string, input: Readable, options: DriverApplyOptions = {}): Promise<ApplyResult> {
    return applyWithOverlayWhiteouts(dir, input, options, this.options.ignoreChownErrors);
  }

  /**
   * The staged files become the layer's `diff` by one rename (Go's
   * ApplyDiffFromStagingDirectory). Unless the tar set the root's attributes,
   * it takes those create() gave the empty diff (the parent's mode and owner).
   */
  async applyStaged(id: string, _parent: string | undefined, dir: string, staged: { rootEntry: boolean }): Promise<void> {
    const diff = this.layerFilesDir(id);
    if (!staged.rootEntry) {
      const st = statSync(diff);
      chownSync(dir, st.uid, st.gid);
      chmodSync(dir, st.mode & 0o7777);
    }
    rmdirSync(diff);
    renameSync(dir, diff);
  }

  async diff(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Readable> {
    const idMappings = mappings?.new;
    const { exportChanges, exportDirectory, exportOverlayUpper, changesDirs } = await archiveModule();
    if ((await this.useNativeDiff()) && (await this.isParent(id, parent))) {
      return exportOverlayUpper(this.layerFilesDir(id), await lowerDiffDirs(this.homes, id), idMappings);
    }
    // Naive: mounts stay up until the stream has been read or destroyed.
    const release: Array<() => Promise<void>> = [];
    try {
      const root = await this.acquireMount(id, undefined, release);
      let stream: Readable;
      if (!parent) {
        stream = exportDirectory(root, idMappings);
      } else {
        const parentRoot = await this.acquireMount(parent, ['ro'], release);
        stream = exportChanges(root, await changesDirs(root, parentRoot, mappings), idMappings);
      }
      return await endAfterRelease(stream, () => releaseAll(release));
    } catch (err) {
      await releaseAll(release);
      throw err;
    }
  }

  async changes(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Change[]> {
    if ((await this.useNativeDiff()) && (await this.isParent(id, parent))) {
      const { overlayChanges } = await archiveModule();
      return overlayChanges(await lowerDiffDirs(this.homes, id), this.layerFilesDir(id));
    }
    return this.naiveChanges(id, parent, mappings);
  }

  /**
   * Go's UpdateLayerIDMap: the owners are changed through a mount (the kernel copies every
   * file of the parents up into `diff`, and chownTreeByMaps links names of one inode again),
   * then `diff` becomes `diff1` (older ones move up: `diff1` → `diff2` …) below a new empty
   * `diff`, and `work` starts over (its index may name the old upper).
   */
  async updateLayerIdMap(id: string, from: IdMappings, to: IdMappings): Promise<void> {
    const { chownTreeByMaps } = await archiveModule();
    await this.withMounted(id, undefined, async (root) => chownTreeByMaps(root, from, to));
    const dir = this.layerDir(id);
    const diff = join(dir, 'diff');
    const mode = statSync(diff).mode & 0o7777;
    let top = 0;
    while (existsSync(diffWithSuffix(diff, top))) top++;
    for (let n = top; n > 0; n--) renameSync(diffWithSuffix(diff, n - 1), diffWithSuffix(diff, n));
    const root = to.rootPair();
    removeTree(join(dir, 'work'));
    mkdirOwned(join(dir, 'work'), 0o700, root);
    mkdirOwned(diff, mode, root);
  }

  async diffSize(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<number> {
    const { changesSize, directorySize } = await archiveModule();
    if ((await this.useNativeDiff()) && (await this.isParent(id, parent))) {
      return directorySize(this.layerFilesDir(id));
    }
    const changes = await this.naiveChanges(id, parent, mappings);
    return this.withMounted(id, undefined, (root) => changesSize(root, changes));
  }

  async status(): Promise<Array<[string, string]>> {
    return [
      ['Backing Filesystem', this.backingFsName],
      ['Supports d_type', 'true'],
      ['Native Overlay Diff', String(await this.useNativeDiff())],
      ['Using metacopy', String(this.usingMetacopy)],
    ];
  }

  async cleanup(): Promise<void> {
    detachMount(this.home);
  }

  /** The layer's directory: in the home, or else in the first additional image store holding it. */
  private layerDir(id: string): string {
    return join(homeOf(this.homes, id), id);
  }

  /** A fresh `l/<name>` → `../<id>/diff` link; a (vanishingly unlikely) name clash draws again. */
  private makeShortLink(id: string): string {
    for (;;) {
      const shortName = generateShortLinkId();
      try {
        symlinkSync(posix.join('..', id, 'diff'), join(this.home, LINK_DIR, shortName));
        return shortName;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
    }
  }

  /** Go's isParent: `parent` is the nearest lower of `id` (or both are absent). */
  private async isParent(id: string, parent: string | undefined): Promise<boolean> {
    const lowers = readLowers(homeOf(this.homes, id), id);
    if (!parent) return lowers.length === 0;
    if (lowers.length === 0) return false;
    const parentShort = readShortName(homeOf(this.homes, parent), parent);
    return parentShort !== undefined && lowers[0] === `${LINK_DIR}/${parentShort}`;
  }

  private async useNativeDiff(): Promise<boolean> {
    this.nativeDiff ??= await featureCheck(this.runHome, `native-diff(${this.options.mountOptions})`, () => probeNativeDiff(this.home, this.options.mountOptions));
    return this.nativeDiff;
  }

  private async volatileSupported(): Promise<boolean> {
    this.supportsVolatile ??= await featureCheck(this.runHome, 'volatile', () => probeVolatile(this.home));
    return this.supportsVolatile;
  }

  private async allLowersPresent(lowers: string[]): Promise<boolean> {
    const present = await Promise.all(lowers.map((l) => pathExists(lowerPath(this.homes, l))));
    return present.every(Boolean);
  }

  private async naiveChanges(id: string, parent: string | undefined, mappings?: TreeMappings): Promise<Change[]> {
    const { changesDirs } = await archiveModule();
    return this.withMounted(id, undefined, async (root) => {
      if (!parent) return changesDirs(root, undefined);
      return this.withMounted(parent, ['ro'], (parentRoot) => changesDirs(root, parentRoot, mappings));
    });
  }

  private async withMounted<T>(id: string, options: string[] | undefined, body: (root: string) => Promise<T>): Promise<T> {
    const release: Array<() => Promise<void>> = [];
    try {
      return await body(await this.acquireMount(id, options, release));
    } finally {
      await releaseAll(release);
    }
  }

  /** Mounts for the driver's own use; a mount someone else holds is used and left alone. */
  private async acquireMount(id: string, options: string[] | undefined, release: Array<() => Promise<void>>): Promise<string> {
    if (await this.isMounted(id)) return join(this.layerDir(id), 'merged');
    const root = await this.mount(id, { options });
    release.push(() => this.unmount(id));
    return root;
  }
}

/**
 * Passes `stream` through and runs `release` (once) before the reader sees the
 * end, or when either side fails or is destroyed: a reader that has read the
 * whole diff may act on the layer at once (another process mounting it found
 * its merged dir removed under it while the release still ran).
 */
async function endAfterRelease(stream: Readable, release: () => Promise<void>): Promise<Readable> {
  // Loaded here: only naive diffs need them, and the CLI's start-up does not.
  const { Transform } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  let released: Promise<void> | undefined;
  const releaseOnce = () => (released ??= release());
  const out = new Transform({
    transform(chunk, _encoding, callback) {
      callback(null, chunk);
    },
    flush(callback) {
      releaseOnce().then(() => callback(), callback);
    },
  });
  pipeline(stream, out).catch(() => releaseOnce().catch(() => undefined));
  return out;
}

async function releaseAll(release: Array<() => Promise<void>>): Promise<void> {
  for (const undo of release.reverse()) await undo();
  release.length = 0;
}

/**
 * Go's SupportsNativeOverlay: a `true` flag (or AUFS `.wh.` files left by a
 * mount program in a store without the flag) means fuse-overlayfs mode, which
 * Berth does not implement; otherwise the flag is written `false`.
 */
function ensureNoMountProgram(home: string): void {
  const flagFile = join(home, '.has-mount-program');
  let flag = '';
  try {
    flag = readFileSync(flagFile, 'utf8').trim();
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }
  const needsProgram = flag === 'true' || (flag !== 'false' && hasAufsWhiteouts(home));
  if (needsProgram) {
    throw new DriverError('not-supported', `overlay: the store at "${home}" is set up for a mount_program (fuse-overlayfs), which Berth does not support`, { home });
  }
  if (flag !== 'false') writeFileSync(flagFile, 'false', { mode: 0o600 });
}

function hasAufsWhiteouts(dir: string): boolean {
  // Names byte-exact: a layer's directory names need not be UTF-8.
  for (const entry of readdirEntriesSync(dir)) {
    if (entry.name.startsWith('.wh.')) return true;
    if (entry.isDirectory() && hasAufsWhiteouts(join(dir, entry.name))) return true;
  }
  return false;
}

/**
 * Go's getMappedMountRoot: the directory to clone for a lower, the home for
 * an `l/` link (its target, `../<id>/diff`, must resolve inside the clone).
 */
function mappedMountSource(lower: string): string {
  const dir = dirname(lower);
  return basename(dir) === LINK_DIR ? dirname(dir) : dir;
}

/**
 * The layer's overlay on `merged` and, as Go's Put sweeps them, any idmapped
 * lower left on `mapped/<n>` (a process killed between the two mounts).
 */
function detachLayerMounts(dir: string): void {
  let clones: string[] = [];
  try {
    clones = readdirSync(join(dir, 'mapped'));
  } catch (err) {
    if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
  }
  for (const clone of clones) detachMount(join(dir, 'mapped', clone));
  detachMount(join(dir, 'merged'));
}

/** Go's mount.MakePrivate: bind the home onto itself if it is not a mount point, then MS_PRIVATE. */
function makePrivateMount(home: string): void {
  if (!isMountPoint(home)) mountSyscall(home, home, 'none', MS_BIND, '');
  mountSyscall('', home, 'none', MS_PRIVATE, '');
}

/** mkdir; false when `dir` already exists. */
function makeDirIfAbsent(dir: string, mode: number): boolean {
  try {
    mkdirSync(dir, { mode });
    return true;
  } catch (err) {
    if (isErrno(err, 'EEXIST')) return false;
    throw err;
  }
}

function mkdirOwned(dir: string, mode: number, owner: { uid: number; gid: number }): void {
  mkdirSync(dir, { mode });
  chownIfMapped(dir, owner);
}

/** A directory root made is root's already: chown only for another owner. */
function chownIfMapped(dir: string, owner: { uid: number; gid: number }): void {
  if (owner.uid !== 0 || owner.gid !== 0) chownSync(dir, owner.uid, owner.gid);
}

/** Go's nameWithSuffix: `diff`, `diff1`, `diff2`, … */
function diffWithSuffix(diff: string, n: number): string {
  return n === 0 ? diff : `${diff}${n}`;
}

/**
 * The lowers of a mount with the `diff1`, `diff2`, … that UpdateLayerIDMap left (Go's get()):
 * the layer's own first, then each parent's after its link, as paths relative to the home.
 */
function withRemappedDiffs(homes: readonly string[], id: string, chain: readonly string[]): string[] {
  const lowers = remappedDiffs(homes, id);
  for (const lower of chain) {
    lowers.push(lower);
    let target: string;
    try {
      target = readlinkSync(lowerPath(homes, lower));
    } catch {
      continue; // a lost link: the mount fails and recreateSymlinks runs, as before
    }
    lowers.push(...remappedDiffs(homes, basename(dirname(target))));
  }
  return lowers;
}

function remappedDiffs(homes: readonly string[], id: string): string[] {
  const found: string[] = [];
  for (let n = 1; existsSync(lowerPath(homes, `${id}/diff${n}`)); n++) found.push(`${id}/diff${n}`);
  return found;
}
