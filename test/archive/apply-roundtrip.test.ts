// applyLayer writes every entry type with its metadata, records what the Go
// library records, and tarSplitReplay rebuilds the input tar byte for byte.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, closeSync, ftruncateSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { applyLayer, ArchiveError, Compression, tarSplitReplay, type ApplyResult, type WhiteoutFormat } from '../../src/archive/index.js';
import { xattrAddon } from '../../src/archive/native.js';
import { decodeFileName, isErrno } from '../../src/util/index.js';
import { gzipSync } from 'node:zlib';
import { readAll } from '../helpers/streams.js';
import { runToolOk } from '../helpers/run-tool.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { BIG_UID, BINARY_XATTR, everyTypeTar, LONG_DIR } from './layer-tars.js';
import { CAP_NET_BIND_SERVICE } from '../helpers/tar-builder.js';

let work: string;
before(() => { work = mkdtempSync('/tmp/berth-roundtrip-'); });
after(() => rmSync(work, { recursive: true, force: true }));

let count = 0;
async function apply(tar: Buffer, whiteoutFormat: WhiteoutFormat, prepare?: (dir: string) => void): Promise<{ dir: string; tarSplit: string; result: ApplyResult }> {
  const dir = join(work, `layer${count}`);
  const tarSplit = join(work, `layer${count++}.tar-split.gz`);
  mkdirSync(dir);
  prepare?.(dir);
  // Small chunks: headers and contents split across chunk boundaries.
  const chunks: Buffer[] = [];
  for (let at = 0; at < tar.length; at += 7777) chunks.push(tar.subarray(at, at + 7777));
  const result = await applyLayer(dir, Readable.from(chunks), { whiteoutFormat, tarSplitPath: tarSplit });
  return { dir, tarSplit, result };
}

const sha256 = (data: Buffer): string => 'sha256:' + createHash('sha256').update(data).digest('hex');

describe('applyLayer and tarSplitReplay round trip', () => {
  for (const prefixDotSlash of [false, true]) {
    for (const whiteoutFormat of ['overlay', 'delete'] as const) {
      it(`rebuilds the same tar from tar-split (${whiteoutFormat}, ${prefixDotSlash ? './names' : 'bare names'})`, async () => {
        const tar = everyTypeTar({ prefixDotSlash }).toBuffer();
        const { dir, tarSplit, result } = await apply(tar, whiteoutFormat);
        assert.equal(result.uncompressedDigest, sha256(tar));
        assert.equal(result.uncompressedSize, tar.length);
        assert.equal(result.compression, Compression.None);
        const rebuilt = await readAll(tarSplitReplay(tarSplit, dir));
        assert.equal(rebuilt.length, tar.length);
        assert.equal(sha256(rebuilt), sha256(tar));
      });
    }
  }

  it('rebuilds tars with no trailing padding, a single end block, and long trailing garbage', async () => {
    for (const options of [{ trailingBytes: 0 }, { trailingBytes: 3 * (1 << 20) + 5 }]) {
      const tar = new TarBuilder(options).file('a', 'a').dir('d').toBuffer();
      const { dir, tarSplit } = await apply(tar, 'delete');
      assert.equal(sha256(await readAll(tarSplitReplay(tarSplit, dir))), sha256(tar));
    }
    const oneBlock = new TarBuilder({ omitEndMarker: true }).file('a', 'a').raw(Buffer.alloc(512)).toBuffer();
    const { dir, tarSplit } = await apply(oneBlock, 'delete');
    assert.equal(sha256(await readAll(tarSplitReplay(tarSplit, dir))), sha256(oneBlock));
  });

  it('refuses a tar that names one path twice, as Go does (tar-split could not rebuild it)', async () => {
    for (const tar of [new TarBuilder().file('a', '1').file('./a', '2'), new TarBuilder().dir('d').dir('d/')]) {
      await assert.rejects(apply(tar.toBuffer(), 'delete'), (err) => err instanceof ArchiveError && err.code === 'bad-tar');
    }
  });

  it('replay never reads outside the layer, whatever names the tar-split holds', async () => {
    const { dir } = await apply(new TarBuilder().file('inside', 'x').toBuffer(), 'delete');
    const forged = join(work, 'forged.tar-split.gz');
    const lines = [`{"type":1,"name":"../../../../etc/passwd","size":5,"payload":null,"position":0}`, ''];
    writeFileSync(forged, gzipSync(lines.join('\n')));
    await assert.rejects(readAll(tarSplitReplay(forged, dir)), (err) => isErrno(err, 'ENOENT'));
  });

  it('replay fails with digest-mismatch when a file changed after apply', async () => {
    const tar = new TarBuilder().file('f', 'original').toBuffer();
    const { dir, tarSplit } = await apply(tar, 'delete');
    writeFileSync(join(dir, 'f'), 'changed!');
    await assert.rejects(readAll(tarSplitReplay(tarSplit, dir)), (err) => err instanceof ArchiveError && err.code === 'digest-mismatch');
  });

  it('replay fails with digest-mismatch when a file became shorter, among many files read in batches', async () => {
    const builder = new TarBuilder();
    for (let i = 0; i < 400; i++) builder.file(`f${i}`, 'x'.repeat(5000 + i));
    const { dir, tarSplit } = await apply(builder.toBuffer(), 'delete');
    writeFileSync(join(dir, 'f321'), 'short');
    await assert.rejects(readAll(tarSplitReplay(tarSplit, dir)), (err) => err instanceof ArchiveError && err.code === 'digest-mismatch' && err.message.includes('"f321"'));
  });

  it('replay does not follow a file that was replaced by a symlink to outside the layer', async () => {
    const { dir, tarSplit } = await apply(new TarBuilder().file('f', 'inside').toBuffer(), 'delete');
    rmSync(join(dir, 'f'));
    symlinkSync('/etc/hostname', join(dir, 'f'));
    await assert.rejects(readAll(tarSplitReplay(tarSplit, dir)), (err) => isErrno(err, 'ELOOP'));
  });
});

