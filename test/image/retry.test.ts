// The retry policy's arithmetic: which answers are retried and how long to
// wait, Retry-After (seconds or HTTP date) first, back-off doubling to a cap.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isImageError, parseCreds } from '../../src/image/index.js';
import { isRetryableNetworkError, isRetryableStatus, retryDelayMs } from '../../src/image/registry/retry.js';

const POLICY = { attempts: 5, initialDelayMs: 2000, maxDelayMs: 60_000 };

describe('retry policy', () => {
  it('retries 429 and 5xx except 501/505, and reset connections but not refused ones', () => {
    assert.deepEqual([429, 500, 502, 503, 504, 501, 505, 404, 401].map(isRetryableStatus), [true, true, true, true, true, false, false, false, false]);
    assert.equal(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' })), true);
    assert.equal(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), false);
  });

  it('doubles from the first delay up to the cap; Retry-After wins, in seconds or as a date', () => {
    assert.deepEqual([1, 2, 3, 6].map((a) => retryDelayMs(POLICY, a)), [2000, 4000, 8000, 60_000]);
    assert.equal(retryDelayMs(POLICY, 1, '7'), 7000);
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    assert.ok(Math.abs(retryDelayMs(POLICY, 1, inTenSeconds) - 10_000) < 1500);
    assert.equal(retryDelayMs(POLICY, 1, '3600'), 60_000);
    assert.equal(retryDelayMs(POLICY, 2, 'soon'), 4000);
  });
});

describe('parseCreds()', () => {
  it('splits user:password at the first colon and refuses a bare user', () => {
    assert.deepEqual(parseCreds('u:p:q'), { username: 'u', password: 'p:q' });
    assert.throws(() => parseCreds('u'), (err) => isImageError(err, 'credentials-invalid'));
  });
});
