// Lookaside signature storage on disk: signatures appended under the first
// free signature-N, complete files only, an identical signature not stored
// twice, reading up to the first gap, and only file:// writable.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isImageError } from '../../src/image/index.js';
import { appendLookasideSignatures, readLookasideSignatures } from '../../src/image/transports/lookaside.js';

describe('lookaside signatures', () => {
  let dir: string;
  const digest = `sha256:${'ab'.repeat(32)}`;
  const folder = () => join(dir, 'ns/app@sha256=' + 'ab'.repeat(32));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-lookaside-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('appends after the signatures there, skips one with the same bytes, and reads them back in order', async () => {
    const base = pathToFileURL(join(dir, 'ns/app'));
    const written = await appendLookasideSignatures(base, digest, [Buffer.from('one')]);
    assert.deepEqual(written, [join(folder(), 'signature-1')]);
    await appendLookasideSignatures(base, digest, [Buffer.from('one'), Buffer.from('two'), Buffer.from('three')]);
    assert.deepEqual((await readdir(folder())).sort(), ['signature-1', 'signature-2', 'signature-3']);
    assert.deepEqual((await readLookasideSignatures(base, digest)).map(String), ['one', 'two', 'three']);
    assert.equal(await readFile(join(folder(), 'signature-3'), 'utf8'), 'three');
  });

  it('fills the first gap (readers stop there) and never replaces a file', async () => {
    const base = pathToFileURL(join(dir, 'gap/app'));
    const at = join(dir, 'gap/app@sha256=' + 'ab'.repeat(32));
    await mkdir(at, { recursive: true });
    await writeFile(join(at, 'signature-1'), 'first');
    await writeFile(join(at, 'signature-3'), 'beyond the gap');
    assert.deepEqual((await readLookasideSignatures(base, digest)).map(String), ['first']);
    await appendLookasideSignatures(base, digest, [Buffer.from('second'), Buffer.from('fourth')]);
    assert.deepEqual((await readLookasideSignatures(base, digest)).map(String), ['first', 'second', 'beyond the gap', 'fourth']);
    assert.deepEqual((await readdir(at)).sort(), ['signature-1', 'signature-2', 'signature-3', 'signature-4']);
  });

  it('refuses to write to an http(s) lookaside, naming it without its credentials, and writes nothing', async () => {
    await assert.rejects(appendLookasideSignatures(new URL('https://user:secret@sigs.example.com/ns/app'), digest, [Buffer.from('x')]), (err: unknown) => {
      assert.ok(isImageError(err, 'signatures-unsupported'), String(err));
      assert.match(err.message, /https lookaside https:\/\/sigs\.example\.com\/ns\/app is not supported/);
      assert.doesNotMatch(err.message, /secret/);
      return true;
    });
  });
});