describe('applyLayer and the tar\'s root entry, as the Go CLI applies it', () => {
  // Checked with containers-storage 1.43 applydiff and stat: overlay (archive.Unpack) skips an
  // entry that cleans to `.`, vfs (UnpackLayer) applies a directory entry's mode to the root.
  for (const [whiteoutFormat, mode] of [['overlay', 0o555], ['delete', 0o750]] as const) {
    it(`leaves the root ${mode.toString(8)} after a ./ entry of mode 750 (${whiteoutFormat})`, async () => {
      const tar = new TarBuilder({ prefixDotSlash: true }).dir('', { mode: 0o750 }).file('a', 'x').toBuffer();
      const { dir } = await apply(tar, whiteoutFormat, (d) => chmodSync(d, 0o555));
      assert.equal(lstatSync(dir).mode & 0o7777, mode);
    });
  }

  it('skips any entry naming the root in overlay format, as Go does', async () => {
    const tar = new TarBuilder().symlink('./', '/elsewhere').file('a', 'x').toBuffer();
    const { dir } = await apply(tar, 'overlay');
    assert.ok(lstatSync(dir).isDirectory());
    await assert.rejects(apply(tar, 'delete'), (err: unknown) => err instanceof ArchiveError && err.code === 'path-escape');
  });
});

describe('applyLayer keeps file names as bytes', () => {
  it('writes Latin-1 names and names that differ only in such bytes, and replays them', async () => {
    const latin1 = (s: string): string => decodeFileName(Buffer.from(s, 'latin1'));
    const tar = new TarBuilder().dir(latin1('d\xe9')).file(latin1('d\xe9/caf\xe9.txt'), 'x').file(latin1('a\xe9'), '1').file(latin1('a\xe8'), '2')
      .symlink(latin1('l\xe9'), latin1('a\xe9')).hardlink(latin1('h\xe9'), latin1('a\xe8')).toBuffer();
    const { dir, tarSplit } = await apply(tar, 'delete');
    const names = readdirSync(dir, { encoding: 'buffer' }).map((n) => n.toString('latin1')).sort();
    assert.deepEqual(names, ['a\xe8', 'a\xe9', 'd\xe9', 'h\xe9', 'l\xe9']);
    assert.equal(readFileSync(Buffer.from(`${dir}/d\xe9/caf\xe9.txt`, 'latin1'), 'utf8'), 'x');
    assert.equal(readlinkSync(Buffer.from(`${dir}/l\xe9`, 'latin1'), { encoding: 'buffer' }).toString('latin1'), 'a\xe9');
    assert.equal(sha256(await readAll(tarSplitReplay(tarSplit, dir))), sha256(tar));
  });
});

