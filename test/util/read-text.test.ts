// readTextSync: ASCII files through the textfile addon's external strings,
// anything else decoded as UTF-8, errors as Node's fs gives them.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isErrno, readTextSync } from '../../src/util/index.js';

describe('readTextSync', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-read-text-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, bytes: Buffer | string): string => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };

  it('reads an ASCII file, small or of several megabytes, as it is', () => {
    assert.equal(readTextSync(file('small.json', '[{"id":"a"}]')), '[{"id":"a"}]');
    const big = JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ id: i.toString(16).padStart(64, '0'), names: [`n${i}`] })));
    assert.ok(big.length > 1_500_000);
    const text = readTextSync(file('big.json', big));
    assert.equal(text, big);
    assert.equal((JSON.parse(text) as unknown[]).length, 20_000);
  });

  it('decodes a file with bytes above 0x7f as UTF-8', () => {
    assert.equal(readTextSync(file('utf8.json', '{"name":"café ✓"}')), '{"name":"café ✓"}');
    // A lone Latin-1 byte is not UTF-8: it reads as U+FFFD, as Node's decoder gives it.
    assert.equal(readTextSync(file('latin1.txt', Buffer.from([0x61, 0xe9]))), 'a\ufffd');
  });

  it('reads files whose size stat() does not tell (procfs), growing its buffer past one page and past a mapping', () => {
    for (const path of ['/proc/cpuinfo', '/proc/kallsyms']) assert.equal(readTextSync(path), readFileSync(path, 'utf8'), path);
    assert.ok(readTextSync('/proc/kallsyms').length > 65_536);
  });

  it('reads an empty file as the empty string', () => {
    assert.equal(readTextSync(file('empty', '')), '');
  });

  it('throws fs-style errors: ENOENT with the path, EISDIR', () => {
    assert.throws(() => readTextSync(join(dir, 'missing')), (err) => isErrno(err, 'ENOENT') && (err as NodeJS.ErrnoException).path === join(dir, 'missing'));
    assert.throws(() => readTextSync(dir), (err) => isErrno(err, 'EISDIR'));
  });
});
