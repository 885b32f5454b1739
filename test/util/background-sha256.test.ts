// BackgroundSha256 hashes on the threadpool: the digest must equal node:crypto's
// whatever the chunking (empty input, chunks below and above the size that
// starts a job, chunks queued while a job runs), and misuse is refused.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { BackgroundSha256 } from '../../src/util/index.js';

const data = randomBytes(5 << 20);

async function digestOf(sizes: number[]): Promise<string> {
  const hash = new BackgroundSha256();
  let at = 0;
  for (const size of sizes) {
    hash.update(data.subarray(at, at + size));
    at += size;
  }
  return hash.digest();
}

function expected(sizes: number[]): string {
  const total = sizes.reduce((a, b) => a + b, 0);
  return 'sha256:' + createHash('sha256').update(data.subarray(0, total)).digest('hex');
}

describe('BackgroundSha256', () => {
  const cases: Record<string, number[]> = {
    'no input': [],
    'an empty chunk': [0],
    'one small chunk (no job until digest)': [100],
    'small chunks that add up past a job': Array.from({ length: 40 }, () => 16 << 10),
    'large chunks, queued while jobs run': [1 << 20, 3 << 20, 1, 65536, 1 << 20],
  };
  for (const [name, sizes] of Object.entries(cases)) {
    test(name, async () => assert.equal(await digestOf(sizes), expected(sizes)));
  }

  test('hashes in order when many hashers run at once', async () => {
    const sizes = [[1 << 20, 7, 2 << 20], [300 << 10, 300 << 10], [5 << 20]];
    const got = await Promise.all(sizes.map(digestOf));
    assert.deepEqual(got, sizes.map(expected));
  });

  test('refuses updates after digest, a second digest and non-bytes', async () => {
    const hash = new BackgroundSha256();
    hash.update(data.subarray(0, 10));
    const digest = hash.digest();
    assert.throws(() => hash.update(data.subarray(0, 10)), /update\(\) after digest\(\)/);
    await assert.rejects(hash.digest(), /digest\(\) called twice/);
    assert.equal(await digest, expected([10]));
    assert.throws(() => new BackgroundSha256().update('text' as unknown as Uint8Array), TypeError);
  });
});
