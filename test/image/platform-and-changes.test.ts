// Pure parts of the image module: platform choice from an index, media type
// detection with schema 1 refused, storage names, --change edits, layer IDs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyConfigChanges, choosePlatform, isImageError, layerIdsFor, normalizeDockerName, parseImageReference, type ImageIndex } from '../../src/image/index.js';
import { manifestMediaType } from '../../src/image/manifest/index.js';
import { containersImageLayerIds } from '../helpers/oci-image.js';

const entry = (architecture: string, variant?: string) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture.padEnd(64, '0').replace(/[^0-9a-f]/g, 'a')}`, size: 1,
  platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
});

describe('choosePlatform', () => {
  const index: ImageIndex = { schemaVersion: 2, manifests: [entry('amd64'), entry('arm', 'v6'), entry('arm', 'v7'), entry('arm64', 'v8')] };

  it('takes the exact os/architecture/variant', () => {
    assert.equal(choosePlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }).platform?.variant, 'v7');
  });

  it('falls back to an older compatible variant (arm v8 runs v7)', () => {
    assert.equal(choosePlatform(index, { os: 'linux', architecture: 'arm', variant: 'v8' }).platform?.variant, 'v7');
  });

  it('takes arm64/v8 for arm64 without a variant', () => {
    assert.equal(choosePlatform(index, { os: 'linux', architecture: 'arm64' }).platform?.architecture, 'arm64');
  });

  it('refuses with no-matching-platform naming what the index offers', () => {
    assert.throws(() => choosePlatform(index, { os: 'linux', architecture: 's390x' }), (err) => isImageError(err, 'no-matching-platform') && /linux\/arm\/v6/.test(err.message));
  });
});

describe('manifestMediaType', () => {
  it('sniffs an index, a manifest, and refuses schema 1 and non-JSON', () => {
    assert.equal(manifestMediaType(Buffer.from('{"schemaVersion":2,"manifests":[]}')), 'application/vnd.oci.image.index.v1+json');
    assert.equal(manifestMediaType(Buffer.from('{"schemaVersion":2,"config":{},"layers":[]}')), 'application/vnd.oci.image.manifest.v1+json');
    assert.throws(() => manifestMediaType(Buffer.from('{"schemaVersion":1,"fsLayers":[]}')), (err) => isImageError(err, 'manifest-unsupported'));
    assert.throws(() => manifestMediaType(Buffer.from('<html>')), (err) => isImageError(err, 'manifest-invalid'));
  });
});

describe('names and references', () => {
  it('normalises as the store names images', () => {
    assert.equal(normalizeDockerName('busybox'), 'docker.io/library/busybox:latest');
    assert.equal(normalizeDockerName('test/busybox:1'), 'docker.io/test/busybox:1');
    assert.equal(normalizeDockerName('localhost/built:v1'), 'localhost/built:v1');
    assert.equal(normalizeDockerName('127.0.0.1:5071/a/b@sha256:' + 'a'.repeat(64)), `127.0.0.1:5071/a/b@sha256:${'a'.repeat(64)}`);
    assert.throws(() => normalizeDockerName('Upper/case'), (err) => isImageError(err, 'invalid-reference') && /lowercase/.test(err.message));
    assert.throws(() => normalizeDockerName('a'.repeat(64)), (err) => isImageError(err, 'invalid-reference'));
  });

  it('parses every transport and refuses unknown ones', () => {
    assert.deepEqual({ ...parseImageReference('oci:/tmp/l:v1') }, { transport: 'oci', text: '/tmp/l:v1', path: '/tmp/l', refName: 'v1' });
    const storage = parseImageReference('containers-storage:[overlay@/g+/r:a=b]busybox');
    assert.equal(storage.storageImage, 'docker.io/library/busybox:latest');
    assert.deepEqual(storage.storeSpec, { driver: 'overlay', graphRoot: '/g', runRoot: '/r', options: ['a=b'] });
    assert.equal(parseImageReference('docker-archive:/x.tar:app:1').dockerReference, 'docker.io/library/app:1');
    assert.throws(() => parseImageReference('ftp:/x'), (err) => isImageError(err, 'invalid-transport'));
  });

  it('derives layer IDs as containers/image does', () => {
    const diffIds = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`, `sha256:${'3'.repeat(64)}`];
    assert.deepEqual(layerIdsFor(diffIds), containersImageLayerIds(diffIds));
  });
});

describe('applyConfigChanges', () => {
  it('applies CMD (JSON and shell form), ENTRYPOINT, ENV, LABEL, EXPOSE, VOLUME, USER, WORKDIR, STOPSIGNAL', () => {
    const config = applyConfigChanges({ Env: ['A=1'] }, [
      'CMD echo hi', 'ENTRYPOINT=["/bin/sh","-c"]', 'ENV A=2 B="x y"', 'LABEL k=v', 'EXPOSE 80 53/udp', 'VOLUME /data', 'USER 1000:1000', 'WORKDIR=/srv', 'STOPSIGNAL SIGINT',
    ]);
    assert.deepEqual(config, {
      Env: ['A=2', 'B=x y'], Cmd: ['/bin/sh', '-c', 'echo hi'], Entrypoint: ['/bin/sh', '-c'], Labels: { k: 'v' },
      ExposedPorts: { '80/tcp': {}, '53/udp': {} }, Volumes: { '/data': {} }, User: '1000:1000', WorkingDir: '/srv', StopSignal: 'SIGINT',
    });
  });

  it('refuses an unknown instruction with config-invalid', () => {
    assert.throws(() => applyConfigChanges({}, ['RUN rm -rf /']), (err) => isImageError(err, 'config-invalid'));
  });
});
