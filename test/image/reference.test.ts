// The docker reference grammar and docker.io normalisation, checked against
// what containers/image stores and the error texts podman shows.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  familiarString, isImageError, isShortName, parseDockerReference, parseNormalizedReference, referenceString, withDefaultTag,
} from '../../src/image/index.js';

const DIGEST = `sha256:${'d1a76cbd7012'.padEnd(64, '0')}`;

describe('parseNormalizedReference()', () => {
  for (const [input, stored] of [
    ['busybox', 'docker.io/library/busybox'],
    ['test/busybox:1', 'docker.io/test/busybox:1'],
    ['docker.io/alpine', 'docker.io/library/alpine'],
    ['index.docker.io/alpine:3', 'docker.io/library/alpine:3'],
    ['localhost/built:v1', 'localhost/built:v1'],
    ['myreg:5000/foo', 'myreg:5000/foo'],
    ['myreg/foo', 'docker.io/myreg/foo'],
    [`127.0.0.1:5071/test/busybox@${DIGEST}`, `127.0.0.1:5071/test/busybox@${DIGEST}`],
    ['Quay.IO/a/b-c__d.e:Tag_1', 'Quay.IO/a/b-c__d.e:Tag_1'],
    ['a/b---c:x', 'docker.io/a/b---c:x'],
  ] as const) {
    it(`normalises ${input} to ${stored}`, () => {
      assert.equal(referenceString(parseNormalizedReference(input)), stored);
    });
  }

  for (const [input, message] of [
    ['', /at least one component/],
    ['Busybox', /must be lowercase/],
    ['quay.io/Upper/x', /must be lowercase/],
    ['a//b', /invalid reference format/],
    ['a/-b', /invalid reference format/],
    ['a/b_', /invalid reference format/],
    ['a/b___c', /invalid reference format/],
    ['busybox:-tag', /invalid reference format/],
    [`busybox:${'t'.repeat(129)}`, /invalid reference format/],
    [`busybox@sha256:${'A'.repeat(64)}`, /invalid digest format/],
    ['busybox@sha256:abcd', /invalid/],
    [`busybox@md5:${'a'.repeat(32)}`, /unsupported digest algorithm/],
    ['a'.repeat(64), /cannot specify 64-byte hexadecimal strings/],
    [`quay.io/${'a'.repeat(248)}`, /not be more than 255 characters/],
  ] as const) {
    it(`refuses ${JSON.stringify(input.length > 40 ? input.slice(0, 40) + '…' : input)} with invalid-reference`, () => {
      assert.throws(() => parseNormalizedReference(input), (err) => isImageError(err, 'invalid-reference') && message.test(err.message));
    });
  }

  it('accepts a 255-character name and refuses 256 (domain included, as containers/image counts)', () => {
    const at = (n: number) => `quay.io/${'a'.repeat(n - 'quay.io/'.length)}`;
    assert.equal(referenceString(parseNormalizedReference(at(255))).length, 255);
    assert.throws(() => parseNormalizedReference(at(256)), (err) => isImageError(err, 'invalid-reference'));
  });
});

describe('familiarString(), isShortName(), withDefaultTag()', () => {
  it('drops docker.io/ and library/ for display, keeps other registries', () => {
    assert.equal(familiarString(parseNormalizedReference('busybox:1')), 'busybox:1');
    assert.equal(familiarString(parseNormalizedReference('test/busybox')), 'test/busybox');
    assert.equal(familiarString(parseNormalizedReference('docker.io/library/a/b')), 'library/a/b');
    assert.equal(familiarString(parseNormalizedReference('quay.io/x/y:2')), 'quay.io/x/y:2');
  });

  it('a first component is a registry only with a dot, a colon, or localhost', () => {
    assert.equal(isShortName('busybox'), true);
    assert.equal(isShortName('myreg/foo'), true);
    assert.equal(isShortName('localhost/foo'), false);
    assert.equal(isShortName('myreg:5000/foo'), false);
    assert.equal(isShortName('quay.io/foo'), false);
  });

  it('adds :latest only when there is neither tag nor digest', () => {
    assert.equal(referenceString(withDefaultTag(parseNormalizedReference('busybox'))), 'docker.io/library/busybox:latest');
    assert.equal(referenceString(withDefaultTag(parseNormalizedReference(`busybox@${DIGEST}`))), `docker.io/library/busybox@${DIGEST}`);
  });
});

describe('parseDockerReference()', () => {
  it('needs the // and normalises with a default tag', () => {
    assert.equal(parseDockerReference('//busybox').dockerReference, 'docker.io/library/busybox:latest');
    assert.equal(parseDockerReference('//quay.io/a/b:1').text, '//quay.io/a/b:1');
    assert.throws(() => parseDockerReference('busybox'), (err) => isImageError(err, 'invalid-reference') && /must start with "\/\/"/.test(err.message));
  });

  it('refuses a tag together with a digest, as skopeo does', () => {
    assert.throws(() => parseDockerReference(`//busybox:1@${DIGEST}`), (err) => isImageError(err, 'invalid-reference') && /both a tag and digest/.test(err.message));
  });
});
