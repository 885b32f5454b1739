// removeTree: fs.rmSync(recursive, force) in one native call; removeFile: fs.rmSync(force) on a file.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isErrno, removeFile, removeTree } from '../../src/util/index.js';

describe('removeTree', () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-remove-tree-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('removes a tree of files, directories (one without permissions) and symlinks, never what a symlink points to', () => {
    const outside = join(base, 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'keep'), 'kept');
    const tree = join(base, 'tree');
    mkdirSync(join(tree, 'a', 'b', 'c'), { recursive: true });
    writeFileSync(join(tree, 'a', 'b', 'c', 'file'), 'x');
    writeFileSync(join(tree, 'top'), 'y');
    symlinkSync(outside, join(tree, 'a', 'link-to-dir'));
    symlinkSync(join(outside, 'keep'), join(tree, 'link-to-file'));
    symlinkSync('/nonexistent', join(tree, 'dangling'));
    mkdirSync(join(tree, 'work', 'work'), { recursive: true });
    chmodSync(join(tree, 'work', 'work'), 0);
    removeTree(tree);
    assert.equal(existsSync(tree), false);
    assert.deepEqual(readdirSync(outside), ['keep']);
  });

  it('removes a file, takes a trailing slash, and is no error where nothing is', () => {
    const file = join(base, 'file');
    writeFileSync(file, 'x');
    removeTree(file);
    assert.equal(existsSync(file), false);
    const dir = join(base, 'slash');
    mkdirSync(join(dir, 'in'), { recursive: true });
    removeTree(`${dir}/`);
    assert.equal(existsSync(dir), false);
    removeTree(join(base, 'never-was'));
    removeTree(join(base, 'never-was', 'below'));
  });

  it('fails on a mount inside with EBUSY and the path that could not go, leaving the mount', () => {
    const tree = join(base, 'mounted');
    const mountPoint = join(tree, 'sub', 'mnt');
    mkdirSync(mountPoint, { recursive: true });
    writeFileSync(join(tree, 'other'), 'x');
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mountPoint]);
    try {
      assert.throws(() => removeTree(tree), (err: unknown) => isErrno(err, 'EBUSY') && (err as { path?: string }).path === mountPoint);
      assert.equal(existsSync(mountPoint), true);
    } finally {
      execFileSync('umount', [mountPoint]);
    }
    removeTree(tree);
    assert.equal(existsSync(tree), false);
  });
});

describe('removeFile', () => {
  const base = mkdtempSync(join(tmpdir(), 'berth-remove-file-'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('removes a file and a symlink (not what it points to), is no error where nothing is, and refuses a directory', () => {
    const file = join(base, 'file');
    writeFileSync(file, 'x');
    const link = join(base, 'link');
    symlinkSync(file, link);
    removeFile(link);
    assert.equal(existsSync(link), false);
    assert.equal(existsSync(file), true);
    removeFile(file);
    assert.equal(existsSync(file), false);
    removeFile(file);
    const dir = join(base, 'dir');
    mkdirSync(join(dir, 'inside'), { recursive: true });
    assert.throws(() => removeFile(dir), (err: unknown) => isErrno(err, 'EISDIR'));
    assert.equal(existsSync(join(dir, 'inside')), true);
  });
});
