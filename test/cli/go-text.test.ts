// The Go text helpers of the CLI: strconv.Quote, time.ParseDuration, the layer tree.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGoDuration } from '../../src/util/index.js';
import { goStrconvQuote } from '../../src/cli/storage/go-quote.js';
import { printTree } from '../../src/cli/storage/tree.js';

describe('goStrconvQuote()', () => {
  it('escapes quotes, backslashes and control characters, keeps printable text', () => {
    assert.equal(goStrconvQuote('/etc/a"b\\c'), '"/etc/a\\"b\\\\c"');
    assert.equal(goStrconvQuote('a\nb\tc\x01\x7f'), '"a\\nb\\tc\\x01\\x7f"');
    assert.equal(goStrconvQuote('<&> é 日本'), '"<&> é 日本"');
  });
});

describe('parseGoDuration()', () => {
  it('reads Go duration syntax in milliseconds', () => {
    assert.equal(parseGoDuration('24h'), 86_400_000);
    assert.equal(parseGoDuration('1h30m'), 5_400_000);
    assert.equal(parseGoDuration('1.5s'), 1500);
    assert.equal(parseGoDuration('250ms'), 250);
    assert.equal(parseGoDuration('0'), 0);
  });

  it('refuses text that is not a duration', () => {
    assert.throws(() => parseGoDuration('10'), RangeError);
    assert.throws(() => parseGoDuration('1d'), /invalid duration "1d"/);
  });
});

describe('printTree()', () => {
  // Expected text taken from `containers-storage layers -t` on the same four layers.
  it('draws children with box stems, continuation bars and notes under their node', () => {
    const text = printTree([
      { left: '(base)', right: 'a', notes: ['name: base'] },
      { left: 'a', right: 'b', notes: [] },
      { left: 'a', right: 'c', notes: ['container: x'] },
      { left: 'b', right: 'd', notes: [] },
    ]);
    assert.equal(text, [
      '(base)',
      '└─a',
      '  name: base',
      '  ├─b',
      '  │ └─d',
      '  └─c',
      '    container: x',
      '',
    ].join('\n'));
  });
});
