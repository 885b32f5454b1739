// Changes between two directory trees (a layer and its parent, both complete),
// as Go's archive.ChangesDirs reports them: the vfs driver and overlay's naive path.

import { lstatSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { BigIntStats } from 'node:fs';
import { fsPath, readdirNamesSync } from '../util/index.js';
import { IdMappings } from '../idmap/index.js';
import { ChangeKind, type Change } from './types.js';
import { readCarriedXattrs } from './changes-xattrs.js';
import { compareBytewise, sameFsTime, statIfExists, WalkPacer } from './changes-fs.js';

/**
 * Every path added, deleted or modified in `newDir` relative to `oldDir`
 * (none: everything is added), sorted by path bytewise. Modified = mode, owner,
 * device number, `security.capability` or `user.*` xattrs differ, or — for
 * non-directories — size or mtime (Go's sub-second tolerance); a directory with
 * a changed entry inside is listed as modified too. Entries that are the same
 * inode on the same device in both trees are skipped unread, as Go prunes them.
 */
export async function changesDirs(newDir: string, oldDir: string | undefined, mappings: TreeMappings = NO_MAPPINGS): Promise<Change[]> {
  const oldRoot = newRootNode();
  const newRoot = newRootNode();
  const pacer = new WalkPacer();
  if (oldDir === undefined) {
    await collect(newDir, newRoot, '/', pacer);
  } else {
    const trees = { old: { dir: oldDir, root: oldRoot }, new: { dir: newDir, root: newRoot } };
    await collectPair(trees, '/', lstatSync(fsPath(oldDir), { bigint: true }), lstatSync(fsPath(newDir), { bigint: true }), pacer);
  }
  const changes: Change[] = [];
  addChanges(newRoot, oldRoot, changes, mappings);
  return changes.sort((a, b) => compareBytewise(a.path, b.path));
}

interface FileNode {
  name: string;
  parent: FileNode | undefined;
  /** Undefined only for the roots, whose own metadata is never compared. */
  stat: BigIntStats | undefined;
  xattrs: Map<string, Buffer>;
  children: Map<string, FileNode>;
  /** Listed already as added or modified (Go's `added`). */
  listed: boolean;
}

interface Tree {
  dir: string;
  root: FileNode;
}

interface TreePair {
  old: Tree;
  new: Tree;
}

function newRootNode(): FileNode {
  return { name: '/', parent: undefined, stat: undefined, xattrs: new Map(), children: new Map(), listed: false };
}

/** Each tree's ID mappings: owners are compared as container IDs (a layer and its parent may differ). */
export interface TreeMappings {
  new: IdMappings;
  old: IdMappings;
}

const NO_MAPPINGS: TreeMappings = { new: new IdMappings(), old: new IdMappings() };

/** Go's statDifferent: the new owner as the container's if its map has it, and then the old one too. */
function ownerChanged(a: BigIntStats, b: BigIntStats, mappings: TreeMappings): boolean {
  let oldOwner = { uid: Number(a.uid), gid: Number(a.gid) };
  let newOwner = { uid: Number(b.uid), gid: Number(b.gid) };
  if (mappings !== NO_MAPPINGS) {
    try {
      newOwner = mappings.new.toContainer(newOwner);
      try {
        oldOwner = mappings.old.toContainer(oldOwner);
      } catch {
        // Go keeps the raw old owner when its map lacks it.
      }
    } catch {
      // …and compares both raw when the new map lacks the new owner.
    }
  }
  return oldOwner.uid !== newOwner.uid || oldOwner.gid !== newOwner.gid;
}

/** One tree alone (no parent layer): every entry is registered. */
async function collect(dir: string, node: FileNode, rel: string, pacer: WalkPacer): Promise<void> {
  for (const name of readdirNamesSync(join(dir, rel))) {
    const childRel = posix.join(rel, name);
    const st = lstatSync(fsPath(join(dir, childRel)), { bigint: true });
    const child = registerNode(node, name, st, join(dir, childRel));
    await pacer.tick();
    if (st.isDirectory()) await collect(dir, child, childRel, pacer);
  }
}

/**
 * Both trees in step (Go's walker): names present in either side are registered
 * on the side that has them; a name that is the same inode on the same device
 * on both sides is the same file and is skipped with its subtree.
 */
async function collectPair(trees: TreePair, rel: string, oldStat: BigIntStats | null, newStat: BigIntStats | null, pacer: WalkPacer): Promise<void> {
  const { old: oldTree, new: newTree } = trees;
  const oldIsDir = oldStat?.isDirectory() ?? false;
  const newIsDir = newStat?.isDirectory() ?? false;
  if (!oldIsDir && !newIsDir) return;
  const oldNames = oldIsDir ? readdirNamesSync(join(oldTree.dir, rel)) : [];
  const newNames = newIsDir ? readdirNamesSync(join(newTree.dir, rel)) : [];
  const names = [...new Set([...oldNames, ...newNames])].sort(compareBytewise);
  const oldNode = lookUp(oldTree.root, rel);
  const newNode = lookUp(newTree.root, rel);
  for (const name of names) {
    const childRel = posix.join(rel, name);
    const oldChild = oldIsDir ? statIfExists(join(oldTree.dir, childRel), false) : null;
    const newChild = newIsDir ? statIfExists(join(newTree.dir, childRel), false) : null;
    if (oldChild !== null && newChild !== null && oldChild.ino === newChild.ino && oldChild.dev === newChild.dev) continue;
    if (oldChild !== null && oldNode !== undefined) registerNode(oldNode, name, oldChild, join(oldTree.dir, childRel));
    if (newChild !== null && newNode !== undefined) registerNode(newNode, name, newChild, join(newTree.dir, childRel));
    await pacer.tick();
    await collectPair(trees, childRel, oldChild, newChild, pacer);
  }
}

function registerNode(parent: FileNode, name: string, st: BigIntStats, file: string): FileNode {
  const node: FileNode = { name, parent, stat: st, xattrs: readCarriedXattrs(file, false), children: new Map(), listed: false };
  parent.children.set(name, node);
  return node;
}

function lookUp(root: FileNode, rel: string): FileNode | undefined {
  let node: FileNode | undefined = root;
  for (const part of rel.split('/')) {
    if (part === '' || node === undefined) continue;
    node = node.children.get(part);
  }
  return node;
}

function nodePath(node: FileNode): string {
  const parts: string[] = [];
  for (let n: FileNode | undefined = node; n?.parent !== undefined; n = n.parent) parts.unshift(n.name);
  return '/' + parts.join('/');
}

const S_IFDIR = 0o040000n;

/**
 * Go's FileInfo.isDir tests the S_IFDIR *bit*, so block devices and sockets
 * count as directories there too; kept, because it decides which entries get
 * their size and mtime compared.
 */
function isDirLike(node: FileNode): boolean {
  return node.stat === undefined || (node.stat.mode & S_IFDIR) !== 0n;
}

/** Go's FileInfo.addChanges: `newNode` against `oldNode` (undefined: added). */
function addChanges(newNode: FileNode, oldNode: FileNode | undefined, changes: Change[], mappings: TreeMappings): void {
  const sizeAtEntry = changes.length;
  if (oldNode === undefined) {
    changes.push({ path: nodePath(newNode), kind: ChangeKind.Add });
    newNode.listed = true;
  }
  // Only a directory inherits the old children; a non-directory replacing a
  // directory hides its old subtree without listing each deletion.
  const oldChildren = new Map(oldNode !== undefined && isDirLike(newNode) ? oldNode.children : []);
  for (const [name, newChild] of newNode.children) {
    const oldChild = oldChildren.get(name);
    if (oldChild !== undefined) {
      if (statDifferent(oldChild.stat!, newChild.stat!, mappings) || !sameXattrs(oldChild.xattrs, newChild.xattrs)) {
        changes.push({ path: nodePath(newChild), kind: ChangeKind.Modify });
        newChild.listed = true;
      }
      oldChildren.delete(name);
    }
    addChanges(newChild, oldChild, changes, mappings);
  }
  for (const oldChild of oldChildren.values()) changes.push({ path: nodePath(oldChild), kind: ChangeKind.Delete });
  if (changes.length > sizeAtEntry && isDirLike(newNode) && !newNode.listed && newNode.parent !== undefined) {
    changes.splice(sizeAtEntry, 0, { path: nodePath(newNode), kind: ChangeKind.Modify });
  }
}

function statDifferent(a: BigIntStats, b: BigIntStats, mappings: TreeMappings): boolean {
  if (a.mode !== b.mode || a.rdev !== b.rdev || ownerChanged(a, b, mappings)) return true;
  // Directory sizes and mtimes say nothing about the directory itself.
  if ((a.mode & S_IFDIR) !== 0n) return false;
  return !sameFsTime(a.mtimeNs, b.mtimeNs) || a.size !== b.size;
}

function sameXattrs(a: Map<string, Buffer>, b: Map<string, Buffer>): boolean {
  if (a.size !== b.size) return false;
  for (const [name, value] of a) {
    const other = b.get(name);
    if (other === undefined || !other.equals(value)) return false;
  }
  return true;
}
