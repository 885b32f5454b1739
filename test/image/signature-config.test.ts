// policy.json and registries.d read as containers/image reads them: what is
// accepted, and every refusal a typed error naming the file and the place.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { isImageError } from '../../src/image/index.js';
import { parseNormalizedReference } from '../../src/image/reference/index.js';
import {
  loadPolicy, loadRegistriesD, lookasideFor, parsePolicy, parseRegistriesDFile, usesSigstoreAttachments,
} from '../../src/image/signature/index.js';
import { makeTempDir } from './registry-fixture.js';

function refused(run: () => unknown, code: string, message: RegExp): void {
  assert.throws(run, (err: unknown) => isImageError(err) && err.code === code && message.test(err.message));
}

describe('signature configuration files', () => {
  let temp: { dir: string; dispose(): Promise<void> };

  before(async () => {
    temp = await makeTempDir('berth-sig-config-');
  });

  after(async () => {
    await temp?.dispose();
  });

  it('parsePolicy reads every requirement type and the default signedIdentity', () => {
    const policy = parsePolicy(JSON.stringify({
      default: [{ type: 'reject' }],
      transports: {
        docker: {
          'quay.io/ns': [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: ['/a.gpg', '/b.gpg'] }],
          '*.example.com': [{ type: 'sigstoreSigned', keyData: Buffer.from('pem').toString('base64'), signedIdentity: { type: 'remapIdentity', prefix: 'example.com/a', signedPrefix: 'mirror.example.com:5000' } }],
        },
        oci: { '/srv/layouts': [{ type: 'insecureAcceptAnything' }] },
      },
    }));
    assert.deepEqual(policy.transports.docker?.['quay.io/ns'], [{ type: 'signedBy', keyType: 'GPGKeys', keys: { paths: ['/a.gpg', '/b.gpg'] }, signedIdentity: { type: 'matchRepoDigestOrExact' } }]);
    assert.deepEqual(policy.transports.docker?.['*.example.com']?.[0], {
      type: 'sigstoreSigned', keys: { data: Buffer.from('pem') }, signedIdentity: { type: 'remapIdentity', prefix: 'example.com/a', signedPrefix: 'mirror.example.com:5000' },
    });
  });

  it('parsePolicy refuses what containers/image refuses, naming the file and the JSON path', () => {
    const bad = (policy: unknown, message: RegExp) => refused(() => parsePolicy(JSON.stringify(policy), '/etc/p.json'), 'policy-invalid', message);
    bad({}, /\/etc\/p\.json: the top level: the "default" requirements are missing/);
    bad({ default: [] }, /default: the list of requirements must not be empty/);
    bad({ default: [{ type: 'reject', extra: 1 }] }, /default\[0\]: unknown key "extra"/);
    bad({ default: [{ type: 'signedBy', keyType: 'X509', keyPath: '/k' }] }, /keyType: key type "X509" is not supported/);
    bad({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', keyData: 'AAAA' }] }, /exactly one of keyPath, keyPaths and keyData/);
    bad({ default: [{ type: 'sigstoreSigned', fulcio: {} }] }, /fulcio: Fulcio certificates and Rekor are not supported/);
    bad({ default: [{ type: 'reject' }], transports: { docker: { 'Quay.io/UPPER': [{ type: 'reject' }] } } }, /transports\.docker\["Quay\.io\/UPPER"\]/);
    bad({ default: [{ type: 'reject' }], transports: { oci: { 'relative/dir': [{ type: 'reject' }] } } }, /must be an absolute path/);
    bad({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactReference', dockerReference: 'quay.io/a' } }] }, /has neither a tag nor a digest/);
    bad({ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'remapIdentity', prefix: 'quay.io/a:1', signedPrefix: 'x.io' } }] }, /prefix: "quay\.io\/a:1" is neither/);
    refused(() => parsePolicy('{', '/etc/p.json'), 'policy-invalid', /\/etc\/p\.json: not JSON/);
  });

  it('loadPolicy: the override, else the user file when it exists; a missing override is an error', async () => {
    const home = `${temp.dir}/home`;
    await mkdir(`${home}/.config/containers`, { recursive: true });
    await writeFile(`${home}/.config/containers/policy.json`, JSON.stringify({ default: [{ type: 'reject' }] }));
    assert.deepEqual((await loadPolicy({ homeDir: home })).default, [{ type: 'reject' }]);
    await assert.rejects(loadPolicy({ override: `${temp.dir}/none.json`, homeDir: home }), (err: unknown) => isImageError(err) && err.code === 'policy-invalid' && err.message.includes('none.json'));
  });

  it('registries.d: scoped lookaside and attachments, most specific scope first, then default-docker, then the built-in directory', async () => {
    const dir = `${temp.dir}/registries.d`;
    await mkdir(dir);
    await writeFile(`${dir}/a.yaml`, '---\ndefault-docker:\n  lookaside: https://sigs.example.com/d  # comment\n');
    await writeFile(`${dir}/b.yaml`, `docker:\n  quay.io:\n    use-sigstore-attachments: true\n  'quay.io/ns/app':\n    sigstore: file:///srv/sigs\n    use-sigstore-attachments: false\n`);
    await writeFile(`${dir}/ignored.conf`, 'not yaml: [');
    const config = await loadRegistriesD(dir);
    const user = { uid: 0, homeDir: '/root' };
    assert.equal(lookasideFor(config, parseNormalizedReference('quay.io/ns/app:1'), user).href, 'file:///srv/sigs/ns/app');
    assert.equal(lookasideFor(config, parseNormalizedReference('quay.io/other'), user).href, 'https://sigs.example.com/d/other');
    assert.equal(lookasideFor({ docker: {} }, parseNormalizedReference('busybox'), user).href, 'file:///var/lib/containers/sigstore/library/busybox');
    assert.equal(lookasideFor({ docker: {} }, parseNormalizedReference('busybox'), { uid: 1000, homeDir: '/home/u' }).href, 'file:///home/u/.local/share/containers/sigstore/library/busybox');
    assert.equal(usesSigstoreAttachments(config, parseNormalizedReference('quay.io/x/y')), true);
    assert.equal(usesSigstoreAttachments(config, parseNormalizedReference('quay.io/ns/app')), false);
    assert.equal(usesSigstoreAttachments(config, parseNormalizedReference('docker.io/x/y')), false);
    // The same scope in two files is an error, as in containers/image.
    await writeFile(`${dir}/c.yaml`, 'docker:\n  quay.io:\n    lookaside: https://other\n');
    await assert.rejects(loadRegistriesD(dir), (err: unknown) => isImageError(err) && err.code === 'registries-d-invalid' && /c\.yaml: docker namespace "quay\.io" is configured in .*b\.yaml/.test(err.message));
  });

  it('registries.d for writing: a scope\'s lookaside-staging before its lookaside, the first scope naming either wins', () => {
    const config = parseRegistriesDFile([
      'default-docker:', '  lookaside-staging: file:///stage/default', '  lookaside: https://read.example/default',
      'docker:', '  quay.io:', '    lookaside: file:///read/quay', '  quay.io/ns:', '    sigstore-staging: file:///stage/ns', '    lookaside: https://read.example/ns', '',
    ].join('\n'), '/r.d/w.yaml');
    const user = { uid: 0, homeDir: '/root' };
    const write = (ref: string) => lookasideFor(config, parseNormalizedReference(ref), user, { write: true }).href;
    assert.equal(write('quay.io/ns/app:1'), 'file:///stage/ns/ns/app');
    assert.equal(lookasideFor(config, parseNormalizedReference('quay.io/ns/app:1'), user).href, 'https://read.example/ns/ns/app');
    // quay.io names only a lookaside: it is written there, default-docker's staging is not reached.
    assert.equal(write('quay.io/other/app'), 'file:///read/quay/other/app');
    assert.equal(write('example.com/app'), 'file:///stage/default/app');
    assert.equal(lookasideFor({ docker: {} }, parseNormalizedReference('busybox'), user, { write: true }).href, 'file:///var/lib/containers/sigstore/library/busybox');
  });

  it('registries.d: YAML outside the supported subset and wrong values are refused with the file and line', () => {
    const bad = (text: string, message: RegExp) => refused(() => parseRegistriesDFile(text, '/r.d/x.yaml'), 'registries-d-invalid', message);
    bad('docker:\n  - quay.io\n', /\/r\.d\/x\.yaml: line 2: sequences are not supported/);
    bad('docker:\n  quay.io:\n    lookaside: &a x\n', /line 3: .*anchors/);
    bad('default-docker:\n  use-sigstore-attachments: "true"\n', /line 2: default-docker\.use-sigstore-attachments: must be true or false/);
    bad('default-docker:\n  lookaside: ftp://x/y\n', /only file:\/\/, http:\/\/ and https:\/\//);
    bad('default-docker:\n  lookaside: a\n  lookaside: b\n', /line 3: key "lookaside" appears twice/);
    bad('default-docker:\n\tlookaside: a\n', /tabs/);
  });
});
