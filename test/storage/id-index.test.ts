import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordIndex, applyNameOperation } from '../../src/storage/id-index.js';

function indexOf(...records: Array<{ id: string; names: string[] }>): RecordIndex<{ id: string; names: string[] }> {
  const index = new RecordIndex<{ id: string; names: string[] }>();
  for (const r of records) index.add(r);
  return index;
}

test('lookup tries the exact ID, then a name, then a unique ID prefix', () => {
  const a = { id: 'aaaa', names: ['bbbb'] };
  const b = { id: 'bbbb', names: [] };
  const index = indexOf(a, b);
  assert.equal(index.lookup('bbbb'), b);
  assert.equal(index.lookup('a'), a);
});

test('an ambiguous or empty prefix finds nothing', () => {
  const index = indexOf({ id: 'aaaa', names: [] }, { id: 'aaab', names: [] });
  assert.equal(index.lookup('aaa'), undefined);
  assert.equal(index.lookup(''), undefined);
});

test('IDs containing a space are not found by prefix', () => {
  const index = indexOf({ id: 'cc cc', names: [] });
  assert.equal(index.lookup('cc'), undefined);
  assert.ok(index.lookup('cc cc'));
});

test('setNames takes a name away from the record that held it', () => {
  const a = { id: 'a', names: ['x', 'y'] };
  const b = { id: 'b', names: [] };
  const index = indexOf(a, b);
  const losers: string[] = [];
  index.setNames(b, ['y'], (r) => losers.push(r.id));
  assert.deepEqual(a.names, ['x']);
  assert.equal(index.withName('y'), b);
  assert.deepEqual(losers, ['a']);
});

test('name operations: add puts new names first, remove keeps the rest, all deduplicated', () => {
  assert.deepEqual(applyNameOperation(['a', 'b'], ['c', 'a'], 'add'), ['c', 'a', 'b']);
  assert.deepEqual(applyNameOperation(['a', 'b', 'c'], ['b'], 'remove'), ['a', 'c']);
  assert.deepEqual(applyNameOperation(['a'], ['x', 'x'], 'set'), ['x']);
});
