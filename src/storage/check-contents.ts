// check's layerContents test (CheckEverything): the mounted tree of a layer
// must equal the union of the tar headers of its chain — type, permissions,
// owner, size, modification time of non-directories and file contents.
// Layer tars come back from their tar-split files and are applied in memory
// as the applier wrote them (check-tree.ts); names are compared as bytes.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp, type Stats } from 'node:fs';
import { join } from 'node:path';
import { TarEntryType, TarReader, tarSplitReplay, type TarHeader } from '../archive/index.js';
import { fsPath, isErrno, readdirNames, readlinkName } from '../util/index.js';
import { ExpectedTree, type Expected, type LayerEntry, type Stacking } from './check-tree.js';
import { StorageError } from './errors.js';
import type { StoreParts } from './store-parts.js';
import type { Layer } from './types.js';

export interface ContentRules {
  /** ignore_chown_errors=true: owners may legitimately differ. */
  ignoreOwners: boolean;
  /** force_mask set: permissions were forced. */
  ignorePermissions: boolean;
  /** pull option use_hard_links=true: files may be shared with other layers, times too. */
  ignoreTimes: boolean;
}

/** Problems found in `layer` (empty when it matches); the caller holds the layers write lock. */
export async function compareLayerContents(parts: StoreParts, layer: Layer, rules: ContentRules): Promise<StorageError[]> {
  const chain = layerChain(parts, layer);
  if (!chain) return [];
  const expected = new ExpectedTree();
  const stacking: Stacking = parts.driver.name === 'overlay' ? 'overlay' : 'vfs';
  for (const member of chain) {
    try {
      expected.applyLayer(await layerEntries(parts, member), stacking);
    } catch (err) {
      // The replay itself checks each file's size and CRC-64 against the tar-split.
      return [new StorageError('layer-content-modified', `layer ${layer.id}: replaying layer ${member.id}: ${(err as Error).message}`, { id: layer.id }, { cause: err })];
    }
  }
  const wasMounted = layer.mountCount > 0 && layer.mountPoint;
  const root = wasMounted ? (layer.mountPoint as string) : await parts.driver.mount(layer.id, { options: ['ro'] });
  try {
    return await compareTree(root, expected.entries, rules, layer.id);
  } finally {
    if (!wasMounted) await parts.driver.unmount(layer.id);
  }
}

/** Base first; undefined when some member has no recorded diff (nothing to compare against). */
function layerChain(parts: StoreParts, layer: Layer): Layer[] | undefined {
  const chain: Layer[] = [];
  for (let current: Layer | undefined = layer; current; current = current.parent ? parts.layers().index.get(current.parent) : undefined) {
    if (!current.uncompressedDigest) return undefined;
    chain.unshift(current);
  }
  return chain;
}

/** One layer's tar entries (from its tar-split), with the sha256 of each regular file's content. */
async function layerEntries(parts: StoreParts, layer: Layer): Promise<LayerEntry[]> {
  const entries: LayerEntry[] = [];
  let current: { header: TarHeader; hash?: ReturnType<typeof createHash> } | undefined;
  const reader = new TarReader({
    entry(header) {
      const isFile = header.type === TarEntryType.File || header.type === TarEntryType.OldFile || header.type === TarEntryType.Contiguous;
      current = { header, hash: isFile ? createHash('sha256') : undefined };
    },
    data(chunk) {
      current?.hash?.update(chunk);
    },
    entryEnd() {
      if (current) entries.push({ header: current.header, digest: current.hash?.digest('hex') });
      current = undefined;
    },
    end() {},
  });
  const layers = parts.layers();
  for await (const chunk of tarSplitReplay(layers.tarSplitPath(layer.id), parts.driver.layerFilesDir(layer.id), parts.driver.remappedFilesDirs(layer.id))) reader.write(chunk as Buffer);
  reader.end();
  return entries;
}

/**
 * Every departure from the expected tree, one problem per path in Go's check
 * notation: `+/path` is there but in no layer, `-/path` is missing,
 * `/path(mode:0600￫0644,…)` differs (expected ￫ found); directories end in `/`.
 */
async function compareTree(root: string, expected: Map<string, Expected>, rules: ContentRules, id: string): Promise<StorageError[]> {
  const problems: StorageError[] = [];
  const modified = (path: string, what: string): void => {
    problems.push(new StorageError('layer-content-modified', `layer ${id}: ${what}`, { id, path }, { separator: ', ' }));
  };
  const seen = new Set<string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdirNames(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      let st: Stats;
      try {
        st = await fsp.lstat(fsPath(join(root, path)));
      } catch (err) {
        // overlayfs lists a whiteout of a directory with one lower layer, and looks it up as absent.
        if (isErrno(err, 'ENOENT')) continue;
        throw err;
      }
      seen.add(path);
      const want = expected.get(path);
      const shown = st.isDirectory() ? `/${path}/` : `/${path}`;
      if (!want) modified(path, `+${shown}`);
      else {
        const differences = await compareEntry(join(root, path), st, want, rules);
        if (differences.length) modified(path, `${shown}(${differences.join(',')})`);
      }
      if (st.isDirectory()) await walk(path);
    }
  };
  await walk('');
  for (const [path, want] of expected) if (!seen.has(path)) modified(path, `-/${path}${want.kind === 'dir' ? '/' : ''}`);
  return problems;
}

/** What differs between the entry found and the one expected, as `attribute:expected￫found`. */
async function compareEntry(file: string, st: Stats, want: Expected, rules: ContentRules): Promise<string[]> {
  const kind: Expected['kind'] | 'socket' = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'symlink'
    : st.isCharacterDevice() ? 'char' : st.isBlockDevice() ? 'block' : st.isFIFO() ? 'fifo' : 'socket';
  if (kind !== want.kind) return [`filetype:${want.kind}￫${kind}`];
  const differences: string[] = [];
  const octal = (mode: number): string => mode.toString(8).padStart(4, '0');
  if (!rules.ignoreOwners && st.uid !== want.uid) differences.push(`uid:${want.uid}￫${st.uid}`);
  if (!rules.ignoreOwners && st.gid !== want.gid) differences.push(`gid:${want.gid}￫${st.gid}`);
  if (kind === 'file' && st.size !== want.size) differences.push(`size:${want.size}￫${st.size}`);
  if (!rules.ignorePermissions && kind !== 'symlink' && (st.mode & 0o7777) !== want.mode) differences.push(`mode:${octal(want.mode)}￫${octal(st.mode & 0o7777)}`);
  const mtime = Math.floor(st.mtimeMs / 1000);
  if (!rules.ignoreTimes && kind !== 'dir' && kind !== 'symlink' && mtime !== want.mtime) differences.push(`mtime:0x${want.mtime.toString(16)}￫0x${mtime.toString(16)}`);
  // Beyond Go's attributes: a symlink's target and a file's bytes.
  if (kind === 'symlink' && (await readlinkName(file)) !== want.linkname) differences.push('target');
  if (kind === 'file' && st.size === want.size && want.digest && (await fileDigest(file)) !== want.digest) differences.push('content');
  return differences;
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(fsPath(file))) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
