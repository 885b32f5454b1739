// applyLayer against hostile tars: every case is its own generated tar, put as
// a layer into a Berth store (vfs for the delete whiteout format, overlay for
// the overlay one). Each must leave everything outside the layer directory
// exactly as it was, either by confining the entry inside the layer or by a
// typed ArchiveError; a layer apply accepts must diff back to its tar, and the
// whole store must then check clean, layer contents included.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArchiveError, applyLayer, type ArchiveErrorCode, type WhiteoutFormat } from '../../src/archive/index.js';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { readAll } from '../helpers/streams.js';
import { removeTree } from '../helpers/temp-store.js';
import { TarBuilder } from '../helpers/tar-builder.js';

let base: string;
let outside: string;
/** Tar-split files of the direct applyLayer case live apart, so that writing them does not change `base`. */
let metadata: string;
/** Under `base`, named `layers-*` so that the snapshot leaves them out. */
const stores = new Map<WhiteoutFormat, { store: Store; graphRoot: string }>();

before(async () => {
  base = mkdtempSync('/tmp/berth-hostile-');
  metadata = mkdtempSync('/tmp/berth-hostile-meta-');
  outside = join(base, 'outside');
  mkdirSync(join(outside, 'dir'), { recursive: true });
  writeFileSync(join(outside, 'secret'), 'secret\n', { mode: 0o600 });
  writeFileSync(join(outside, 'dir', 'keep'), 'keep\n');
  symlinkSync('secret', join(outside, 'link-to-secret'));
  for (const [format, driver] of [['delete', 'vfs'], ['overlay', 'overlay']] as const) {
    const graphRoot = join(base, `layers-${driver}`, 'graph');
    const store = await openTestStore({ graphRoot, runRoot: join(base, `layers-${driver}`, 'run'), driver });
    stores.set(format, { store, graphRoot });
  }
});

after(async () => {
  for (const { store } of stores.values()) await store.shutdown({ force: true });
  await removeTree(base);
  rmSync(metadata, { recursive: true, force: true });
});

/** Everything under `base` except the stores: type, mode, owner, size, times, content, link target. */
function snapshot(): string {
  const lines: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      if (dir === base && name.startsWith('layer')) continue;
      const path = join(dir, name);
      const st = lstatSync(path);
      let detail = '';
      if (st.isFile()) detail = createHash('sha256').update(readFileSync(path)).digest('hex');
      else if (st.isSymbolicLink()) detail = readlinkSync(path);
      lines.push(`${path} ${st.mode.toString(8)} ${st.uid}:${st.gid} ${st.size} ${st.mtimeMs} ${st.nlink} ${detail}`);
      if (st.isDirectory()) walk(path);
    }
  };
  const st = lstatSync(base);
  lines.push(`${base} ${st.mode.toString(8)} ${st.mtimeMs}`);
  walk(base);
  return lines.join('\n');
}

/**
 * Puts the tar as a new layer into the store of its whiteout format; returns the layer's
 * directory (none when it was refused) and the error. An accepted layer must diff back to its
 * tar byte for byte, and the whole store must then check clean.
 */
async function applyHostile(tar: TarBuilder, whiteoutFormat: WhiteoutFormat = 'delete'): Promise<{ layer: string; error?: unknown }> {
  const { store, graphRoot } = stores.get(whiteoutFormat)!;
  const before = snapshot();
  let error: unknown;
  let layer = '';
  try {
    const { layer: { id } } = await store.putLayer(Readable.from([tar.toBuffer()]));
    layer = whiteoutFormat === 'overlay' ? join(graphRoot, 'overlay', id, 'diff') : join(graphRoot, 'vfs', 'dir', id);
    assert.ok((await readAll(await store.diff(id))).equals(tar.toBuffer()), 'the layer diffs back to its tar');
  } catch (err) {
    error = err;
  }
  assert.equal(snapshot(), before, 'nothing outside the layer changed');
  assert.deepEqual(checkProblems(await store.check({ layerContents: true })), [], 'the store checks clean');
  return { layer, error };
}

function assertArchiveError(error: unknown, code: ArchiveErrorCode): void {
  assert.ok(error instanceof ArchiveError, `expected an ArchiveError, got ${String(error)}`);
  assert.equal(error.code, code);
}

function fileContent(path: string): string {
  return readFileSync(path, 'utf8');
}

let directCount = 0;

