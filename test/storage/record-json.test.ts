import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeContainer, decodeImage, decodeLayer, encodeContainer, encodeImage, encodeLayer, parseRecordArray,
} from '../../src/storage/record-json.js';
import { isStorageError } from '../../src/storage/index.js';

const roundTrip = {
  layer: (text: string) => encodeLayer(decodeLayer(JSON.parse(text), 'layers.json')),
  image: (text: string) => encodeImage(decodeImage(JSON.parse(text), 'images.json')),
  container: (text: string) => encodeContainer(decodeContainer(JSON.parse(text), 'containers.json')),
};

test('a layer imported by the Go CLI re-encodes to the same bytes', () => {
  const go =
    '{"id":"1a90","names":["baselayer"],"created":"2026-11-25T15:52:23.47744273Z","compressed-diff-digest":"sha256:c108","compressed-size":272,' +
    '"diff-digest":"sha256:d742","diff-size":10240,"compression":2,"uidset":[0,1000],"gidset":[0,1001],"big-data-names":["ldata","L/x"]}';
  assert.equal(roundTrip.layer(go), go);
});

test('created is never omitted: a record without one gets the zero time', () => {
  assert.equal(roundTrip.layer('{"id":"x"}'), '{"id":"x","created":"0001-01-01T00:00:00Z"}');
});

test('keys are matched without regard to case and written in Go spelling; unknown keys are dropped', () => {
  assert.equal(roundTrip.layer('{"ID":"x","Metadata":"m","created":"0001-01-01T00:00:00Z","bogus":1}'), '{"id":"x","metadata":"m","created":"0001-01-01T00:00:00Z"}');
});

test('flags are kept, nested maps written with sorted keys, big numbers as float64', () => {
  const text = '{"id":"x","created":"0001-01-01T00:00:00Z","flags":{"z":{"b":1,"a":[true,null]},"a":12345678901234567890,"incomplete":true}}';
  assert.equal(roundTrip.layer(text), '{"id":"x","created":"0001-01-01T00:00:00Z","flags":{"a":12345678901234567000,"incomplete":true,"z":{"a":[true,null],"b":1}}}');
});

test('strings use Go escaping: <, >, &, U+2028 as \\u escapes; / and non-ASCII raw', () => {
  assert.equal(roundTrip.layer('{"id":"x","metadata":"<a&b>/é\\u2028\\u0001","created":"0001-01-01T00:00:00Z"}'),
    '{"id":"x","metadata":"\\u003ca\\u0026b\\u003e/é\\u2028\\u0001","created":"0001-01-01T00:00:00Z"}');
});

test('trailing zeros of the time fraction are trimmed as Go does', () => {
  assert.equal(roundTrip.layer('{"id":"x","created":"2026-01-01T00:00:00.120000000Z"}'), '{"id":"x","created":"2026-01-01T00:00:00.12Z"}');
  assert.equal(roundTrip.layer('{"id":"x","created":"2026-01-01T00:00:00.000Z"}'), '{"id":"x","created":"2026-01-01T00:00:00Z"}');
});

test('an image writes its fields in Go order with sorted maps and empty ones omitted', () => {
  const text = '{"created":"2026-01-01T00:00:00Z","big-data-digests":{"b":"sha256:2","a":"sha256:1"},"big-data-sizes":{"b":2,"a":1},' +
    '"big-data-names":["b","a"],"layer":"L","names-history":["n"],"names":["n"],"id":"i","flags":{}}';
  assert.equal(roundTrip.image(text),
    '{"id":"i","names":["n"],"names-history":["n"],"layer":"L","big-data-names":["b","a"],"big-data-sizes":{"a":1,"b":2},' +
    '"big-data-digests":{"a":"sha256:1","b":"sha256:2"},"created":"2026-01-01T00:00:00Z"}');
});

test('a container always writes image and layer, even empty', () => {
  assert.equal(roundTrip.container('{"id":"c","created":"2026-01-01T00:00:00Z","flags":{"ProcessLabel":"","MountLabel":""}}'),
    '{"id":"c","image":"","layer":"","created":"2026-01-01T00:00:00Z","flags":{"MountLabel":"","ProcessLabel":""}}');
});

test('an empty file is an empty store; malformed JSON is a load error naming the file', () => {
  assert.deepEqual(parseRecordArray('', '/x/layers.json'), []);
  assert.throws(() => parseRecordArray('[{', '/x/layers.json'), (err) => isStorageError(err, 'load-error') && err.message.includes('/x/layers.json'));
  assert.throws(() => decodeLayer({ id: 5 }, '/x/layers.json'), (err) => isStorageError(err, 'load-error'));
});
