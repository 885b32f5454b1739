// The tree check's layerContents test expects: the entries of a layer chain's
// tars applied in memory the way src/archive's applier writes them to disk —
// names resolved through the symlinks the layer holds (chroot semantics),
// implied parent directories, a name replacing what is in the way, hard links
// sharing one inode, whiteouts and opaque directories — then the layers
// stacked as the driver stacks them.

import { cleanComponents, TarEntryType, walkDirectory, type TarHeader } from '../archive/index.js';

export interface Expected {
  kind: 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  linkname: string;
  digest?: string;
}

/** One entry of a layer's tar, with the sha256 of a regular file's content. */
export interface LayerEntry {
  header: TarHeader;
  digest?: string;
}

/**
 * How the driver stacks layers. `overlay`: each layer's tar was applied to its own directory
 * (names resolve against that layer alone; whiteouts are devices the mount hides), and the
 * mount merges the directories. `vfs`: each layer's tar was applied to a copy of its parent
 * (names resolve against everything below; whiteouts delete).
 */
export type Stacking = 'overlay' | 'vfs';

const WHITEOUT_PREFIX = '.wh.';
const WHITEOUT_META_PREFIX = '.wh..wh.';
const WHITEOUT_OPAQUE = '.wh..wh..opq';
/** The applier's MkdirAll mode for parents a tar does not list (Go's ImpliedDirectoryMode). */
const IMPLIED_DIRECTORY: Omit<Expected, 'kind'> = { mode: 0o755, uid: 0, gid: 0, size: 0, mtime: 0, linkname: '' };

/** The tree a chain's tars describe, keyed by path below the root (`etc/passwd`). */
export class ExpectedTree {
  readonly entries = new Map<string, Expected>();

  /** Applies one layer's entries, in tar order, on top of what is there. */
  applyLayer(entries: LayerEntry[], stacking: Stacking): void {
    if (stacking === 'vfs') {
      new LayerApplier(this.entries, 'delete').apply(entries);
      return;
    }
    const layer = new LayerApplier(new Map(), 'overlay');
    layer.apply(entries);
    this.mergeUpper(layer);
  }

  /** overlayfs: the upper layer's names hide what is below them, its directories merge. */
  private mergeUpper(layer: LayerApplier): void {
    for (const path of layer.whiteouts) removeSubtree(this.entries, path, true);
    for (const [path, node] of layer.tree) if (node.kind !== 'dir') removeSubtree(this.entries, path, true);
    for (const path of layer.opaque) if (path === '' || layer.tree.get(path)?.kind === 'dir') removeSubtree(this.entries, path, false);
    for (const [path, node] of layer.tree) this.entries.set(path, node);
  }
}

/** Where an entry goes, or why the applier wrote nothing for it. */
type Resolution = { parent: string } | { failed: true };

/** One layer's entries applied to `tree` as src/archive's LayerWriter applies them. */
class LayerApplier {
  /** Paths this layer whited out (overlay: devices the mount hides). */
  readonly whiteouts = new Set<string>();
  /** Directories this layer marked opaque (overlay). */
  readonly opaque = new Set<string>();
  /** Paths this layer wrote (delete format: an opaque directory keeps these). */
  private readonly written = new Set<string>();

  constructor(readonly tree: Map<string, Expected>, private readonly format: 'overlay' | 'delete') {}

  apply(entries: LayerEntry[]): void {
    for (const entry of entries) this.entry(entry);
  }

  private entry({ header, digest }: LayerEntry): void {
    const name = header.name;
    if (name.replace(/^(\.?\/)+/, '').startsWith(WHITEOUT_META_PREFIX)) return;
    const components = cleanComponents(name);
    const base = components.pop();
    if (base === undefined) return; // the root: its own metadata is not compared
    const resolved = this.resolveDirectory(components, true);
    if ('failed' in resolved) return; // the applier wrote nothing (or refused the layer)
    const path = join(resolved.parent, base);
    if (base.startsWith(WHITEOUT_PREFIX)) {
      this.whiteout(resolved.parent, base);
      return;
    }
    const existing = this.tree.get(path);
    if (existing && !(existing.kind === 'dir' && header.type === TarEntryType.Directory)) {
      removeSubtree(this.tree, path, true);
      this.whiteouts.delete(path);
    }
    if (header.type === TarEntryType.HardLink) {
      this.hardLink(path, header);
      return;
    }
    const kind = kindOf(header.type);
    if (!kind) return;
    const node: Expected = {
      kind, mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, size: kind === 'file' ? header.size : 0,
      mtime: Math.floor(header.mtime), linkname: kind === 'symlink' ? header.linkname : '', digest,
    };
    // A directory over a directory keeps its children and takes the entry's metadata.
    if (existing?.kind === 'dir' && kind === 'dir') Object.assign(existing, node);
    else this.tree.set(path, node);
    this.written.add(path);
  }