/** applyLayer itself into a fresh directory (options the store does not pass on); returns the tar-split path and the error. */
async function applyDirect(tar: TarBuilder, maxUncompressedSize?: number): Promise<{ tarSplit: string; error?: unknown }> {
  const layer = join(base, `layer-direct${directCount}`);
  const tarSplit = join(metadata, `layer${directCount++}.tar-split.gz`);
  mkdirSync(layer);
  const before = snapshot();
  let error: unknown;
  try {
    await applyLayer(layer, Readable.from([tar.toBuffer()]), { whiteoutFormat: 'delete', maxUncompressedSize, tarSplitPath: tarSplit });
  } catch (err) {
    error = err;
  }
  assert.equal(snapshot(), before, 'nothing outside the layer changed');
  return { tarSplit, error };
}

describe('applyLayer confines or refuses hostile entries', () => {
  it('confines a name with .. components to the layer root', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().file('../outside/secret', 'pwned'));
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'outside/secret')), 'pwned');
  });

  it('confines a name that climbs far above the root', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().file('a/../../../../../../../etc/evil', 'x'));
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'etc/evil')), 'x');
  });

  it('confines an absolute name under the layer', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().file(join(outside, 'abs'), 'x'));
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, outside, 'abs')), 'x');
  });

  for (const format of ['delete', 'overlay'] as const) {
    it(`writes through an absolute symlink to a directory of the layer as if the layer were the root (${format})`, async () => {
      const tar = new TarBuilder().dir('tgt').symlink('esc', '/tgt').file('esc/pwn', 'x').file('esc/sub/pwn2', 'y');
      const { layer, error } = await applyHostile(tar, format);
      assert.equal(error, undefined);
      assert.equal(fileContent(join(layer, 'tgt/pwn')), 'x');
      assert.equal(fileContent(join(layer, 'tgt/sub/pwn2')), 'y');
      assert.equal(readlinkSync(join(layer, 'esc')), '/tgt');
    });

    // Go's chrooted applier: `open /esc/pwn: no such file or directory`; nothing is made for the link.
    it(`refuses a file written through an absolute symlink to a directory the layer lacks (${format})`, async () => {
      const { error } = await applyHostile(new TarBuilder().symlink('esc', outside).file('esc/pwn', 'x'), format);
      assertArchiveError(error, 'write-failed');
      assert.equal((error as ArchiveError).detail.errno, 'ENOENT');
    });

    // Go: `mkdir /esc: file exists`.
    it(`refuses a name that goes on below a symlink to nothing (${format})`, async () => {
      const { error } = await applyHostile(new TarBuilder().symlink('esc', outside).file('esc/sub/pwn', 'x'), format);
      assertArchiveError(error, 'write-failed');
      assert.equal((error as ArchiveError).detail.errno, 'EEXIST');
    });

    it(`refuses a file written through a relative symlink that climbs out (${format})`, async () => {
      const tar = new TarBuilder().dir('sub').symlink('sub/esc', '../../../outside').file('sub/esc/secret', 'x');
      const { error } = await applyHostile(tar, format);
      assertArchiveError(error, 'write-failed');
    });

    it(`whites out through a symlink to a directory of the layer (${format})`, async () => {
      const tar = new TarBuilder().dir('tgt').file('tgt/f', '').file('tgt/g', 'y').symlink('lnk', 'tgt').whiteout('lnk/f');
      const { layer, error } = await applyHostile(tar, format);
      assert.equal(error, undefined);
      if (format === 'overlay') assert.ok(lstatSync(join(layer, 'tgt/f')).isCharacterDevice());
      else assert.equal(existsSync(join(layer, 'tgt/f')), false);
      assert.equal(fileContent(join(layer, 'tgt/g')), 'y');
    });

    // Go applies these and leaves a layer whose tar-split cannot be replayed (diff fails).
    it(`refuses a whiteout of a file the same layer wrote (${format})`, async () => {
      const { error } = await applyHostile(new TarBuilder().dir('tgt').file('tgt/f', 'x').symlink('lnk', 'tgt').whiteout('lnk/f'), format);
      assertArchiveError(error, 'bad-tar');
    });

    it(`refuses to replace, under another name, a file the same layer wrote (${format})`, async () => {
      const { error } = await applyHostile(new TarBuilder().file('f', 'first').symlink('s', '.').file('s/f', 'second'), format);
      assertArchiveError(error, 'bad-tar');
    });

    it(`refuses a whiteout of a directory above a file the same layer wrote (${format})`, async () => {
      const { error } = await applyHostile(new TarBuilder().dir('d').dir('d/e').file('d/e/f', 'x').symlink('s', '.').whiteout('s/d'), format);
      assertArchiveError(error, 'bad-tar');
    });

    it(`still refuses, after an allowed removal, to remove a file written later (${format})`, async () => {
      // The first removal (an empty file: nothing for tar-split to read back) is allowed; the
      // files written after it are recorded as they come.
      const tar = new TarBuilder().file('e', '').symlink('s', '.').whiteout('s/e').file('g', 'x').whiteout('s/g');
      const { error } = await applyHostile(tar, format);
      assertArchiveError(error, 'bad-tar');
      assert.match((error as Error).message, /would remove "g"/);
    });

    it(`refuses to replace a symlink that an earlier file of the layer was written through (${format})`, async () => {
      const tar = new TarBuilder().dir('tgt').dir('other').symlink('lnk', 'tgt').file('lnk/f', 'x').symlink('s', '.').symlink('s/lnk', 'other');
      const { error } = await applyHostile(tar, format);
      assertArchiveError(error, 'bad-tar');
    });

    it(`confines a whiteout whose name climbs out with .. (${format})`, async () => {
      const { layer, error } = await applyHostile(new TarBuilder().whiteout('../outside/secret'), format);
      assert.equal(error, undefined);
      assert.ok(lstatSync(join(layer, 'outside')).isDirectory(), 'the implied parent is made, as Go does');
    });

    it(`applies files below a parent the tar never lists (${format})`, async () => {
      const { layer, error } = await applyHostile(new TarBuilder().file('a/b/c', 'x').dir('d/e', { mode: 0o700 }), format);
      assert.equal(error, undefined);
      assert.equal(lstatSync(join(layer, 'a/b')).mode & 0o7777, 0o755);
    });

    it(`replaces a directory by a file and a file by a directory (${format})`, async () => {
      const tar = new TarBuilder().dir('d').file('d/a', '').symlink('s', '.').file('s/d', 'now a file').file('f', '').dir('s/f');
      const { layer, error } = await applyHostile(tar, format);
      assert.equal(error, undefined);
      assert.equal(fileContent(join(layer, 'd')), 'now a file');
      assert.ok(lstatSync(join(layer, 'f')).isDirectory());
    });

    it(`hard-links through a symlink inside the layer (${format})`, async () => {
      const tar = new TarBuilder().dir('tgt').file('tgt/f', 'x', { mode: 0o600 }).symlink('lnk', 'tgt').rawHardlink('h', 'lnk/f', { mode: 0o640, uid: 3 });
      const { layer, error } = await applyHostile(tar, format);
      assert.equal(error, undefined);
      assert.equal(lstatSync(join(layer, 'h')).ino, lstatSync(join(layer, 'tgt/f')).ino);
      assert.equal(lstatSync(join(layer, 'tgt/f')).mode & 0o7777, 0o640, 'the link header sets the shared inode, as Go does');
    });
  }

  it('follows a chain of symlinks only inside the layer', async () => {
    const tar = new TarBuilder().symlink('a', 'b').symlink('b', '../../..').file('a/x', 'x');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'x')), 'x');
  });

  it('refuses a symlink loop with path-escape', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('a', 'b').symlink('b', 'a').file('a/x', 'x'));
    assertArchiveError(error, 'path-escape');
  });

  it('refuses a hard link to an absolute path outside', async () => {
    const { error } = await applyHostile(new TarBuilder().rawHardlink('h', join(outside, 'secret')));
    assertArchiveError(error, 'bad-tar');
  });

  it('refuses a hard link that climbs out with ..', async () => {
    const { error } = await applyHostile(new TarBuilder().rawHardlink('h', '../outside/secret'));
    assertArchiveError(error, 'bad-tar');
  });

  it('refuses a hard link through a symlink that points outside', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('s', outside).rawHardlink('h', 's/secret'));
    assertArchiveError(error, 'bad-tar');
  });

  it('hard-links a symlink itself, never its outside target, and leaves the target mode alone', async () => {
    const tar = new TarBuilder().symlink('s', join(outside, 'secret')).rawHardlink('h', 's', { mode: 0o777 });
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.ok(lstatSync(join(layer, 'h')).isSymbolicLink());
  });

  it('replaces a symlink pointing outside instead of writing through it', async () => {
    // `s` → `.` gives the same path a second name (Go refuses a name that repeats itself).
    const tar = new TarBuilder().symlink('f', join(outside, 'secret')).symlink('s', '.').file('s/f', 'x');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.ok(lstatSync(join(layer, 'f')).isFile());
  });

  it('replaces a symlink pointing outside with a hard link instead of following it', async () => {
    const tar = new TarBuilder().file('t', 'inside').symlink('l', join(outside, 'secret')).symlink('s', '.').hardlink('s/l', 't');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(lstatSync(join(layer, 'l')).ino, lstatSync(join(layer, 't')).ino);
  });

  it('confines a whiteout written through a symlink (delete format)', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().symlink('s', outside).whiteout('s/secret'));
    assert.equal(error, undefined);
    assert.ok(lstatSync(join(layer, 's')).isSymbolicLink());
  });

  // Go's overlay applier: mknod through the link fails (`no such file or directory`).
  it('refuses a whiteout written through a symlink to nothing (overlay format)', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('s', outside).whiteout('s/secret'), 'overlay');
    assertArchiveError(error, 'write-failed');
  });

  // Go's vfs applier removes with RemoveAll, content when there is nothing: the opaque marker too.
  it('ignores an opaque marker written through a symlink to nothing (delete format)', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().symlink('s', outside).opaque('s'));
    assert.equal(error, undefined);
    assert.deepEqual(readdirSync(layer), ['s']);
  });

  it('refuses an opaque marker written through a symlink to nothing (overlay format)', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('s', outside).opaque('s'), 'overlay');
    assertArchiveError(error, 'write-failed');
  });

  it('refuses a whiteout below a symlink to nothing (delete format)', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('s', outside).whiteout('s/sub/secret'));
    assertArchiveError(error, 'write-failed');
  });

  it('refuses a whiteout that names its own parent', async () => {
    const { error } = await applyHostile(new TarBuilder().dir('d').file('d/.wh..', ''));
    assertArchiveError(error, 'path-escape');
  });

  it('refuses writes through a directory replaced mid-stream by a symlink to nothing', async () => {
    const tar = new TarBuilder().dir('d').file('d/a', '').symlink('s', '.').symlink('s/d', outside).file('d/secret', 'x');
    const { error } = await applyHostile(tar);
    assertArchiveError(error, 'write-failed');
  });

  it('does not set directory times through a directory later replaced by a symlink', async () => {
    const tar = new TarBuilder().dir('d').dir('d/dir', { mtime: 1 }).symlink('s', '.').symlink('s/d', outside);
    const { error } = await applyHostile(tar);
    assert.equal(error, undefined);
  });

  it('confines a PAX path that climbs out', async () => {
    const tar = new TarBuilder().file('x', 'pax', { pax: { path: '../../outside/secret' } });
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'outside/secret')), 'pax');
  });

  it('confines a GNU long name that climbs out', async () => {
    const name = '../'.repeat(40) + 'outside/secret';
    const { layer, error } = await applyHostile(new TarBuilder().file(name, 'gnu', { gnuLongNames: true }));
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'outside/secret')), 'gnu');
  });

  it('refuses a name with a NUL byte', async () => {
    const { error } = await applyHostile(new TarBuilder().file('x', 'nul', { pax: { path: 'a\0../../outside/secret' } }));
    assertArchiveError(error, 'bad-tar');
  });

  it('refuses to replace the layer root with a symlink', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('./', outside));
    assertArchiveError(error, 'path-escape');
  });

  it('refuses a file named .. (the root) with path-escape', async () => {
    const { error } = await applyHostile(new TarBuilder().file('sub/../..', 'x'));
    assertArchiveError(error, 'path-escape');
  });

  it('refuses a tar that names one path twice (a symlink then a file through it)', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('f', join(outside, 'secret')).file('f', 'x'));
    assertArchiveError(error, 'bad-tar');
  });

  it('stops a decompression bomb at the size limit', async () => {
    const { error } = await applyDirect(new TarBuilder().file('big', { size: 1 << 20 }), 64 * 1024);
    assertArchiveError(error, 'size-limit');
  });

  it('refuses a header with a bad checksum', async () => {
    const tar = new TarBuilder().file('ok', 'ok').raw(Buffer.alloc(512, 0x41));
    const { error } = await applyHostile(tar);
    assertArchiveError(error, 'bad-tar');
  });

  it('refuses a truncated tar', async () => {
    const full = new TarBuilder().file('big', { size: 10000 }).toBuffer();
    const truncated = new TarBuilder({ omitEndMarker: true }).raw(full.subarray(0, 4096));
    const { error } = await applyHostile(truncated);
    assertArchiveError(error, 'bad-tar');
  });

  it('removes a partial tar-split file after an error', async () => {
    const { tarSplit, error } = await applyDirect(new TarBuilder().symlink('a', 'b').symlink('b', 'a').file('a/x', 'x'));
    assert.ok(error instanceof ArchiveError);
    assert.equal(existsSync(tarSplit), false);
  });
});
