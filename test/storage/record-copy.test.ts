// The record copies the Store hands out: equal to the record, sharing no array
// or object with it. The fixtures set every field (Required<…>), so a field
// added to a record type fails to compile here until it is set, and then fails
// the test until record-copy.ts copies it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { copyContainer, copyImage, copyLayer } from '../../src/storage/record-copy.js';
import type { Container, Image, Layer } from '../../src/storage/types.js';

const flags = () => ({ MountLabel: 'x', nested: { list: [1, { deep: true }] } });
const idMap = () => [{ containerId: 0, hostId: 100000, size: 65536 }];

const layer: Required<Layer> = {
  id: 'l', names: ['n'], parent: 'p', metadata: 'm', mountLabel: 'ml', created: '2026-01-01T00:00:00Z',
  compressedDigest: 'sha256:c', compressedSize: 1, uncompressedDigest: 'sha256:u', uncompressedSize: 2, compressionType: 1,
  uidSet: [0], gidSet: [0], flags: flags(), uidMap: idMap(), gidMap: idMap(), bigDataNames: ['b'],
  mountPoint: '/m', mountCount: 1, readOnly: false,
};
const image: Required<Image> = {
  id: 'i', digest: 'sha256:d', digests: ['sha256:d'], names: ['n'], namesHistory: ['h'], topLayer: 'l', mappedTopLayers: ['ml'],
  metadata: 'm', bigDataNames: ['manifest'], bigDataSizes: { manifest: 2 }, bigDataDigests: { manifest: 'sha256:m' },
  created: '2026-01-01T00:00:00Z', flags: flags(), readOnly: false,
};
const container: Required<Container> = {
  id: 'c', names: ['n'], imageId: 'i', layerId: 'l', metadata: 'm', bigDataNames: ['config'], bigDataSizes: { config: 1 },
  bigDataDigests: { config: 'sha256:x' }, created: '2026-01-01T00:00:00Z', uidMap: idMap(), gidMap: idMap(), flags: flags(),
};

/** Every object reachable from `value`, with its path. */
function objectsIn(value: unknown, path = '', found = new Map<object, string>()): Map<object, string> {
  if (typeof value === 'object' && value !== null) {
    found.set(value, path || '(record)');
    for (const [key, member] of Object.entries(value)) objectsIn(member, `${path}.${key}`, found);
  }
  return found;
}

for (const [kind, record, copy] of [
  ['layer', layer, copyLayer],
  ['image', image, copyImage],
  ['container', container, copyContainer],
] as const) {
  test(`a copied ${kind} equals the record and shares no array or object with it`, () => {
    const copied = (copy as (r: typeof record) => typeof record)(record);
    assert.deepEqual(copied, record);
    const original = objectsIn(record);
    const shared = [...objectsIn(copied).entries()].filter(([object]) => original.has(object)).map(([, path]) => path);
    assert.deepEqual(shared, []);
  });
}

test('a field the record does not have is not added by the copy', () => {
  const bare: Container = { id: 'c', names: [], imageId: '', layerId: 'l', bigDataNames: [], bigDataSizes: {}, bigDataDigests: {}, created: '' };
  assert.deepEqual(Object.keys(copyContainer(bare)), Object.keys(bare));
});
