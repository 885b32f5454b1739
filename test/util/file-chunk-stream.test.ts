// FileChunkStream reads a file (or a byte range of it) in huge-page chunks on
// the threadpool: the bytes must be the file's, a failure names the file, and
// no descriptor is left open, also when the stream is destroyed mid-read. The
// addon keeps the mappings of collected chunks for the next reads: a chunk over
// a kept mapping must show the new file's bytes only.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openFileChunks, type FileChunkStream } from '../../src/util/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'berth-chunks-'));
const CHUNK = 2 << 20;

async function readAllOf(stream: FileChunkStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(part as Buffer);
  return Buffer.concat(parts);
}

function openDescriptors(): number {
  return readdirSync('/proc/self/fd').length;
}

describe('FileChunkStream', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const size of [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 12345]) {
    test(`reads a file of ${size} bytes whole`, async () => {
      const file = path.join(dir, `whole-${size}`);
      const content = randomBytes(size);
      writeFileSync(file, content);
      assert.ok((await readAllOf(await openFileChunks(file))).equals(content));
    });
  }

  test('reads a byte range, end inclusive as fs.createReadStream takes it', async () => {
    const file = path.join(dir, 'range');
    const content = randomBytes(5 * CHUNK);
    writeFileSync(file, content);
    for (const [start, end] of [[0, 0], [7, CHUNK + 6], [CHUNK, 3 * CHUNK - 1], [4 * CHUNK + 1, 9 * CHUNK]] as const) {
      const got = await readAllOf(await openFileChunks(file, { start, end }));
      assert.ok(got.equals(content.subarray(start, end + 1)), `range ${start}-${end}`);
    }
  });

  test('chunks read after earlier ones were collected hold the new file\'s bytes only', async () => {
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    const old = path.join(dir, 'old');
    writeFileSync(old, Buffer.alloc(4 * CHUNK, 0x41));
    for (let round = 0; round < 3; round++) {
      assert.equal((await readAllOf(await openFileChunks(old))).length, 4 * CHUNK);
      // The old chunks' Buffers die here, and their mappings go back to the addon.
      collect();
      for (const size of [100, CHUNK - 1, CHUNK + 3]) {
        const file = path.join(dir, `after-${round}-${size}`);
        const content = Buffer.alloc(size, 0x42 + round);
        writeFileSync(file, content);
        const chunks: Buffer[] = [];
        for await (const chunk of await openFileChunks(file)) chunks.push(chunk as Buffer);
        assert.deepEqual(chunks.map((c) => c.length), size > CHUNK ? [CHUNK, size - CHUNK] : [size]);
        assert.ok(Buffer.concat(chunks).equals(content), `round ${round}, ${size} bytes`);
      }
    }
  });

  test('a missing file fails with ENOENT naming it', async () => {
    const missing = path.join(dir, 'missing');
    await assert.rejects(openFileChunks(missing), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.path, missing);
      return true;
    });
  });

  test('a directory fails with EISDIR naming it', async () => {
    await assert.rejects(openFileChunks(dir).then(readAllOf), (err: NodeJS.ErrnoException) => {
      assert.equal(err.code, 'EISDIR');
      assert.match(err.message, new RegExp(dir));
      return true;
    });
  });

  test('destroyed mid-read, it closes its descriptor once the read in flight ends', async () => {
    const file = path.join(dir, 'destroyed');
    writeFileSync(file, randomBytes(8 * CHUNK));
    const before = openDescriptors();
    const stream = await openFileChunks(file);
    await new Promise((resolve) => stream.once('readable', resolve));
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    assert.equal(openDescriptors(), before);
  });
});
