// The addon's base64Encode (tar-split's raw segments, encoded into the writer's
// buffer) against Node's base64: parts split at every offset modulo 3, empty
// parts, padding, and a target too small.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { xattrAddon } from '../../src/archive/native.js';

describe('base64Encode', () => {
  it('encodes the concatenation of the parts at the offset, as Buffer#toString("base64")', () => {
    for (const sizes of [[], [0], [1], [2], [3], [1, 1], [2, 2, 2], [1, 0, 4], [512], [510, 2, 0, 1023], [5, 7, 11, 13]]) {
      const parts = sizes.map((size) => randomBytes(size));
      const expected = Buffer.concat(parts).toString('base64');
      const target = Buffer.alloc(expected.length + 6, '.');
      const end = xattrAddon.base64Encode(parts, target, 3);
      assert.equal(end, 3 + expected.length, `sizes ${sizes.join(',')}`);
      assert.equal(target.toString('latin1'), '...' + expected + '...', `sizes ${sizes.join(',')}`);
    }
  });

  it('throws a RangeError, writing nothing, when the target cannot hold the encoding', () => {
    const target = Buffer.alloc(8, '.');
    assert.throws(() => xattrAddon.base64Encode([Buffer.alloc(4)], target, 1), RangeError);
    assert.equal(target.toString('latin1'), '........');
  });
});
