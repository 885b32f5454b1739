// The tar header codec and the streaming TarReader: USTAR fields, PAX records
// for what USTAR cannot say, binary xattr values, base-256 numbers, and raw
// byte accounting (every byte is either raw or content, in order).

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ArchiveError, encodePaxRecords, encodeTarHeader, parseHeaderBlock, parsePaxRecords, TarEntryType, TarReader, type TarHeader,
} from '../../src/archive/index.js';
import { runToolOk } from '../helpers/run-tool.js';
import { TarBuilder } from '../helpers/tar-builder.js';

/** Parses a whole archive; checks that raw + content bytes add up to the input. */
function readTar(tar: Buffer, chunkSize = 1000): { headers: TarHeader[]; contents: Buffer[]; trailing: number } {
  const headers: TarHeader[] = [];
  const contents: Buffer[] = [];
  let current: Buffer[] = [];
  let accounted = 0;
  let trailing = 0;
  const reader = new TarReader({
    entry(header, raw) {
      headers.push(header);
      accounted += raw.reduce((n, b) => n + b.length, 0);
      current = [];
    },
    data(chunk) {
      accounted += chunk.length;
      current.push(Buffer.from(chunk));
    },
    entryEnd() { contents.push(Buffer.concat(current)); },
    end(raw, rest) {
      accounted += raw.reduce((n, b) => n + b.length, 0);
      trailing = rest.reduce((n, b) => n + b.length, 0);
      accounted += trailing;
    },
  });
  for (let at = 0; at < tar.length; at += chunkSize) reader.write(tar.subarray(at, at + chunkSize));
  reader.end();
  assert.equal(accounted, tar.length, 'every byte is reported once');
  return { headers, contents, trailing };
}

describe('encodeTarHeader', () => {
  it('writes one USTAR block with Go-formatted octal fields when everything fits', () => {
    const block = encodeTarHeader({ name: 'etc/passwd', type: TarEntryType.File, mode: 0o644, uid: 1, gid: 2, size: 5, mtime: 1700000000, uname: 'u' });
    assert.equal(block.length, 512);
    assert.equal(block.toString('latin1', 100, 108), '0000644\0');
    assert.equal(block.toString('latin1', 124, 136), '00000000005\0');
    assert.equal(block.toString('latin1', 257, 265), 'ustar\u000000');
    const parsed = parseHeaderBlock(block, 0);
    assert.deepEqual([parsed.name, parsed.mode, parsed.uid, parsed.gid, parsed.size, parsed.mtime, parsed.uname], ['etc/passwd', 0o644, 1, 2, 5, 1700000000, 'u']);
  });

  it('splits a long name into USTAR prefix and name instead of using PAX when it can', () => {
    const name = 'a'.repeat(120) + '/' + 'b'.repeat(90);
    const block = encodeTarHeader({ name, type: TarEntryType.File });
    assert.equal(block.length, 512);
    assert.equal(parseHeaderBlock(block, 0).name, name);
  });

  it('uses PAX records for long names, long link names, big ids and sizes, and binary xattrs', () => {
    const name = 'n'.repeat(300);
    const linkname = 'l'.repeat(150);
    const xattr = Buffer.from([0, 0x80, 0xff, 0x0a, 0x3d]);
    const encoded = Buffer.concat([
      encodeTarHeader({ name, linkname, type: TarEntryType.Symlink, uid: 3_000_000, xattrs: new Map([['user.x', xattr]]) }),
      encodeTarHeader({ name: 'huge', type: TarEntryType.File, size: 10 * 2 ** 30 }),
    ]);
    const reader = new TarReader({ entry: (h) => seen.push(h), data() {}, entryEnd() {}, end() {} });
    const seen: TarHeader[] = [];
    reader.write(encoded);
    assert.equal(seen[0]?.name, name);
    assert.equal(seen[0]?.linkname, linkname);
    assert.equal(seen[0]?.uid, 3_000_000);
    assert.deepEqual(seen[0]?.xattrs.get('user.x'), xattr);
    assert.equal(seen[1]?.size, 10 * 2 ** 30);
  });

  it('names its PAX header PaxHeaders.0/<base> as Go does', () => {
    const block = encodeTarHeader({ name: 'dir/' + 'f'.repeat(120), type: TarEntryType.File, mode: 0o644 });
    assert.equal(block.toString('latin1', 0, 100).replace(/\0+$/, ''), 'dir/PaxHeaders.0/' + 'f'.repeat(83));
    assert.equal(String.fromCharCode(block[156] as number), 'x');
  });
});

describe('PAX records', () => {
  it('counts the length field itself, also across a digit boundary', () => {
    for (let size = 80; size < 120; size++) {
      const records = new Map([['k', Buffer.alloc(size, 0x61)]]);
      const encoded = encodePaxRecords(records);
      assert.equal(Number(encoded.toString('latin1').split(' ')[0]), encoded.length);
      assert.deepEqual(parsePaxRecords(encoded).get('k'), records.get('k'));
    }
  });

  it('refuses a malformed record', () => {
    assert.throws(() => parsePaxRecords(Buffer.from('99 path=x\n')), ArchiveError);
  });
});

