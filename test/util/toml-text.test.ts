// blankTomlCommentLines: the shipped storage.conf and tricky texts parse to
// the same document with and without it; parse errors keep their line.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'smol-toml';
import { blankTomlCommentLines } from '../../src/util/index.js';

const SHIPPED_STORAGE_CONF = '/usr/share/containers/storage.conf';

describe('blankTomlCommentLines', () => {
  it('leaves the shipped storage.conf meaning the same, in far fewer characters', { skip: !existsSync(SHIPPED_STORAGE_CONF) && 'containers-storage is not installed' }, () => {
    const text = readFileSync(SHIPPED_STORAGE_CONF, 'utf8');
    const blanked = blankTomlCommentLines(text);
    assert.deepEqual(parse(blanked), parse(text));
    assert.equal(blanked.split('\n').length, text.split('\n').length);
    assert.ok(blanked.length < text.length / 4, `${blanked.length} of ${text.length} characters left`);
  });

  it('blanks whole-line comments, indented ones and those inside arrays, and keeps values with # in them', () => {
    const text = [
      '# top',
      '[storage]',
      '  # indented',
      'driver = "overlay" # after a value',
      'graphroot = "/var/lib/#not-a-comment"',
      'additionalimagestores = [',
      '  # inside an array',
      '  "/a",',
      ']',
      '\t#tab',
      'runroot = \'/run/#x\'\r',
      '# crlf\r',
      '',
    ].join('\n');
    const blanked = blankTomlCommentLines(text);
    assert.deepEqual(parse(blanked), parse(text));
    assert.deepEqual(JSON.parse(JSON.stringify(parse(blanked))), { storage: { driver: 'overlay', graphroot: '/var/lib/#not-a-comment', additionalimagestores: ['/a'], runroot: '/run/#x' } });
    assert.doesNotMatch(blanked, /top|indented|inside|tab|crlf/);
  });

  it('leaves a text with a multi-line string as it is: a # line may be part of the string', () => {
    for (const quote of ['"""', "'''"]) {
      const text = `[a]\nb = ${quote}\n# kept\n${quote}\n# a comment\n`;
      assert.equal(blankTomlCommentLines(text), text);
      assert.equal((parse(blankTomlCommentLines(text)) as { a: { b: string } }).a.b, '# kept\n');
    }
  });

  it('keeps the line of a parse error', () => {
    const text = '# one\n# two\n[storage]\ndriver = \n';
    const lineOf = (source: string): number | undefined => {
      try {
        parse(source);
      } catch (err) {
        return (err as { line?: number }).line;
      }
      return undefined;
    };
    assert.equal(lineOf(blankTomlCommentLines(text)), 4);
    assert.equal(lineOf(blankTomlCommentLines(text)), lineOf(text));
  });
});
