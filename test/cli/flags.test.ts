// parseFlags(): the containers-storage (mflag) command-line rules.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FlagError, parseFlags, type FlagSpec } from '../../src/cli/storage/flags.js';

const SPECS: FlagSpec[] = [
  { names: ['json', 'j'], kind: 'bool', help: '' },
  { names: ['file', 'f'], kind: 'string', help: '' },
  { names: ['name', 'n'], kind: 'list', help: '' },
  { names: ['bzip2', 'bz2', 'b'], kind: 'bool', help: '' },
];

describe('parseFlags()', () => {
  it('reads long and short names into the first name', () => {
    const parsed = parseFlags(['--json', '-f', 'x.tar', 'arg'], SPECS);
    assert.equal(parsed.values.get('json'), true);
    assert.equal(parsed.values.get('file'), 'x.tar');
    assert.deepEqual(parsed.rest, ['arg']);
  });

  it('takes inline values and explicit booleans', () => {
    const parsed = parseFlags(['--file=a=b', '-j=false', '--bz2'], SPECS);
    assert.equal(parsed.values.get('file'), 'a=b');
    assert.equal(parsed.values.get('json'), false);
    assert.equal(parsed.values.get('bzip2'), true);
  });

  it('collects a repeated list flag in order', () => {
    const parsed = parseFlags(['-n', 'a', '--name', 'b', '--name=c'], SPECS);
    assert.deepEqual(parsed.values.get('name'), ['a', 'b', 'c']);
  });

  it('stops at the first positional argument, as mflag does', () => {
    const parsed = parseFlags(['id', '--json'], SPECS);
    assert.equal(parsed.values.has('json'), false);
    assert.deepEqual(parsed.rest, ['id', '--json']);
  });

  it('stops after -- and keeps a lone - as an argument', () => {
    assert.deepEqual(parseFlags(['--', '-j'], SPECS).rest, ['-j']);
    assert.deepEqual(parseFlags(['-', '-j'], SPECS).rest, ['-', '-j']);
  });

  it('refuses a long name with one dash and a short name with two', () => {
    assert.throws(() => parseFlags(['-json'], SPECS), (err) => err instanceof FlagError && err.message === 'flag provided but not defined: -json');
    assert.throws(() => parseFlags(['--j'], SPECS), FlagError);
  });

  it('refuses an unknown flag and a string flag without a value', () => {
    assert.throws(() => parseFlags(['--nope'], SPECS), /flag provided but not defined: --nope/);
    assert.throws(() => parseFlags(['--file'], SPECS), /flag needs an argument: --file/);
    assert.throws(() => parseFlags(['--json=maybe'], SPECS), /invalid boolean value/);
  });

  it('reports --help and -h', () => {
    assert.equal(parseFlags(['--help'], SPECS).help, true);
    assert.equal(parseFlags(['-h'], SPECS).help, true);
  });
});
