// The xattr addon's createFiles on writer batches as the main thread encodes
// them: which entries one call writes, where it stops and leaves the rest to the
// JS writer, and that a stop changes nothing on disk.

import assert from 'node:assert/strict';
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { WriterBatchEncoder, type WriterBatch } from '../../src/archive/apply-worker-protocol.js';
import { xattrAddon } from '../../src/archive/native.js';
import { NO_XATTRS, TarEntryType, type TarHeader } from '../../src/archive/tar/header.js';
import { decodeFileName } from '../../src/util/index.js';

let work: string;
before(() => { work = mkdtempSync('/tmp/berth-create-files-'); });
after(() => rmSync(work, { recursive: true, force: true }));

interface Entry {
  name: string;
  content?: string | Buffer[];
  header?: Partial<TarHeader>;
}

function batchOf(entries: Entry[]): WriterBatch {
  const encoder = new WriterBatchEncoder();
  for (const { name, content = '', header } of entries) {
    const pieces = typeof content === 'string' ? [Buffer.from(content)] : content;
    const size = pieces.reduce((sum, p) => sum + p.length, 0);
    encoder.entry({
      type: TarEntryType.File, name, linkname: '', mode: 0o640, uid: 0, gid: 0, size, mtime: 1600000000, devmajor: 0, devminor: 0,
      uname: '', gname: '', xattrs: NO_XATTRS, ...header,
    });
    for (const piece of pieces) if (piece.length) encoder.data(piece);
    encoder.entryEnd();
  }
  return encoder.take();
}

let dirs = 0;
/** createFiles on a fresh directory from the batch's first entry; the count, the cursor after, the directory's names. */
function create(batch: WriterBatch, prefix: string, options: { maxSize?: number; capacity?: number; prepare?: (dir: string) => void } = {}) {
  const dir = join(work, `d${dirs++}`);
  mkdirSync(dir);
  options.prepare?.(dir);
  const fd = xattrAddon.openDirectory(dir);
  const cursor = new Float64Array([0, 0]);
  const hadContent = new Uint8Array(options.capacity ?? 64);
  const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
  try {
    const count = xattrAddon.createFiles(fd, batch.numbers, batch.strings, bytes, cursor, prefix, options.maxSize ?? 1 << 20, false, hadContent);
    return { count, cursor: [...cursor], dir, names: readdirSync(dir).sort(), hadContent: [...hadContent.subarray(0, count)] };
  } finally {
    xattrAddon.closeDirectory(fd);
  }
}

