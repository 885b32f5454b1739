import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bigDataFileName } from '../../src/storage/big-data-names.js';

test('keys of only ".", digits and lower-case letters are used as file names verbatim', () => {
  assert.equal(bigDataFileName('manifest'), 'manifest');
  assert.equal(bigDataFileName('a.b.9'), 'a.b.9');
});

test('other keys become "=" + standard base64 of the key, as the Go CLI writes them', () => {
  assert.equal(bigDataFileName('Key:X'), '=S2V5Olg=');
  assert.equal(bigDataFileName('L/x'), '=TC94');
  assert.equal(bigDataFileName('sha256:abc'), '=' + Buffer.from('sha256:abc').toString('base64'));
  assert.equal(bigDataFileName('signature-1'), '=' + Buffer.from('signature-1').toString('base64'));
});

test('a key whose only other character is its last one is kept (the Go scan quirk)', () => {
  assert.equal(bigDataFileName('abc-'), 'abc-');
  assert.equal(bigDataFileName('-'), '-');
  assert.equal(bigDataFileName('abcé'), 'abcé');
  assert.equal(bigDataFileName('abé.'), '=' + Buffer.from('abé.').toString('base64'));
});
