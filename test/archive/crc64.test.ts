// The addon's CRC-64/ISO (tar-split's content checksum) against a bit-at-a-time
// reference: every length around the table and folded paths' edges, unaligned
// starts, chained updates, and the catalogue check value.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { xattrAddon } from '../../src/archive/native.js';

const ISO_REFLECTED = 0xD800000000000000n;
const MASK = 0xFFFFFFFFFFFFFFFFn;

/** Go's crc64.Update(ISO table) one bit at a time; `state` as Sum() bytes. */
function referenceUpdate(state: Buffer, data: Buffer): Buffer {
  let crc = ~state.readBigUInt64BE(0) & MASK;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit++) crc = crc & 1n ? (crc >> 1n) ^ ISO_REFLECTED : crc >> 1n;
  }
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(~crc & MASK);
  return out;
}

describe('crc64Update', () => {
  it('gives the CRC-64/GO-ISO check value for "123456789"', () => {
    const state = Buffer.alloc(8);
    xattrAddon.crc64Update(state, Buffer.from('123456789'));
    assert.equal(state.toString('hex'), 'b90956c775a41001');
  });

  it('matches the bitwise reference for every length up to 300 and unaligned starts, from any state', () => {
    const source = randomBytes(600);
    for (let length = 0; length <= 300; length++) {
      for (const offset of [0, 1, 5]) {
        const data = source.subarray(offset, offset + length);
        const start = randomBytes(8);
        const state = Buffer.from(start);
        xattrAddon.crc64Update(state, data);
        assert.deepEqual(state, referenceUpdate(start, data), `length ${length}, offset ${offset}`);
      }
    }
  });

  it('gives the same sum for a buffer fed whole or in uneven pieces', () => {
    const data = randomBytes(20_003);
    const whole = Buffer.alloc(8);
    xattrAddon.crc64Update(whole, data);
    const pieces = Buffer.alloc(8);
    for (let at = 0; at < data.length; at += 777) xattrAddon.crc64Update(pieces, data.subarray(at, at + 777));
    assert.deepEqual(pieces, whole);
    assert.deepEqual(whole, referenceUpdate(Buffer.alloc(8), data));
  });
});
