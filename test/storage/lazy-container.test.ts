// containers.json read record by record (record-split.ts) and decoded lazily
// (lazy-container.ts): the records equal those of a whole decode, whatever the
// file's shape, and a bad field is still a load error naming the file.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeContainerFile } from '../../src/storage/lazy-container.js';
import { copyContainer } from '../../src/storage/record-copy.js';
import { decodeContainer, encodeContainer, parseRecordArray } from '../../src/storage/record-json.js';
import { forEachArrayElement, objectEnd } from '../../src/storage/record-split.js';
import { isStorageError } from '../../src/storage/index.js';
import type { Container } from '../../src/storage/types.js';

const PATH = '/x/containers.json';
const ID = (n: number) => n.toString(16).padStart(64, 'c');

/** Records as Go writes them, one with every field and some with characters JSON escapes. */
const RECORDS: Container[] = [
  {
    id: ID(1), names: ['web', 'w"eird]'], imageId: ID(2), layerId: ID(3), metadata: '{"image-name":"busybox","pod":"]}{"}',
    bigDataNames: ['config', 'state'], bigDataSizes: { config: 10, state: 2 }, bigDataDigests: { config: 'sha256:a', state: 'sha256:b' },
    created: '2026-12-04T10:00:00.123456789Z', uidMap: [{ containerId: 0, hostId: 100000, size: 65536 }],
    gidMap: [{ containerId: 0, hostId: 100000, size: 65536 }], flags: { MountLabel: '', ProcessLabel: '', MountOpts: ['nodev', 'x]'] },
  },
  { id: ID(4), names: [], imageId: '', layerId: ID(5), bigDataNames: [], bigDataSizes: {}, bigDataDigests: {}, created: '2026-12-04T10:00:01Z' },
  { id: ID(6), names: ['caf\u00e9', 'tab\there'], imageId: ID(2), layerId: ID(7), bigDataNames: [], bigDataSizes: {}, bigDataDigests: {}, created: '2026-12-04T10:00:02Z', flags: { MountLabel: 'x' } },
];
const GO_FILE = `[${RECORDS.map(encodeContainer).join(',')}]`;

/** Every record of `text` as the store reads it. */
function readLazily(text: string): Container[] {
  const records = decodeContainerFile(text, PATH);
  assert.ok(records, 'the file is read record by record');
  return records;
}

const readWhole = (text: string): Container[] => parseRecordArray(text, PATH).map((raw) => decodeContainer(raw, PATH));

test('records split from a file Go wrote equal a whole decode, and encode back byte for byte', () => {
  const records = readLazily(GO_FILE);
  assert.deepEqual(records.map(copyContainer), readWhole(GO_FILE));
  assert.equal(`[${records.map(encodeContainer).join(',')}]`, GO_FILE);
});

test('a file in another shape (white space, key order, key case, escapes in names) reads the same either way', () => {
  const shuffled = '[\n  {"Names": ["a"], "ID": "i1", "created": "2026-12-04T10:00:00Z", "layer": "l", "image": ""},\n' +
    '  {"id": "i2", "names": ["\\u0062"], "image": "", "layer": "l2", "created": "2026-12-04T10:00:00Z"},\n' +
    '  {"id":"i3","image":"","layer":"l3","names":["late"],"created":"2026-12-04T10:00:00Z"}\n]\n';
  assert.deepEqual(readLazily(shuffled).map(copyContainer), readWhole(shuffled));
  assert.deepEqual(readLazily(shuffled).map((c) => c.names), [['a'], ['b'], ['late']]);
});

test('what is not a flat array of objects is declined, and the store then parses it whole', () => {
  const declined = (text: string) => !forEachArrayElement(text, (start) => objectEnd(text, start));
  assert.ok(declined(''));
  assert.ok(declined('null'));
  assert.ok(declined('{"id":"x"}'));
  assert.ok(declined('[{"id":"x"}] trailing'));
  assert.ok(declined('[{"id":"x"},]'));
  assert.ok(declined('[{"id":"x"'));
  assert.ok(declined('[{"id":"x","flags":{"a":[{"b":[1]}]}}]'), 'nesting deeper than a record needs');
  assert.ok(!declined('[]'));
  assert.ok(!declined(' [ ] '));
  assert.ok(!declined('[{"id":"x","flags":{"a":[{"b":1}]}}]'));
  assert.equal(decodeContainerFile('[{"id":"x","flags":{"a":[{"b":[{"c":[1]}]}]}}]', PATH), undefined);
});

test('records with keys Go would not write where they are decoded whole, and the later key wins as in Go', () => {
  const repeated = `[${encodeContainer(RECORDS[1]!).slice(0, -1)},"names":["second"]}]`;
  assert.deepEqual(readLazily(repeated)[0]!.names, ['second']);
  assert.deepEqual(readLazily(repeated).map(copyContainer), readWhole(repeated));
});

test('a field of the wrong type is a load error naming the file: at load, or when first read', () => {
  const badTime = GO_FILE.replace('"created":"2026-12-04T10:00:01Z"', '"created":5');
  assert.throws(() => readLazily(badTime), (err) => isStorageError(err, 'load-error') && err.message.includes(PATH));
  const withData = `[${encodeContainer({ ...RECORDS[1]!, bigDataNames: ['config'], bigDataSizes: { config: 1 }, bigDataDigests: { config: 'sha256:x' } })}]`;
  const badSize = withData.replace('"big-data-sizes":{"config":1}', '"big-data-sizes":{"config":"one"}');
  assert.notEqual(badSize, withData);
  const [first] = readLazily(badSize);
  assert.equal(first!.id, ID(4), 'the head is read without the rest');
  assert.deepEqual(first!.bigDataNames, ['config']);
  assert.throws(() => first!.bigDataSizes, (err) => isStorageError(err, 'load-error') && err.message.includes(PATH) && err.message.includes('"big-data-sizes"'));
  assert.throws(() => readWhole(badSize), (err) => isStorageError(err, 'load-error'));
});

test('names and big-data names changed before the rest is decoded stay changed', () => {
  const [first] = readLazily(GO_FILE);
  first!.names = ['renamed'];
  first!.bigDataNames.push('extra');
  first!.bigDataSizes.extra = 1;
  assert.deepEqual(first!.names, ['renamed']);
  assert.deepEqual(first!.bigDataNames, ['config', 'state', 'extra']);
  assert.deepEqual(first!.bigDataSizes, { config: 10, state: 2, extra: 1 });
  first!.layerId = 'other';
  assert.equal(first!.layerId, 'other');
  assert.match(encodeContainer(first!), /^\{"id":"c+1","names":\["renamed"\],"image":"c+2","layer":"other",/);
});
