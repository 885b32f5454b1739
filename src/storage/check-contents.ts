// check's layerContents test (CheckEverything): the mounted tree of a layer
// must equal the union of the tar headers of its chain — type, permissions,
// owner, size, modification time of non-directories and file contents.
// Layer tars come back from their tar-split files; whiteouts and opaque
// directories remove what lower layers added, as the kernel or vfs did.

import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { TarEntryType, TarReader, tarSplitReplay, type TarHeader } from '../archive/index.js';
import { StorageError } from './errors.js';
import type { StoreParts } from './store-parts.js';
import type { Layer } from './types.js';

interface Expected {
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  digest?: string;
}

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
  const expected = new Map<string, Expected>();
  for (const member of chain) {
    try {
      await applyLayerHeaders(parts, member, expected);
    } catch (err) {
      // The replay itself checks each file's size and CRC-64 against the tar-split.
      return [new StorageError('layer-content-modified', `layer ${layer.id}: replaying layer ${member.id}: ${(err as Error).message}`, { id: layer.id }, { cause: err })];
    }
  }
  const wasMounted = layer.mountCount > 0 && layer.mountPoint;
  const root = wasMounted ? (layer.mountPoint as string) : await parts.driver.mount(layer.id, { options: ['ro'] });
  try {
    return await compareTree(root, expected, rules, layer.id);
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

/** Reads one layer's tar (from its tar-split) and applies it onto `tree`. */
async function applyLayerHeaders(parts: StoreParts, layer: Layer, tree: Map<string, Expected>): Promise<void> {
  const entries: Array<{ path: string; header: TarHeader; digest?: string }> = [];
  let current: { path: string; header: TarHeader; hash?: ReturnType<typeof createHash> } | undefined;
  const reader = new TarReader({
    entry(header) {
      const path = normalize(header.name);
      const isFile = header.type === TarEntryType.File || header.type === TarEntryType.OldFile || header.type === TarEntryType.Contiguous;
      current = { path, header, hash: isFile ? createHash('sha256') : undefined };
    },
    data(chunk) {
      current?.hash?.update(chunk);
    },
    entryEnd() {
      if (current) entries.push({ path: current.path, header: current.header, digest: current.hash?.digest('hex') });
      current = undefined;
    },
    end() {},
  });
  const layers = parts.layers();
  for await (const chunk of tarSplitReplay(layers.tarSplitPath(layer.id), parts.driver.layerFilesDir(layer.id))) reader.write(chunk as Buffer);
  reader.end();

  // Opaque directories hide what lower layers put in them; whiteouts remove a path.
  for (const { path } of entries) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    if (base === '.wh..wh..opq') removeSubtree(tree, dir, false);
    else if (base.startsWith('.wh.')) removeSubtree(tree, dir ? `${dir}/${base.slice(4)}` : base.slice(4), true);
  }
  for (const { path, header, digest } of entries) {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (path === '' || base.startsWith('.wh.')) continue;
    if (header.type === TarEntryType.HardLink) {
      const target = tree.get(normalize(header.linkname));
      if (target) tree.set(path, { ...target });
      continue;
    }
    const kind = kindOf(header.type);
    if (!kind) continue;
    tree.set(path, {
      kind, mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, size: kind === 'file' ? header.size : 0,
      mtime: Math.floor(header.mtime), linkname: header.linkname, digest,
    });
  }
}

function kindOf(type: TarEntryType): Expected['kind'] | undefined {
  switch (type) {
    case TarEntryType.File: case TarEntryType.OldFile: case TarEntryType.Contiguous: return 'file';
    case TarEntryType.Directory: return 'dir';
    case TarEntryType.Symlink: return 'symlink';
    case TarEntryType.CharDevice: return 'char';
    case TarEntryType.BlockDevice: return 'block';
    case TarEntryType.Fifo: return 'fifo';
    default: return undefined;
  }
}

function removeSubtree(tree: Map<string, Expected>, path: string, includingSelf: boolean): void {
  const prefix = path === '' ? '' : `${path}/`;
  for (const key of [...tree.keys()]) {
    if ((includingSelf && key === path) || (key.startsWith(prefix) && key !== path)) tree.delete(key);
  }
}

/** `./a/b/` → `a/b`. */
function normalize(name: string): string {
  return name.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
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
    for (const name of await fsp.readdir(join(root, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      seen.add(path);
      const st = await fsp.lstat(join(root, path));
      const want = expected.get(path);
      const shown = st.isDirectory() ? `/${path}/` : `/${path}`;
      if (!want) {
        // Parent directories a layer did not list are made by the applier: tolerated.
        if (!st.isDirectory() || ![...expected.keys()].some((k) => k.startsWith(`${path}/`))) modified(path, `+${shown}`);
      } else {
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
async function compareEntry(file: string, st: import('node:fs').Stats, want: Expected, rules: ContentRules): Promise<string[]> {
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
  if (kind === 'symlink' && (await fsp.readlink(file)) !== want.linkname) differences.push('target');
  if (kind === 'file' && st.size === want.size && want.digest && (await fileDigest(file)) !== want.digest) differences.push('content');
  return differences;
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
