// streamChunks hands over a readable's chunks as pushed (a Readable's own async
// iterator joins whatever is buffered into one new Buffer), pauses the stream
// while too much waits, ends with it and throws its error.

import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { streamChunks } from '../../src/util/index.js';

describe('streamChunks', () => {
  test('gives every chunk as it was pushed, the same Buffer, never joined', async () => {
    const pushed = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    const source = new PassThrough();
    for (const chunk of pushed) source.write(chunk);
    source.end();
    const got: Buffer[] = [];
    for await (const chunk of streamChunks(source)) got.push(chunk);
    assert.equal(got.length, pushed.length);
    got.forEach((chunk, i) => assert.equal(chunk, pushed[i]));
  });

  test('pauses the stream while more than the high-water mark waits, and resumes it', async () => {
    let produced = 0;
    const source = new Readable({
      highWaterMark: 1024,
      read() {
        produced += 1024;
        this.push(produced > 64 * 1024 ? null : Buffer.alloc(1024));
      },
    });
    const chunks = streamChunks(source, 8 * 1024);
    await chunks.next();
    for (let i = 0; i < 20; i++) await tick();
    // Not taken: at most the high-water mark, plus the stream's own buffer and one chunk, was read.
    assert.ok(produced <= 8 * 1024 + 3 * 1024, `read ${produced} bytes ahead`);
    assert.equal(source.isPaused(), true);
    let rest = 1;
    for await (const _ of chunks) rest++;
    assert.equal(rest, 64);
  });

  test('a stream that failed or ended before the iteration began is not waited on forever', async () => {
    const failed = new PassThrough();
    failed.on('error', () => { /* seen below */ });
    failed.destroy(new Error('failed early'));
    await new Promise((resolve) => failed.once('close', resolve));
    await assert.rejects(async () => { for await (const _ of streamChunks(failed)) { /* none */ } }, /failed early/);

    const ended = new PassThrough();
    ended.end(Buffer.from('last'));
    const got: Buffer[] = [];
    for await (const chunk of streamChunks(ended)) got.push(chunk);
    assert.equal(Buffer.concat(got).toString(), 'last');
  });

  test('throws the stream\'s error', async () => {
    const source = new Readable({ read() { this.destroy(new Error('disk went away')); } });
    await assert.rejects(async () => { for await (const _ of streamChunks(source)) { /* none */ } }, /disk went away/);
  });
});
