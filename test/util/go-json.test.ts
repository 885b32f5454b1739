// goJsonStringify and sortedMap write what Go's encoding/json (json-iterator,
// std-compatible) writes, on the fast native path and on the exact one alike.
// Expected texts follow Go's rules: HTML characters and U+2028/U+2029 escaped,
// lone surrogates as U+FFFD, control characters other than \n \r \t as \u00XX,
// map keys in UTF-8 byte order.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { goJsonStringify, goTimeOf, isoTime, sortedMap } from '../../src/util/index.js';

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

describe('goTimeOf', () => {
  test('writes UTC as RFC 3339 with nanoseconds, trailing zeros of the fraction trimmed, for any date Date can hold from year 1 to 9999', () => {
    const samples = [
      Date.UTC(1, 0, 1), Date.UTC(1969, 11, 31, 23, 59, 59, 999), Date.UTC(1970, 0, 1), Date.UTC(2000, 1, 29, 12, 0, 0, 100),
      Date.UTC(2100, 1, 28, 23, 59, 59, 10), Date.UTC(2400, 1, 29), Date.UTC(9999, 11, 31, 23, 59, 59, 999),
    ];
    for (let i = 0; i < 2000; i++) samples.push(Date.UTC(1, 0, 1) + Math.floor(Math.random() * (Date.UTC(9999, 11, 31) - Date.UTC(1, 0, 1))));
    for (const ms of samples) {
      const iso = new Date(ms).toISOString();
      const fraction = iso.slice(19, 23) === '.000' ? '' : iso.slice(19, 23).replace(/0+$/, '');
      assert.equal(goTimeOf(new Date(ms)), `${iso.slice(0, 19)}${fraction}Z`, `${ms}`);
    }
    assert.match(goTimeOf(undefined), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    assert.equal(goTimeOf('2026-12-04T10:00:00Z'), '2026-12-04T10:00:00Z');
  });
});

describe('isoTime', () => {
  test('is what Date#toISOString gives, from year 1 to 9999', () => {
    for (let i = 0; i < 2000; i++) {
      const ms = Date.UTC(1, 0, 1) + Math.floor(Math.random() * (Date.UTC(9999, 11, 31) - Date.UTC(1, 0, 1)));
      assert.equal(isoTime(ms), new Date(ms).toISOString(), `${ms}`);
    }
    assert.equal(isoTime(0), '1970-01-01T00:00:00.000Z');
    assert.equal(isoTime(-1), '1969-12-31T23:59:59.999Z');
  });
});
