// copyPlain: the deep copy of records the store hands to callers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyPlain } from '../../src/util/index.js';

test('a copied record shares no array or object with the original', () => {
  const record = { id: 'a', names: ['web'], sizes: { k: 1 }, flags: { nested: { list: [1, { deep: true }] } }, metadata: undefined };
  const copy = copyPlain(record);
  assert.deepEqual(copy, record);
  assert.ok(Object.hasOwn(copy, 'metadata'), 'an undefined member is kept as a member');
  copy.names.push('db');
  copy.sizes.k = 2;
  (copy.flags.nested.list[1] as { deep: boolean }).deep = false;
  assert.deepEqual(record, { id: 'a', names: ['web'], sizes: { k: 1 }, flags: { nested: { list: [1, { deep: true }] } }, metadata: undefined });
});

test('a "__proto__" key read from JSON stays a key and sets no prototype', () => {
  const flags = JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown>;
  const copy = copyPlain(flags);
  assert.equal(Object.getPrototypeOf(copy), Object.prototype);
  assert.deepEqual(Object.keys(copy), ['__proto__', 'x']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { polluted: true });
  assert.equal((copy as { polluted?: boolean }).polluted, undefined);
});

test('a value that is not JSON-shaped is copied by structuredClone', () => {
  const data = Buffer.from('bytes');
  const copy = copyPlain({ data, when: new Date(0) });
  assert.notEqual(copy.data, data);
  assert.deepEqual([...copy.data], [...data]);
  assert.equal(copy.when.getTime(), 0);
});