  private whiteout(parent: string, base: string): void {
    if (base === WHITEOUT_OPAQUE) {
      if (this.format === 'overlay') this.opaque.add(parent);
      else this.removeNotWritten(parent);
      return;
    }
    if (base.startsWith(WHITEOUT_META_PREFIX)) return;
    const hidden = join(parent, base.slice(WHITEOUT_PREFIX.length));
    removeSubtree(this.tree, hidden, true);
    this.written.delete(hidden);
    if (this.format === 'overlay') this.whiteouts.add(hidden);
  }

  /** The link shares its target's inode, whose owner, mode and times the link's header sets (not a symlink's). */
  private hardLink(path: string, header: TarHeader): void {
    const components = cleanComponents(header.linkname);
    const base = components.pop();
    if (base === undefined) return;
    const resolved = this.resolveDirectory(components, false);
    if ('failed' in resolved) return;
    const target = this.tree.get(join(resolved.parent, base));
    if (!target) return;
    if (target.kind !== 'symlink') {
      Object.assign(target, { mode: header.mode & 0o7777, uid: header.uid, gid: header.gid, mtime: Math.floor(header.mtime) });
    }
    this.tree.set(path, target);
    this.written.add(path);
  }

  /** Delete format: what this layer did not write goes from under `dir` (recursively into what it did). */
  private removeNotWritten(dir: string): void {
    const prefix = dir === '' ? '' : `${dir}/`;
    for (const path of [...this.tree.keys()]) {
      if (!path.startsWith(prefix) || path === dir) continue;
      // Kept only when it and every directory between `dir` and it were written by this layer.
      let keep = this.written.has(path);
      for (let at = path.indexOf('/', prefix.length); keep && at !== -1; at = path.indexOf('/', at + 1)) keep = this.written.has(path.slice(0, at));
      if (!keep) this.tree.delete(path);
    }
  }

  /**
   * The applier's walk on the modelled tree: symlinks in parent components followed inside the
   * root, a missing component of the name made an implied directory (when `create`), a symlink
   * to nothing a failure.
   */
  private resolveDirectory(components: string[], create: boolean): Resolution {
    try {
      return {
        parent: walkDirectory(components, '', create, {
          kindAt: (path) => {
            const node = this.tree.get(path);
            if (node === undefined) return 'missing';
            if (node.kind === 'symlink') return { link: node.linkname };
            return node.kind === 'dir' ? 'dir' : 'other';
          },
          makeDirectory: (path) => this.tree.set(path, { kind: 'dir', ...IMPLIED_DIRECTORY }),
        }),
      };
    } catch {
      return { failed: true };
    }
  }
}

function join(parent: string, base: string): string {
  return parent === '' ? base : `${parent}/${base}`;
}

function kindOf(type: TarEntryType): Expected['kind'] | undefined {
  switch (type) {
    case TarEntryType.File: case TarEntryType.OldFile: case TarEntryType.Contiguous: case TarEntryType.GnuSparse: return 'file';
    case TarEntryType.Directory: return 'dir';
    case TarEntryType.Symlink: return 'symlink';
    case TarEntryType.CharDevice: return 'char';
    case TarEntryType.BlockDevice: return 'block';
    case TarEntryType.Fifo: return 'fifo';
    default: return undefined;
  }
}

/** Removes `path`'s descendants, and `path` itself when `includingSelf`. */
function removeSubtree(tree: Map<string, Expected>, path: string, includingSelf: boolean): void {
  const node = tree.get(path);
  if (includingSelf) tree.delete(path);
  // Only a directory (or the root) has descendants: every path's parents are in the tree.
  if (path !== '' && node?.kind !== 'dir') return;
  const prefix = path === '' ? '' : `${path}/`;
  for (const key of tree.keys()) if (key.startsWith(prefix) && key !== path) tree.delete(key);
}