describe('createFiles', () => {
  it('writes every plain file of the prefix with content, mode, owner and times, and moves the cursor to the end', () => {
    const batch = batchOf([
      { name: './usr/lib/a', content: 'alpha', header: { mode: 0o4755, uid: 1234, gid: 56, mtime: 1600000000.5 } },
      { name: './usr/lib/b', content: '' },
      { name: './usr/lib/c', content: [Buffer.from('in '), Buffer.from('three '), Buffer.from('pieces')], header: { atime: 1700000000 } },
    ]);
    const { count, cursor, dir, names, hadContent } = create(batch, './usr/lib/');
    assert.equal(count, 3);
    assert.deepEqual(cursor, [batch.numbers.length, batch.strings.length]);
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.deepEqual(hadContent, [1, 0, 1]);
    const a = lstatSync(join(dir, 'a'));
    assert.deepEqual([a.mode & 0o7777, a.uid, a.gid, a.mtimeMs], [0o4755, 1234, 56, 1600000000500]);
    // Times before reading, which moves atime.
    assert.equal(lstatSync(join(dir, 'c')).atimeMs, 1700000000000);
    assert.equal(lstatSync(join(dir, 'b')).atimeMs, 1600000000000);
    assert.equal(readFileSync(join(dir, 'c'), 'utf8'), 'in three pieces');
  });

  it('gives each file the owner and mode asked for where the directory or the umask would not: a set-group-id directory, bits the umask masks', () => {
    const batch = batchOf([
      { name: 'd/root-group', content: 'x', header: { mode: 0o644, gid: 0 } },
      { name: 'd/group-writable', content: 'y', header: { mode: 0o666, gid: 56 } },
    ]);
    const mask = process.umask(0o022);
    try {
      const { count, dir } = create(batch, 'd/', {
        prepare: (made) => {
          chownSync(made, 0, 56);
          chmodSync(made, 0o2775);
        },
      });
      assert.equal(count, 2);
      const rootGroup = lstatSync(join(dir, 'root-group'));
      assert.deepEqual([rootGroup.mode & 0o7777, rootGroup.uid, rootGroup.gid], [0o644, 0, 0]);
      const groupWritable = lstatSync(join(dir, 'group-writable'));
      assert.deepEqual([groupWritable.mode & 0o7777, groupWritable.uid, groupWritable.gid], [0o666, 0, 56]);
    } finally {
      process.umask(mask);
    }
  });

  // createFiles learns from the first files of a run what a new file of the directory gets (owner,
  // bits kept) and fstats only files asking for bits not seen yet: every file must still end as asked.
  const modes = [0o644, 0o644, 0o755, 0o666, 0o664, 0o600, 0o777, 0o640, 0o2755, 0o644, 0o1777, 0o444];
  const run = (gids: number[]): Entry[] => modes.map((mode, i) => ({ name: `d/f${i}`, content: `${i}`, header: { mode, gid: gids[i % gids.length], uid: i % 5 === 4 ? 7 : 0 } }));
  const assertAsked = (dir: string, entries: Entry[]) => {
    for (const { name, header } of entries) {
      const st = lstatSync(join(dir, name.slice(2)));
      assert.deepEqual([st.mode & 0o7777, st.uid, st.gid], [header!.mode, header!.uid, header!.gid], name);
    }
  };

  it('gives every file of a run its mode and owner under a umask, in a set-group-id directory', () => {
    for (const gids of [[0], [56], [0, 56, 56]]) {
      const entries = run(gids);
      const mask = process.umask(0o027);
      try {
        const { count, dir } = create(batchOf(entries), 'd/', {
          prepare: (made) => {
            chownSync(made, 0, 56);
            chmodSync(made, 0o2775);
          },
        });
        assert.equal(count, entries.length);
        assertAsked(dir, entries);
      } finally {
        process.umask(mask);
      }
    }
  });

  it('gives every file of a run its mode and owner in a directory whose default ACL masks bits', () => {
    // A default ACL user::rwx group::r-x other::--- (Linux's xattr form: version 2, then tag,
    // permissions and id per entry): new files keep only those bits of the ones asked for.
    const entry = (tag: number, perm: number) => [tag, perm, 0xffffffff];
    const acl = Buffer.alloc(4 + 3 * 8);
    acl.writeUInt32LE(2, 0);
    [entry(0x01, 7), entry(0x04, 5), entry(0x20, 0)].forEach(([tag, perm, id], i) => {
      acl.writeUInt16LE(tag!, 4 + 8 * i);
      acl.writeUInt16LE(perm!, 6 + 8 * i);
      acl.writeUInt32LE(id!, 8 + 8 * i);
    });
    const entries = run([0]);
    const { count, dir } = create(batchOf(entries), 'd/', { prepare: (made) => xattrAddon.lsetxattr(made, 'system.posix_acl_default', acl) });
    assert.equal(count, entries.length);
    assertAsked(dir, entries);
  });

  const stoppers: Array<[string, Entry]> = [
    ['a file of another directory', { name: 'other/x' }],
    ['a file below the prefix', { name: 'd/sub/x' }],
    ['a whiteout', { name: 'd/.wh.x' }],
    ['a name with a trailing slash', { name: 'd/x/' }],
    ['a dot-dot name', { name: 'd/..' }],
    ['a name that is not UTF-8', { name: decodeFileName(Buffer.from('d/caf\xe9', 'latin1')) }],
    ['a name with a NUL', { name: 'd/a\u0000b' }],
    ['a directory', { name: 'd/x', header: { type: TarEntryType.Directory } }],
    ['a symlink', { name: 'd/x', header: { type: TarEntryType.Symlink, linkname: 'y' } }],
    ['a file with xattrs', { name: 'd/x', header: { xattrs: new Map([['user.a', Buffer.from('b')]]) } }],
    ['a file larger than maxSize', { name: 'd/x', content: 'x'.repeat(101) }],
  ];
  for (const [what, stopper] of stoppers) {
    it(`stops at ${what}, leaving it and what follows`, () => {
      const batch = batchOf([{ name: 'd/first', content: '1' }, stopper, { name: 'd/after', content: '2' }]);
      const { count, cursor, names } = create(batch, 'd/', { maxSize: 100 });
      assert.equal(count, 1);
      // The second entry: after the first's 13 numbers, one data range (3) and its end (1).
      assert.deepEqual(cursor, [17, 2]);
      assert.deepEqual(names, ['first']);
    });
  }

  it('stops, changing nothing, at a name something is in the way of (EEXIST)', () => {
    const batch = batchOf([{ name: 'd/a', content: 'new a' }, { name: 'd/b', content: 'new b' }, { name: 'd/c' }]);
    const { count, dir, names } = create(batch, 'd/', { prepare: (d) => writeFileSync(join(d, 'b'), 'old b') });
    assert.equal(count, 1);
    assert.deepEqual(names, ['a', 'b']);
    assert.equal(readFileSync(join(dir, 'b'), 'utf8'), 'old b');
  });

  it('stops at a file whose content goes on in the next batch', () => {
    const encoder = new WriterBatchEncoder();
    const header: TarHeader = {
      type: TarEntryType.File, name: 'd/a', linkname: '', mode: 0o644, uid: 0, gid: 0, size: 3, mtime: 0, devmajor: 0, devminor: 0,
      uname: '', gname: '', xattrs: NO_XATTRS,
    };
    encoder.entry(header);
    encoder.data(Buffer.from('abc'));
    encoder.entryEnd();
    encoder.entry({ ...header, name: 'd/b' });
    encoder.data(Buffer.from('de'));
    const { count, names } = create(encoder.take(), 'd/');
    assert.equal(count, 1);
    assert.deepEqual(names, ['a']);
  });

  it('refuses a cursor outside the batch', () => {
    const batch = batchOf([{ name: 'a' }]);
    const bytes = Buffer.from(batch.bytes.buffer, batch.bytes.byteOffset, batch.bytes.byteLength);
    for (const cursor of [[-1, 0], [0, -2], [batch.numbers.length + 1, 0], [0, batch.strings.length + 1], [NaN, 0]]) {
      assert.throws(() => xattrAddon.createFiles(0, batch.numbers, batch.strings, bytes, new Float64Array(cursor), '', 1 << 20, false, new Uint8Array(4)),
        TypeError, `cursor ${cursor}`);
    }
  });

  it('writes no more files than hadContent has room for', () => {
    const batch = batchOf(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, content: String(i) })));
    const { count, cursor, names } = create(batch, '', { capacity: 4 });
    assert.equal(count, 4);
    assert.equal(cursor[1], 8);
    assert.deepEqual(names, ['f0', 'f1', 'f2', 'f3']);
  });
});
