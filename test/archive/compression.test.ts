// Compression detection, streaming decompression through zlib, zstd-napi and
// the bzip2/xz tools, and the blob digests applyLayer records for each.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ArchiveError, applyLayer, Compression, createCompressor, createDecompressor, detectCompression, openDecompressed } from '../../src/archive/index.js';
import { ImageError } from '../../src/image/index.js';
import { VerifyingStream } from '../../src/image/transports/index.js';
import { openFileChunks } from '../../src/util/index.js';
import { runToolOk } from '../helpers/run-tool.js';
import { readAll } from '../helpers/streams.js';
import { TarBuilder } from '../helpers/tar-builder.js';

let work: string;
before(() => { work = mkdtempSync('/tmp/berth-compression-'); });
after(() => rmSync(work, { recursive: true, force: true }));

const sha256 = (data: Buffer): string => 'sha256:' + createHash('sha256').update(data).digest('hex');
const tar = new TarBuilder().dir('d').file('d/a', { size: 200_000, seed: 1 }).file('d/b', 'b').toBuffer();

/** Compressed with the reference tools, not with Berth's own compressor. */
async function compressWithTool(compression: Compression, data: Buffer): Promise<Buffer> {
  const tool = { [Compression.Gzip]: 'gzip', [Compression.Zstd]: 'zstd', [Compression.Bzip2]: 'bzip2', [Compression.Xz]: 'xz' }[compression as Exclude<Compression, Compression.None>];
  return (await runToolOk(tool, ['-c'], { input: data })).stdout;
}

const formats = [Compression.Gzip, Compression.Zstd, Compression.Bzip2, Compression.Xz] as const;

describe('compression', () => {
  it('detects each format from its magic bytes and plain tar as none', async () => {
    for (const compression of formats) assert.equal(detectCompression(await compressWithTool(compression, tar)), compression);
    assert.equal(detectCompression(tar), Compression.None);
    assert.equal(detectCompression(Buffer.from([0x1f])), Compression.None);
  });

  for (const compression of formats) {
    it(`applyLayer decompresses ${Compression[compression]} and records digests and sizes of both forms`, async () => {
      const blob = await compressWithTool(compression, tar);
      const dir = join(work, `apply-${compression}`);
      mkdirSync(dir);
      // Many small chunks: the magic straddles chunk boundaries.
      const chunks: Buffer[] = [];
      for (let at = 0; at < blob.length; at += 3) chunks.push(blob.subarray(at, at + 3));
      const result = await applyLayer(dir, Readable.from(chunks), { whiteoutFormat: 'delete' });
      assert.equal(result.compression, compression);
      assert.equal(result.compressedDigest, sha256(blob));
      assert.equal(result.compressedSize, blob.length);
      assert.equal(result.uncompressedDigest, sha256(tar));
      assert.equal(result.uncompressedSize, tar.length);
    });

    it(`createCompressor output (${Compression[compression]}) decompresses to the input`, async () => {
      const compressed = await readAll(Readable.from([tar]).pipe(createCompressor(compression)));
      assert.equal(detectCompression(compressed), compression);
      const plain = await readAll(Readable.from([compressed]).pipe(createDecompressor(compression)));
      assert.ok(plain.equals(tar));
    });
  }

  it('zstd: several frames, any chunking, and output past one 2 MiB buffer decompress exactly', async () => {
    const big = Buffer.concat([tar, Buffer.alloc(5 << 20, 7), tar]);
    const blob = Buffer.concat([await compressWithTool(Compression.Zstd, big), await compressWithTool(Compression.Zstd, tar)]);
    for (const size of [1, 4096, 1 << 20, blob.length]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < blob.length; at += size) chunks.push(blob.subarray(at, at + size));
      const plain = await readAll(Readable.from(chunks).pipe(createDecompressor(Compression.Zstd)));
      assert.ok(plain.equals(Buffer.concat([big, tar])), `chunks of ${size}`);
    }
  });

  it('zstd: input that ends inside a frame is an error', async () => {
    const blob = await compressWithTool(Compression.Zstd, tar);
    await assert.rejects(readAll(Readable.from([blob.subarray(0, blob.length - 10)]).pipe(createDecompressor(Compression.Zstd))), /ended inside a frame/);
    const dir = join(work, 'zstd-truncated');
    mkdirSync(dir);
    await assert.rejects(applyLayer(dir, Readable.from([blob.subarray(0, blob.length - 10)]), { whiteoutFormat: 'delete' }),
      (err) => err instanceof ArchiveError && (err.code === 'compression' || err.code === 'bad-tar'));
  });

  it('a blob that fails while its magic is peeked at fails the decompressed stream, not hangs it', async () => {
    // Read by path, a short blob arrives, ends and fails its size check in one step, before
    // openDecompressed has its decompressor listening: the error must still reach it.
    const file = join(work, 'short.gz');
    writeFileSync(file, (await compressWithTool(Compression.Gzip, tar)).subarray(0, 100));
    const verified = new VerifyingStream({ digest: sha256(tar), size: 5000 });
    verified.on('error', () => { /* seen through the decompressed stream */ });
    (await openFileChunks(file)).pipe(verified);
    const { stream } = await openDecompressed(verified);
    await assert.rejects(readAll(stream), (err) => err instanceof ImageError && err.code === 'blob-size-mismatch');
  });

  it('reports garbage after a gzip member as a compression error', async () => {
    const blob = Buffer.concat([await compressWithTool(Compression.Gzip, tar), Buffer.from('junk after the member')]);
    const dir = join(work, 'gzip-junk');
    mkdirSync(dir);
    await assert.rejects(applyLayer(dir, Readable.from([blob]), { whiteoutFormat: 'delete' }),
      (err) => err instanceof ArchiveError && err.code === 'compression');
  });

  it('passes the input stream\'s own error through unchanged', async () => {
    const dir = join(work, 'input-error');
    mkdirSync(dir);
    const failing = new Readable({ read() { this.destroy(new Error('network went away')); } });
    await assert.rejects(applyLayer(dir, failing, { whiteoutFormat: 'delete' }), /network went away/);
  });

  it('reports a corrupt xz stream as a compression error', async () => {
    const blob = await compressWithTool(Compression.Xz, tar);
    blob.fill(0x55, 100, 400);
    const dir = join(work, 'corrupt');
    mkdirSync(dir);
    await assert.rejects(applyLayer(dir, Readable.from([blob]), { whiteoutFormat: 'delete' }),
      (err) => err instanceof ArchiveError && (err.code === 'compression' || err.code === 'bad-tar'));
  });

  it('takes the digest of a blob that verifies itself (an image copy\'s), and fails when that check fails', async () => {
    const blob = await compressWithTool(Compression.Gzip, tar);
    const verifiedApply = (digest: string, name: string) => {
      const dir = join(work, name);
      mkdirSync(dir);
      return applyLayer(dir, Readable.from([blob]).pipe(new VerifyingStream({ digest, size: blob.length })), { whiteoutFormat: 'delete' });
    };
    const result = await verifiedApply(sha256(blob), 'self-verified');
    assert.equal(result.compressedDigest, sha256(blob));
    assert.equal(result.compressedSize, blob.length);
    assert.equal(result.uncompressedDigest, sha256(tar));
    const wrong = sha256(Buffer.from('another blob'));
    await assert.rejects(verifiedApply(wrong, 'self-verified-wrong'), (err) => err instanceof ImageError && err.code === 'blob-digest-mismatch');
  });
});
