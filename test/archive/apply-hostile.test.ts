// applyLayer against hostile tars: every case is its own generated tar, and
// each must leave everything outside the layer directory exactly as it was,
// either by confining the entry inside the layer or by a typed ArchiveError.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArchiveError, applyLayer, type ArchiveErrorCode, type WhiteoutFormat } from '../../src/archive/index.js';
import { TarBuilder } from '../helpers/tar-builder.js';

let base: string;
let outside: string;
/** Tar-split files live apart, so that writing them does not change `base`. */
let metadata: string;

before(() => {
  base = mkdtempSync('/tmp/berth-hostile-');
  metadata = mkdtempSync('/tmp/berth-hostile-meta-');
  outside = join(base, 'outside');
  mkdirSync(join(outside, 'dir'), { recursive: true });
  writeFileSync(join(outside, 'secret'), 'secret\n', { mode: 0o600 });
  writeFileSync(join(outside, 'dir', 'keep'), 'keep\n');
  symlinkSync('secret', join(outside, 'link-to-secret'));
});

after(() => {
  rmSync(base, { recursive: true, force: true });
  rmSync(metadata, { recursive: true, force: true });
});

/** Everything under `base` except the layer dirs: type, mode, owner, size, times, content, link target. */
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

let layerCount = 0;

/** Applies the tar into a fresh layer dir; returns the dir and the error (if any). */
async function applyHostile(tar: TarBuilder, whiteoutFormat: WhiteoutFormat = 'delete', maxUncompressedSize?: number): Promise<{ layer: string; tarSplit: string; error?: unknown }> {
  const layer = join(base, `layer${layerCount}`);
  const tarSplit = join(metadata, `layer${layerCount++}.tar-split.gz`);
  mkdirSync(layer);
  const before = snapshot();
  let error: unknown;
  try {
    await applyLayer(layer, Readable.from([tar.toBuffer()]), { whiteoutFormat, maxUncompressedSize, tarSplitPath: tarSplit });
  } catch (err) {
    error = err;
  }
  assert.equal(snapshot(), before, 'nothing outside the layer changed');
  return { layer, tarSplit, error };
}

function assertArchiveError(error: unknown, code: ArchiveErrorCode): void {
  assert.ok(error instanceof ArchiveError, `expected an ArchiveError, got ${String(error)}`);
  assert.equal(error.code, code);
}

function fileContent(path: string): string {
  return readFileSync(path, 'utf8');
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

  it('writes through an absolute symlink as if the layer were the root', async () => {
    const tar = new TarBuilder().symlink('esc', outside).file('esc/pwn', 'x');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, outside, 'pwn')), 'x');
    assert.equal(readlinkSync(join(layer, 'esc')), outside);
  });

  it('writes through a relative symlink that climbs out, inside the layer', async () => {
    const tar = new TarBuilder().dir('sub').symlink('sub/esc', '../../../outside').file('sub/esc/secret', 'x');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, 'outside/secret')), 'x');
  });

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

  it('confines a whiteout written through a symlink (overlay format)', async () => {
    const { layer, error } = await applyHostile(new TarBuilder().symlink('s', outside).whiteout('s/secret'), 'overlay');
    assert.equal(error, undefined);
    assert.ok(lstatSync(join(layer, outside, 'secret')).isCharacterDevice());
  });

  it('confines an opaque marker written through a symlink', async () => {
    const { error } = await applyHostile(new TarBuilder().symlink('s', outside).opaque('s'));
    assert.equal(error, undefined);
  });

  it('confines a whiteout whose name climbs out with ..', async () => {
    const { error } = await applyHostile(new TarBuilder().whiteout('../outside/secret'));
    assert.equal(error, undefined);
  });

  it('refuses a whiteout that names its own parent', async () => {
    const { error } = await applyHostile(new TarBuilder().dir('d').file('d/.wh..', ''));
    assertArchiveError(error, 'path-escape');
  });

  it('confines writes after a directory is replaced by a symlink mid-stream', async () => {
    const tar = new TarBuilder().dir('d').file('d/a', 'a').symlink('s', '.').symlink('s/d', outside).file('d/secret', 'x');
    const { layer, error } = await applyHostile(tar);
    assert.equal(error, undefined);
    assert.equal(fileContent(join(layer, outside, 'secret')), 'x');
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
    const { error } = await applyHostile(new TarBuilder().file('big', { size: 1 << 20 }), 'delete', 64 * 1024);
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
    const { tarSplit, error } = await applyHostile(new TarBuilder().symlink('a', 'b').symlink('b', 'a').file('a/x', 'x'));
    assert.ok(error instanceof ArchiveError);
    assert.equal(existsSync(tarSplit), false);
  });
});