describe('applyLayer writes entries with their metadata', () => {
  let dir: string;
  let result: ApplyResult;
  before(async () => {
    ({ dir, result } = await apply(everyTypeTar().toBuffer(), 'overlay'));
  });

  it('records sorted uid and gid sets without whiteout owners', () => {
    assert.deepEqual(result.uidSet, [0, 1, 2, 5, BIG_UID]);
    assert.deepEqual(result.gidSet, [0, 1, 2, 3, 6, 42, 1000]);
  });

  it('sets mode bits including set-id bits, owners from numeric ids, and file mtimes', () => {
    const ping = lstatSync(join(dir, 'usr/bin/ping'));
    assert.equal(ping.mode & 0o7777, 0o4755);
    const tool = lstatSync(join(dir, 'usr/bin/tool'));
    assert.equal(tool.mode & 0o7777, 0o2755);
    assert.equal(tool.uid, BIG_UID);
    assert.equal(tool.gid, 1000);
    assert.equal(lstatSync(join(dir, 'etc/passwd')).mtimeMs, 1600000001000);
    assert.equal(lstatSync(join(dir, 'etc/shadow')).gid, 42);
  });

  it('sets directory mtimes after their contents were written', () => {
    assert.equal(lstatSync(join(dir, 'etc')).mtimeMs, 1600000000000);
  });

  it('writes xattrs byte for byte, including security.capability', () => {
    assert.deepEqual(xattrAddon.lgetxattr(join(dir, 'usr/bin/ping'), 'security.capability'), CAP_NET_BIND_SERVICE);
    assert.deepEqual(xattrAddon.lgetxattr(join(dir, 'usr/bin/bin-xattr'), 'user.bin'), BINARY_XATTR);
    assert.deepEqual(xattrAddon.lgetxattr(join(dir, 'usr/bin/bin-xattr'), 'trusted.t'), Buffer.from('tv'));
  });

  it('makes symlinks with their owners, hard links sharing an inode, devices and fifos', () => {
    const rel = lstatSync(join(dir, 'usr/bin/rel'));
    assert.ok(rel.isSymbolicLink());
    assert.equal(rel.uid, 5);
    assert.equal(lstatSync(join(dir, 'usr/bin/passwd-hard')).ino, lstatSync(join(dir, 'etc/passwd')).ino);
    const nul = lstatSync(join(dir, 'dev/null'));
    assert.ok(nul.isCharacterDevice());
    assert.equal(nul.rdev, (1 << 8) | 3);
    assert.ok(lstatSync(join(dir, 'dev/loop9')).isBlockDevice());
    assert.ok(lstatSync(join(dir, 'dev/fifo')).isFIFO());
  });

  it('handles PAX and GNU long names and long link names', () => {
    assert.equal(readFileSync(join(dir, LONG_DIR, `long-pax-name-${'x'.repeat(120)}`), 'utf8'), 'pax long name\n');
    assert.equal(readFileSync(join(dir, LONG_DIR, `long-gnu-name-${'y'.repeat(120)}`), 'utf8'), 'gnu long name\n');
    assert.equal(readFileSync(join(dir, 'ünïcödé/ファイル'), 'utf8'), 'utf-8 names\n');
  });

  it('turns whiteouts into 0:0 character devices owned like the entry, and opaque markers into the xattr (overlay)', () => {
    const whiteout = lstatSync(join(dir, 'var/cache'));
    assert.ok(whiteout.isCharacterDevice());
    assert.equal(whiteout.rdev, 0);
    assert.equal(whiteout.uid, 777);
    assert.equal(whiteout.mode & 0o7777, 0);
    assert.deepEqual(xattrAddon.lgetxattr(join(dir, 'opaque-dir'), 'trusted.overlay.opaque'), Buffer.from('y'));
    assert.equal(readFileSync(join(dir, 'opaque-dir/new'), 'utf8'), 'new\n');
    assert.deepEqual(readdirSync(join(dir, 'var')), ['cache']);
  });
});

