// goJsonStringify and sortedMap write what Go's encoding/json (json-iterator,
// std-compatible) writes, on the fast native path and on the exact one alike.
// Expected texts follow Go's rules: HTML characters and U+2028/U+2029 escaped,
// lone surrogates as U+FFFD, control characters other than \n \r \t as \u00XX,
// map keys in UTF-8 byte order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJsonStringify, sortedMap } from '../../src/util/index.js';

describe('goJsonStringify', () => {
  test('plain records: insertion order, undefined members skipped, nil as null', () => {
    assert.equal(goJsonStringify({ id: 'a', names: ['x', 'y'], skip: undefined, n: 3, ok: true, none: null }), '{"id":"a","names":["x","y"],"n":3,"ok":true,"none":null}');
    assert.equal(goJsonStringify(undefined), 'null');
    assert.equal(goJsonStringify([undefined, 1]), '[null,1]');
  });

  test('HTML characters and line separators are escaped as Go does', () => {
    assert.equal(goJsonStringify({ m: 'a<b>&c\u2028\u2029' }), '{"m":"a\\u003cb\\u003e\\u0026c\\u2028\\u2029"}');
    // The same character inside a key.
    assert.equal(goJsonStringify({ '<k>': 1 }), '{"\\u003ck\\u003e":1}');
  });

  test('control characters: \\n \\r \\t short, the others \\u00XX (no \\b, no \\f)', () => {
    assert.equal(goJsonStringify('\n\r\t\b\f\u0001'), '"\\n\\r\\t\\u0008\\u000c\\u0001"');
  });

  test('a lone surrogate becomes U+FFFD; a pair stays as it is', () => {
    assert.equal(goJsonStringify('a\ud800b'), '"a\ufffdb"');
    assert.equal(goJsonStringify('\u{1f600}'), '"\u{1f600}"');
  });

  test('a backslash before b or u is kept exact (the fast path only defers to the exact one)', () => {
    assert.equal(goJsonStringify('C:\\bin\\ud800'), '"C:\\\\bin\\\\ud800"');
  });

  test('bigints are written as their digits', () => {
    assert.equal(goJsonStringify({ size: 18446744073709551615n }), '{"size":18446744073709551615}');
  });

  test('non-ASCII text is written raw, as UTF-8 JSON', () => {
    assert.equal(goJsonStringify({ name: 'café' }), '{"name":"café"}');
  });
});

describe('sortedMap', () => {
  test('keys in UTF-8 byte order: ASCII, then BMP, with U+E000 before a supplementary character', () => {
    const keys = ['\u{1f600}', '\ue000', 'b', 'B', 'é', 'a', 'ab'];
    assert.deepEqual(Object.keys(sortedMap(Object.fromEntries(keys.map((k) => [k, 1])))), ['B', 'a', 'ab', 'b', 'é', '\ue000', '\u{1f600}']);
  });
});
