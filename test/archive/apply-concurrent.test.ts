// Several layers applied at once share the writer workers (fewer workers than
// layers on a machine with few cores): each layer's files, digests and
// tar-split must be its own, and one layer failing must not touch the others.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { applyLayer, ArchiveError, tarSplitReplay } from '../../src/archive/index.js';
import { readAll } from '../helpers/streams.js';
import { TarBuilder } from '../helpers/tar-builder.js';

let work: string;
before(() => { work = mkdtempSync('/tmp/berth-apply-concurrent-'); });
after(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (data: Buffer): string => 'sha256:' + createHash('sha256').update(data).digest('hex');

/** A layer of its own: directory `layerN` with files whose content names the layer. */
function layerTar(n: number): Buffer {
  const tar = new TarBuilder().dir(`layer${n}`);
  for (let f = 0; f < 300; f++) tar.file(`layer${n}/f${f}`, `layer ${n} file ${f}\n`.repeat(f % 7 + 1));
  return tar.file(`layer${n}/big`, { size: (3 << 20) + n, seed: n }).toBuffer();
}

/** The tar in 64 KiB chunks, each handed over on a later tick, so the applies interleave. */
function slowly(tar: Buffer): Readable {
  return Readable.from((async function* () {
    for (let at = 0; at < tar.length; at += 1 << 16) {
      await new Promise((resolve) => setImmediate(resolve));
      yield tar.subarray(at, at + (1 << 16));
    }
  })());
}

describe('applyLayer, several at once', () => {
  it('applies eight layers at once, each with its own files, digest and tar-split, while a ninth fails', async () => {
    const tars = Array.from({ length: 8 }, (_, n) => layerTar(n));
    // A hard link to a file that is not there fails in the writer, mid-stream.
    const bad = new TarBuilder().dir('bad').file('bad/ok', 'fine').rawHardlink('bad/link', 'missing').file('bad/after', { size: 1 << 20 }).toBuffer();
    const dirs = [...tars, bad].map((_, n) => {
      const dir = join(work, `dir${n}`);
      mkdirSync(dir);
      return dir;
    });
    const results = await Promise.allSettled([...tars, bad].map((tar, n) =>
      applyLayer(dirs[n] as string, slowly(tar), { whiteoutFormat: 'overlay', tarSplitPath: join(work, `split${n}.gz`) })));

    const failed = results[8] as PromiseRejectedResult;
    assert.equal(failed.status, 'rejected');
    assert.ok(failed.reason instanceof ArchiveError, String(failed.reason));
    assert.equal((failed.reason as ArchiveError).code, 'write-failed');
    assert.match((failed.reason as ArchiveError).message, /"bad\/link"/);
    for (let n = 0; n < 8; n++) {
      const settled = results[n] as PromiseSettledResult<Awaited<ReturnType<typeof applyLayer>>>;
      assert.equal(settled.status, 'fulfilled', `layer ${n}: ${(settled as PromiseRejectedResult).reason}`);
      assert.equal(settled.value.uncompressedDigest, sha256(tars[n] as Buffer));
      const dir = dirs[n] as string;
      assert.deepEqual(readdirSync(dir), [`layer${n}`]);
      assert.equal(readdirSync(join(dir, `layer${n}`)).length, 301);
      assert.equal(readFileSync(join(dir, `layer${n}`, 'f6'), 'utf8'), `layer ${n} file 6\n`.repeat(7));
      const rebuilt = await readAll(tarSplitReplay(join(work, `split${n}.gz`), dir));
      assert.equal(sha256(rebuilt), sha256(tars[n] as Buffer), `layer ${n} rebuilt from its tar-split`);
    }
  });

  it('applies again after a failure, on the same workers', async () => {
    const tar = layerTar(42);
    const dir = join(work, 'again');
    mkdirSync(dir);
    const result = await applyLayer(dir, slowly(tar), { whiteoutFormat: 'overlay' });
    assert.equal(result.uncompressedDigest, sha256(tar));
    assert.equal(readdirSync(join(dir, 'layer42')).length, 301);
  });
});
