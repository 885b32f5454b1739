// Manifest type detection and validation, platform choice from an index,
// and WWW-Authenticate parsing: the pure parts of the registry client.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chooseIndexEntry, isImageError, manifestMediaType, MEDIA_TYPE, parseIndex, parseManifest } from '../../src/image/index.js';
import { parseChallenges } from '../../src/image/registry/index.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;
const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('manifestMediaType() and parseManifest()', () => {
  const manifest = json({ schemaVersion: 2, config: { mediaType: MEDIA_TYPE.ociConfig, digest: D('a'), size: 2 }, layers: [{ digest: D('b'), size: 3 }] });

  it('takes a manifest Content-Type, else the mediaType field, else the shape', () => {
    assert.equal(manifestMediaType(manifest, `${MEDIA_TYPE.dockerManifest}; charset=utf-8`), MEDIA_TYPE.dockerManifest);
    assert.equal(manifestMediaType(json({ mediaType: MEDIA_TYPE.dockerList, schemaVersion: 2, manifests: [] }), 'application/json'), MEDIA_TYPE.dockerList);
    assert.equal(manifestMediaType(manifest, 'text/plain'), MEDIA_TYPE.ociManifest);
    assert.equal(manifestMediaType(json({ schemaVersion: 2, manifests: [] })), MEDIA_TYPE.ociIndex);
  });

  it('refuses schema1 and unknown types with manifest-unsupported', () => {
    assert.throws(() => manifestMediaType(json({ schemaVersion: 1, fsLayers: [] })), (err) => isImageError(err, 'manifest-unsupported'));
    assert.throws(() => manifestMediaType(manifest, 'application/vnd.example.thing'), (err) => isImageError(err, 'manifest-unsupported') && /vnd.example.thing/.test(err.message));
  });

  it('validates descriptors before anything uses them', () => {
    assert.equal(parseManifest(manifest, MEDIA_TYPE.ociManifest).layers[0]?.size, 3);
    const bad = json({ schemaVersion: 2, config: { digest: 'sha256:../../etc', size: 1 }, layers: [] });
    assert.throws(() => parseManifest(bad, MEDIA_TYPE.ociManifest), (err) => isImageError(err, 'manifest-invalid') && /config.digest/.test(err.message));
    const negative = json({ schemaVersion: 2, config: { digest: D('a'), size: -1 }, layers: [] });
    assert.throws(() => parseManifest(negative, MEDIA_TYPE.ociManifest), (err) => isImageError(err, 'manifest-invalid'));
  });
});

describe('chooseIndexEntry()', () => {
  const index = parseIndex(json({
    schemaVersion: 2,
    manifests: [
      { digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { digest: D('3'), size: 1, platform: { os: 'linux', architecture: 'arm64' } },
      { digest: D('4'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { digest: D('5'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { digest: D('6'), size: 1, platform: { os: 'windows', architecture: 'amd64' } },
    ],
  }), MEDIA_TYPE.ociIndex);

  it('prefers the exact variant, then older compatible ones, then none', () => {
    assert.equal(chooseIndexEntry(index, { os: 'linux', architecture: 'arm', variant: 'v7' }).digest, D('2'));
    assert.equal(chooseIndexEntry(index, { os: 'linux', architecture: 'arm', variant: 'v8' }).digest, D('2'));
    assert.equal(chooseIndexEntry(index, { os: 'linux', architecture: 'arm', variant: 'v6' }).digest, D('1'));
    assert.equal(chooseIndexEntry(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }).digest, D('4'));
    assert.equal(chooseIndexEntry(index, { os: 'linux', architecture: 'arm64' }).digest, D('3'));
    assert.equal(chooseIndexEntry(index, { os: 'windows', architecture: 'amd64' }).digest, D('6'));
  });

  it('names what the index offers when nothing fits', () => {
    assert.throws(() => chooseIndexEntry(index, { os: 'linux', architecture: 'arm', variant: 'v5' }),
      (err) => isImageError(err, 'no-matching-platform') && /linux\/arm\/v5/.test(err.message) && /linux\/arm64\/v8/.test(err.message));
  });
});

describe('parseChallenges()', () => {
  it('reads Bearer parameters, quoted commas included, and several challenges in one header', () => {
    assert.deepEqual(parseChallenges('Bearer realm="https://auth.example/token",service="reg",scope="repository:a/b:pull,push"'), [
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg', scope: 'repository:a/b:pull,push' } },
    ]);
    assert.deepEqual(parseChallenges(['Basic realm="r1"', 'Bearer realm="x", error="insufficient_scope"']).map((c) => [c.scheme, c.params]), [
      ['basic', { realm: 'r1' }], ['bearer', { realm: 'x', error: 'insufficient_scope' }],
    ]);
    assert.deepEqual(parseChallenges('Basic realm="a", Bearer realm="b"').map((c) => c.scheme), ['basic', 'bearer']);
  });
});
