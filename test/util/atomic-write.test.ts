// rewriteFileAtomicSync: the replaced inode is recycled as the next temp file,
// and nothing a reader could still see is ever written in place.
// writeNewFileAtomic: a complete file appears under a free name, never over a taken one.

import assert from 'node:assert/strict';
import { closeSync, linkSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { rewriteFileAtomicSync, writeFileAtomicSync, writeNewFileAtomic } from '../../src/util/index.js';

describe('rewriteFileAtomicSync', () => {
  let dir: string;
  let file: string;
  const spare = () => path.join(dir, '.tmp-records.json-spare');
  const previous = () => path.join(dir, '.tmp-records.json-previous');
  const write = (text: string) => rewriteFileAtomicSync(file, Buffer.from(text), { mode: 0o600 });

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-rewrite-'));
    file = path.join(dir, 'records.json');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('writes the content with the mode, and a shorter rewrite leaves no tail', () => {
    write('a long first version');
    write('short');
    assert.equal(readFileSync(file, 'utf8'), 'short');
    assert.equal(statSync(file).mode & 0o7777, 0o600);
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp-records.json-spare', 'records.json']);
  });

  test('from the third write on, two inodes take turns: no new inode per write', () => {
    write('one');
    write('two');
    const inodes = new Set([statSync(file).ino, statSync(spare()).ino]);
    for (const text of ['three', 'four', 'five']) {
      write(text);
      assert.ok(inodes.has(statSync(file).ino), 'the live file is one of the two');
      assert.ok(inodes.has(statSync(spare()).ino), 'the spare is the other');
      assert.equal(readFileSync(file, 'utf8'), text);
    }
  });

  test('a reader holding the live inode open keeps its bytes across the next write', () => {
    write('version one');
    const fd = openSync(file, 'r');
    try {
      write('version two');
      const seen = Buffer.alloc(64);
      assert.equal(seen.subarray(0, readSync(fd, seen, 0, 64, 0)).toString(), 'version one');
    } finally {
      closeSync(fd);
    }
  });

  test('a spare that still shares the live inode (a crash before the rename) is replaced, not written', () => {
    write('live');
    rmSync(spare(), { force: true });
    linkSync(file, spare());
    linkSync(file, previous());
    write('next');
    assert.equal(readFileSync(file, 'utf8'), 'next');
    assert.equal(statSync(file).nlink, 1, 'the stale side names are gone');
    assert.deepEqual(readdirSync(dir).sort(), ['.tmp-records.json-spare', 'records.json']);
    assert.equal(readFileSync(spare(), 'utf8'), 'live', 'the old inode became the spare with its bytes intact');
  });

  test('a symlink at the spare\'s name is replaced, not followed', () => {
    const outside = path.join(dir, 'outside');
    writeFileSync(outside, 'untouched');
    symlinkSync(outside, spare());
    write('content');
    assert.equal(readFileSync(outside, 'utf8'), 'untouched');
    assert.equal(readFileSync(file, 'utf8'), 'content');
  });
});

describe('writeFileAtomicSync', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-atomic-sync-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('replaces the file with a new inode of the content and mode, and leaves no temp file', () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, 'old, longer content');
    const before = statSync(file).ino;
    writeFileAtomicSync(file, '{"status":"running"}', { noSync: true });
    writeFileAtomicSync(path.join(dir, 'conf'), Buffer.from('[berth]\n'), { mode: 0o644 });
    assert.equal(readFileSync(file, 'utf8'), '{"status":"running"}');
    assert.notEqual(statSync(file).ino, before);
    assert.equal(statSync(file).mode & 0o7777, 0o600);
    assert.equal(statSync(path.join(dir, 'conf')).mode & 0o7777, 0o644);
    assert.deepEqual(readdirSync(dir).sort(), ['conf', 'state.json']);
  });

  test('a rename that fails leaves the target as it was and no temp file', () => {
    // A file cannot replace a directory: the rename fails after the temp file is complete.
    const busy = path.join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'inside'), 'kept');
    assert.throws(() => writeFileAtomicSync(busy, 'new'), (err: unknown) => (err as NodeJS.ErrnoException).code === 'EISDIR');
    assert.deepEqual(readdirSync(dir), ['busy']);
    assert.equal(readFileSync(path.join(busy, 'inside'), 'utf8'), 'kept');
  });
});

describe('writeNewFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'berth-new-file-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('creates the file with its mode and leaves no temp file', async () => {
    const file = path.join(dir, 'signature-1');
    assert.equal(await writeNewFileAtomic(file, Buffer.from('one'), { mode: 0o644 }), true);
    assert.equal(readFileSync(file, 'utf8'), 'one');
    assert.equal(statSync(file).mode & 0o7777, 0o644);
    assert.deepEqual(readdirSync(dir), ['signature-1']);
  });

  test('refuses a taken name, keeps what is there, and leaves no temp file', async () => {
    const file = path.join(dir, 'signature-1');
    writeFileSync(file, 'first');
    assert.equal(await writeNewFileAtomic(file, Buffer.from('second')), false);
    assert.equal(readFileSync(file, 'utf8'), 'first');
    assert.deepEqual(readdirSync(dir), ['signature-1']);
  });
});