describe('applyLayer gives new files the owner and mode of their entry', () => {
  it('where a set-group-id directory or the umask would have given them another group or fewer bits', async () => {
    const tar = new TarBuilder()
      .dir('shared', { mode: 0o2775, gid: 42 })
      .file('shared/root-group', 'x', { mode: 0o644 })
      .file('shared/world-writable', 'x', { mode: 0o666 })
      .file('shared/no-bits', '', { mode: 0 })
      .toBuffer();
    const { dir } = await apply(tar, 'delete');
    assert.equal(lstatSync(join(dir, 'shared')).gid, 42);
    const rootGroup = lstatSync(join(dir, 'shared/root-group'));
    assert.deepEqual([rootGroup.uid, rootGroup.gid, rootGroup.mode & 0o7777], [0, 0, 0o644]);
    assert.equal(lstatSync(join(dir, 'shared/world-writable')).mode & 0o7777, 0o666);
    assert.equal(lstatSync(join(dir, 'shared/no-bits')).mode & 0o7777, 0);
  });

  it('with its content when that arrives in many small reads (gathered into writer batches of 512 KiB)', async () => {
    // Collected whole (under 1 MiB) across two batches: the first batch's buffer is reused meanwhile.
    const content = Buffer.alloc(900_000, 'abcdefghij');
    const tar = new TarBuilder().file('small', 'x').file('spread', content).file('after', 'y').toBuffer();
    const dir = join(work, `layer${count++}`);
    mkdirSync(dir);
    // One chunk per turn of the event loop: the stream cannot merge them into bigger reads.
    async function* slowly(): AsyncGenerator<Buffer> {
      for (let at = 0; at < tar.length; at += 4096) {
        yield tar.subarray(at, at + 4096);
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    await applyLayer(dir, Readable.from(slowly()), { whiteoutFormat: 'delete' });
    assert.ok(readFileSync(join(dir, 'spread')).equals(content));
    assert.equal(readFileSync(join(dir, 'after'), 'utf8'), 'y');
  });

  it('with the xattrs of its header when its content spans many input chunks', async () => {
    const value = Buffer.from('value set after the last chunk');
    // Reads of the input stream merge the small chunks up to its 1 MiB buffer: 3 MiB are 3+ reads.
    const tar = new TarBuilder().file('spans', { size: 3 << 20 }, { xattrs: { 'user.spans': value } }).toBuffer();
    const { dir } = await apply(tar, 'delete');
    assert.deepEqual(xattrAddon.lgetxattr(join(dir, 'spans'), 'user.spans'), value);
  });
});

describe('applyLayer whiteouts in delete format (vfs on a copy of the parent)', () => {
  it('removes whited-out paths and, for opaque dirs, the children this layer did not write', async () => {
    const tar = new TarBuilder()
      .whiteout('gone')
      .whiteout('dir/gone-too')
      .dir('opaque')
      .file('opaque/fresh', 'fresh')
      .opaque('opaque')
      .toBuffer();
    const { dir } = await apply(tar, 'delete', (d) => {
      mkdirSync(join(d, 'gone/sub'), { recursive: true });
      mkdirSync(join(d, 'dir'));
      writeFileSync(join(d, 'dir/gone-too'), 'x');
      writeFileSync(join(d, 'dir/stays'), 'x');
      mkdirSync(join(d, 'opaque/old'), { recursive: true });
      writeFileSync(join(d, 'opaque/old-file'), 'x');
    });
    assert.deepEqual(readdirSync(dir).sort(), ['dir', 'opaque']);
    assert.deepEqual(readdirSync(join(dir, 'dir')), ['stays']);
    assert.deepEqual(readdirSync(join(dir, 'opaque')), ['fresh']);
  });

  it('writes into a directory made again after a whiteout removed it, not into the removed one', async () => {
    // d/before is empty: a whiteout of content the layer wrote is refused (its tar-split could not replay).
    const tar = new TarBuilder().dir('d').file('d/before', '').whiteout('d').file('d/after', 'y').toBuffer();
    const { dir } = await apply(tar, 'delete');
    assert.deepEqual(readdirSync(join(dir, 'd')), ['after']);
    assert.equal(readFileSync(join(dir, 'd/after'), 'utf8'), 'y');
  });

  it('replaces a file with a directory and a directory with a file', async () => {
    const tar = new TarBuilder().dir('was-file').file('was-dir', 'now a file').toBuffer();
    const { dir } = await apply(tar, 'delete', (d) => {
      writeFileSync(join(d, 'was-file'), 'x');
      mkdirSync(join(d, 'was-dir/sub'), { recursive: true });
    });
    assert.ok(lstatSync(join(dir, 'was-file')).isDirectory());
    assert.equal(readFileSync(join(dir, 'was-dir'), 'utf8'), 'now a file');
  });
});

// After the first small file of a directory, the writer creates the files that follow in it with
// one native call per run (LayerWriter.smallFiles); these cases start such runs and then break them.
describe('applyLayer writes runs of small files of one directory natively, as entry by entry', () => {
  it('with each file\'s content, mode bits, owner, times (atime when later than mtime) and tar-split', async () => {
    const tar = new TarBuilder().dir('d');
    for (let i = 0; i < 200; i++) {
      tar.file(`d/f${i}`, i % 7 === 0 ? '' : { size: 1 + i * 37, seed: i }, {
        mode: [0o644, 0o4755, 0o2750, 0o600][i % 4], uid: i % 3 === 0 ? 1000 + i : 0, gid: i % 5, mtime: 1600000000 + i,
        ...(i % 10 === 1 ? { pax: { atime: String(1700000000 + i) } } : {}),
      });
    }
    const bytes = tar.toBuffer();
    const { dir, tarSplit } = await apply(bytes, 'overlay');
    for (let i = 0; i < 200; i++) {
      const stats = lstatSync(join(dir, `d/f${i}`));
      assert.equal(stats.mode & 0o7777, [0o644, 0o4755, 0o2750, 0o600][i % 4], `mode of f${i}`);
      assert.deepEqual([stats.uid, stats.gid], [i % 3 === 0 ? 1000 + i : 0, i % 5], `owner of f${i}`);
      assert.equal(stats.mtimeMs, (1600000000 + i) * 1000, `mtime of f${i}`);
      assert.equal(stats.atimeMs, (i % 10 === 1 ? 1700000000 + i : 1600000000 + i) * 1000, `atime of f${i}`);
      assert.equal(stats.size, i % 7 === 0 ? 0 : 1 + i * 37, `size of f${i}`);
    }
    assert.equal(sha256(await readAll(tarSplitReplay(tarSplit, dir))), sha256(bytes));
  });

  it('through the symlink that replaced the run\'s directory, not into the removed directory', async () => {
    // The empty files may be removed with their directory; the files after the link go to its target.
    const tar = new TarBuilder().file('x/e1', '').file('x/e2', '').file('x/e3', '').dir('target')
      .symlink('x', 'target').file('x/f1', 'one').file('x/f2', 'two').toBuffer();
    const { dir } = await apply(tar, 'overlay');
    assert.equal(readlinkSync(join(dir, 'x')), 'target');
    assert.deepEqual(readdirSync(join(dir, 'target')).sort(), ['f1', 'f2']);
    assert.equal(readFileSync(join(dir, 'target/f2'), 'utf8'), 'two');
  });

  it('replacing a file of the parent layer in the way, and refusing to remove one the run wrote', async () => {
    const replacing = new TarBuilder().file('d/a', '').file('d/b', '').file('d/c', 'new c').file('d/e', '').toBuffer();
    const { dir } = await apply(replacing, 'delete', (d) => {
      mkdirSync(join(d, 'd'));
      writeFileSync(join(d, 'd/c'), 'old c');
    });
    assert.deepEqual(readdirSync(join(dir, 'd')).sort(), ['a', 'b', 'c', 'e']);
    assert.equal(readFileSync(join(dir, 'd/c'), 'utf8'), 'new c');
    const refused = new TarBuilder().file('d/a', '1').file('d/b', '2').file('d/c', '3').whiteout('d/b').toBuffer();
    await assert.rejects(apply(refused, 'delete'), (err) => err instanceof ArchiveError && err.code === 'bad-tar' && /would remove "d\/b"/.test(err.message));
  });

  it('leaving whiteouts and names that are not UTF-8 to the entry-by-entry writer', async () => {
    const latin1 = (s: string): string => decodeFileName(Buffer.from(s, 'latin1'));
    const tar = new TarBuilder().file('d/a', '').file('d/b', '').file('d/.wh.a', '').file(latin1('d/caf\xe9'), 'x')
      .file(latin1('d/caf\xe8'), 'y').file('d/z', 'z').toBuffer();
    const { dir, tarSplit } = await apply(tar, 'delete');
    const names = readdirSync(join(dir, 'd'), { encoding: 'buffer' }).map((n) => n.toString('latin1')).sort();
    assert.deepEqual(names, ['b', 'caf\xe8', 'caf\xe9', 'z']);
    assert.equal(readFileSync(Buffer.from(`${dir}/d/caf\xe8`, 'latin1'), 'utf8'), 'y');
    assert.equal(sha256(await readAll(tarSplitReplay(tarSplit, dir))), sha256(tar));
  });
});

describe('applyLayer with force_mask', () => {
  it('gives files and directories the forced mode and keeps owner and mode in user.containers.override_stat', async () => {
    const dir = join(work, 'force-mask');
    mkdirSync(dir);
    const tar = new TarBuilder().dir('d', { mode: 0o755, uid: 7, gid: 8 }).file('d/f', 'x', { mode: 0o4711, uid: 1, gid: 2 }).symlink('d/l', 'f').toBuffer();
    await applyLayer(dir, Readable.from([tar]), { whiteoutFormat: 'delete', forceMask: 0o700 });
    assert.equal(lstatSync(join(dir, 'd/f')).mode & 0o7777, 0o700);
    assert.equal(lstatSync(join(dir, 'd')).mode & 0o7777, 0o700);
    assert.equal(xattrAddon.lgetxattr(join(dir, 'd/f'), 'user.containers.override_stat')?.toString(), '1:2:04711');
    assert.equal(xattrAddon.lgetxattr(join(dir, 'd'), 'user.containers.override_stat')?.toString(), '7:8:0755');
  });
});

describe('applyLayer sparse files', () => {
  for (const format of ['pax', 'gnu']) {
    it(`writes sparse files GNU tar made (--sparse --format=${format}) with the right content`, async () => {
      const src = join(work, `sparse-src-${format}`);
      mkdirSync(src);
      const file = join(src, 'holes');
      // 30 data regions: more than fit in the GNU header (4) or one extension block (21).
      const fd = openSync(file, 'w');
      for (let i = 0; i < 30; i++) writeSync(fd, Buffer.alloc(1000, i + 1), 0, 1000, i * 65536);
      ftruncateSync(fd, 3 << 20);
      closeSync(fd);
      const tarFile = join(work, `sparse-${format}.tar`);
      await runToolOk('tar', ['--sparse', `--format=${format}`, '-C', src, '-cf', tarFile, '.']);
      const { dir } = await apply(readFileSync(tarFile), 'delete');
      assert.ok(readFileSync(join(dir, 'holes')).equals(readFileSync(file)));
    });
  }

  it('writes a GNU sparse file with holes as zeros and its real size', async () => {
    const regions = [{ offset: 0, length: 1000 }, { offset: 100_000, length: 512 }, { offset: 300_000, length: 10 }];
    const tar = new TarBuilder().gnuSparse('sparse', 400_000, regions).file('after', 'after').toBuffer();
    const { dir } = await apply(tar, 'delete');
    const content = readFileSync(join(dir, 'sparse'));
    assert.equal(content.length, 400_000);
    assert.equal(content[999], 1);
    assert.equal(content[1000], 0);
    assert.equal(content[100_000], 2);
    assert.equal(content[100_512], 0);
    assert.equal(content[300_009], 3);
    assert.equal(readFileSync(join(dir, 'after'), 'utf8'), 'after');
  });
});