describe('TarReader', () => {
  let work: string;
  before(() => { work = mkdtempSync('/tmp/berth-codec-'); });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('reads what GNU tar writes in PAX and GNU formats, names and contents', async () => {
    const src = join(work, 'src');
    mkdirSync(join(src, 'dir'), { recursive: true });
    writeFileSync(join(src, 'dir', 'file'), 'hello\n');
    writeFileSync(join(src, 'l'.repeat(180)), 'long\n');
    for (const format of ['pax', 'gnu', 'ustar']) {
      if (format === 'ustar') rmSync(join(src, 'l'.repeat(180)));
      const file = join(work, `${format}.tar`);
      await runToolOk('tar', [`--format=${format}`, '-C', src, '-cf', file, '.']);
      const listed = (await runToolOk('tar', ['-tf', file])).stdout.toString().trim().split('\n');
      const { headers, contents } = readTar((await import('node:fs')).readFileSync(file), 333);
      assert.deepEqual(headers.map((h) => h.name), listed, format);
      const index = headers.findIndex((h) => h.name === './dir/file');
      assert.equal(contents[index]?.toString(), 'hello\n');
    }
  });

  it('reports every byte once: headers, padding and end marker as raw, contents as data', () => {
    const tar = new TarBuilder({ trailingBytes: 4096 }).file('a', 'x'.repeat(700)).dir('d').file('d/b', { size: 513 }).toBuffer();
    for (const chunkSize of [1, 511, 512, 513, 100_000]) {
      const { headers, contents, trailing } = readTar(tar, chunkSize);
      assert.deepEqual(headers.map((h) => h.name), ['a', 'd/', 'd/b']);
      assert.deepEqual(contents.map((c) => c.length), [700, 0, 513]);
      assert.equal(trailing, 4096);
    }
  });

  it('gives each header only its own xattrs, headers without any an empty map that refuses additions', () => {
    const tar = new TarBuilder().file('a', 'a', { xattrs: { 'user.a': '1' } }).file('b', 'b').file('c', 'c', { xattrs: { 'user.c': '3' } }).file('d', 'd').toBuffer();
    const { headers } = readTar(tar);
    assert.deepEqual(headers.map((h) => [...h.xattrs.keys()]), [['user.a'], [], ['user.c'], []]);
    assert.throws(() => (headers[1] as TarHeader).xattrs.set('user.b', Buffer.from('2')));
    assert.equal((headers[3] as TarHeader).xattrs.size, 0);
  });

  it('reads base-256 numeric fields', () => {
    const block = encodeTarHeader({ name: 'f', type: TarEntryType.File, uid: 5 });
    block.fill(0, 108, 116);
    block[108] = 0x80;
    block.writeUInt32BE(123_456_789, 112);
    block.fill(0x20, 148, 156);
    let sum = 0;
    for (const byte of block) sum += byte;
    block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    assert.equal(parseHeaderBlock(block, 0).uid, 123_456_789);
  });

  it('accepts the unsigned and the signed checksum (bytes >= 128 as negative chars), nothing else', () => {
    // UTF-8 straight in the name field (the encoder would move a non-ASCII name to PAX).
    const block = encodeTarHeader({ name: 'x', type: TarEntryType.File, mode: 0o755 });
    block.write('caf\u00e9-\u00fc', 0, 'utf8');
    const withChecksum = (sum: number): Buffer => {
      const copy = Buffer.from(block);
      copy.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
      return copy;
    };
    let unsigned = 0;
    let signed = 0;
    for (let i = 0; i < 512; i++) {
      const byte = i >= 148 && i < 156 ? 0x20 : (block[i] as number);
      unsigned += byte;
      signed += byte < 128 ? byte : byte - 256;
    }
    assert.notEqual(signed, unsigned);
    assert.equal(parseHeaderBlock(withChecksum(unsigned), 0).name, 'caf\u00e9-\u00fc');
    assert.equal(parseHeaderBlock(withChecksum(signed), 0).name, 'caf\u00e9-\u00fc');
    for (const wrong of [unsigned + 1, signed - 1, unsigned - 256]) {
      assert.throws(() => parseHeaderBlock(withChecksum(wrong), 0), (err) => err instanceof ArchiveError && err.code === 'bad-tar');
    }
  });

  it('refuses a truncated archive and a bad checksum with bad-tar', () => {
    const tar = new TarBuilder().file('a', 'abc').toBuffer();
    const reader = new TarReader({ entry() {}, data() {}, entryEnd() {}, end() {} });
    reader.write(tar.subarray(0, 600));
    assert.throws(() => reader.end(), (err) => err instanceof ArchiveError && err.code === 'bad-tar');
    const bad = Buffer.from(tar);
    bad[0] = 0x42;
    const reader2 = new TarReader({ entry() {}, data() {}, entryEnd() {}, end() {} });
    assert.throws(() => reader2.write(bad), (err) => err instanceof ArchiveError && err.code === 'bad-tar');
  });
});
