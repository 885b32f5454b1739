// Signature policy on pulls from a real docker-registry: GPG simple-signing
// signatures made by skopeo --sign-by (a key gpg makes here) in a file:
// lookaside, and sigstore attachments this test signs with an ECDSA P-256 key
// and pushes itself (Debian's skopeo has sigstore disabled). Every refusal is
// typed and leaves the store without an image or a layer.

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  copyImage, isImageError, openImageDestination, parseDockerReference, parseImageReference, type CopyResult,
} from '../../src/image/index.js';
import { loadRegistriesD, parsePolicy, signatureStorageOptions, SIGSTORE_SIGNATURE_ANNOTATION, SIGSTORE_SIGNATURE_MEDIA_TYPE } from '../../src/image/signature/index.js';
import type { Store } from '../../src/storage/index.js';
import { openTestStore } from '../helpers/berth.js';
import { makeGpgKey, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildOciImage, sha256Hex } from '../helpers/oci-image.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { testTransport } from './registry-fixture.js';

describe('signature policy: pulls from docker-registry', () => {
  let temp: TempStore;
  let store: Store;
  let registry: RegistryServer;
  let trusted: GpgKey;
  let other: GpgKey;
  let digestHex: string;
  let registriesD: string;
  const gnupgHome = () => `${temp.dir}/gnupg`;

  before(async () => {
    temp = await makeTempStore('berth-signatures-');
    store = await openTestStore(temp);
    registry = await startRegistry({ dir: `${temp.dir}/reg` });
    await mkdir(gnupgHome(), { mode: 0o700 });
    trusted = await makeGpgKey(gnupgHome(), 'trusted', temp.dir);
    other = await makeGpgKey(gnupgHome(), 'other', temp.dir);
    // skopeo writes signatures to lookaside-staging; Berth reads them through a repository-scoped entry.
    registriesD = `${temp.dir}/registries.d`;
    await mkdir(registriesD);
    await writeFile(`${registriesD}/default.yaml`, `default-docker:\n  lookaside-staging: file://${temp.dir}/sigs\n`);
    await writeFile(`${registriesD}/local.yaml`, `# this registry\ndocker:\n  ${registry.host}:\n    lookaside: "file://${temp.dir}/sigs"\n    use-sigstore-attachments: true\n`);
    const image = buildOciImage([layerWithFile('s.txt', 'signed image')], { gzip: true });
    const source = await ociLayoutOf(temp.dir, image, '1');
    const env = { ...process.env, GNUPGHOME: gnupgHome() };
    for (const repo of ['signed/app', 'signed/other']) {
      await runToolOk('skopeo', [
        '--insecure-policy', '--registries.d', registriesD, 'copy', '--quiet', '--dest-tls-verify=false',
        '--sign-by', trusted.fingerprint, source, `docker://${registry.host}/${repo}:1`,
      ], { env });
    }
    digestHex = (await pushWithSkopeo(source, 'signed/moved:1', registry)).slice('sha256:'.length);
    // signed/moved carries signed/other's signature: the right manifest, another identity.
    await mkdir(`${temp.dir}/sigs/signed/moved@sha256=${digestHex}`, { recursive: true });
    await copyFile(`${temp.dir}/sigs/signed/other@sha256=${digestHex}/signature-1`, `${temp.dir}/sigs/signed/moved@sha256=${digestHex}/signature-1`);
  });

  after(async () => {
    if (temp) await stopGpgAgent(gnupgHome());
    await registry?.stop();
    await temp?.dispose();
  });

  async function pull(repoTag: string, policyJson: unknown): Promise<CopyResult> {
    const signatureOptions = signatureStorageOptions(await loadRegistriesD(registriesD), { uid: 0, homeDir: temp.dir });
    const { transport } = testTransport({ insecureHosts: [registry.host], ...signatureOptions });
    try {
      const source = await transport.openSource(parseDockerReference(`//${registry.host}/${repoTag}`));
      const destination = await openImageDestination(parseImageReference(`containers-storage:${registry.host}/${repoTag}`), { store });
      return await copyImage(source, destination, { policy: parsePolicy(JSON.stringify(policyJson)) });
    } finally {
      await transport.close();
    }
  }

  const signedBy = (key: GpgKey, signedIdentity?: unknown) => ({ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyFile, ...(signedIdentity ? { signedIdentity } : {}) });
  const onlyDocker = (scopes: Record<string, unknown[]>) => ({ default: [{ type: 'reject' }], transports: { docker: scopes } });

  async function assertRefused(repoTag: string, policy: unknown, code: string, reason: RegExp): Promise<void> {
    await assert.rejects(pull(repoTag, policy), (err: unknown) => {
      assert.ok(isImageError(err), String(err));
      assert.equal(err.code, code, err.message);
      assert.match(err.message, reason);
      return true;
    });
    assert.deepEqual(await store.images(), []);
    assert.deepEqual(await store.layers(), []);
  }

  async function assertAccepted(repoTag: string, policy: unknown): Promise<void> {
    const result = await pull(repoTag, policy);
    assert.equal(result.manifestDigest, `sha256:${digestHex}`);
    const [image] = await store.images();
    assert.ok(image?.names.includes(`${registry.host}/${repoTag}`));
    await store.deleteImage(image.id, { commit: true });
    for (const layer of await store.layers()) await store.deleteLayer(layer.id);
  }

  it('signedBy accepts the skopeo signature with the signing key and refuses another key, a tampered one, none', async () => {
    await assertAccepted('signed/app:1', onlyDocker({ [registry.host]: [signedBy(trusted)] }));
    await assertRefused('signed/app:1', onlyDocker({ [registry.host]: [signedBy(other)] }), 'signature-invalid', /does not verify/);
    // A tampered copy: one byte of the signature packet flipped.
    const file = `${temp.dir}/sigs/signed/app@sha256=${digestHex}/signature-1`;
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 20] = (bad[bad.length - 20] as number) ^ 0xff;
    await writeFile(file, bad);
    try {
      await assertRefused('signed/app:1', onlyDocker({ [registry.host]: [signedBy(trusted)] }), 'signature-invalid', /signature/);
    } finally {
      await writeFile(file, good);
    }
  });

  it('signedIdentity: a signature for another repository is refused by default and accepted by exactReference and remapIdentity', async () => {
    const host = registry.host;
    await assertRefused('signed/moved:1', onlyDocker({ [host]: [signedBy(trusted)] }), 'signature-invalid', /signed\/other:1.*does not match/);
    await assertRefused('signed/moved:1', onlyDocker({ [host]: [signedBy(trusted, { type: 'matchRepository' })] }), 'signature-invalid', /does not match/);
    await assertAccepted('signed/moved:1', onlyDocker({ [host]: [signedBy(trusted, { type: 'exactReference', dockerReference: `${host}/signed/other:1` })] }));
    await assertAccepted('signed/moved:1', onlyDocker({ [host]: [signedBy(trusted, { type: 'remapIdentity', prefix: `${host}/signed/moved`, signedPrefix: `${host}/signed/other` })] }));
    await assertAccepted('signed/other:1', onlyDocker({ [host]: [signedBy(trusted, { type: 'matchRepository' })] }));
  });

  it('reject, insecureAcceptAnything, and scopes: the most specific docker scope wins, then "", then default', async () => {
    const host = registry.host;
    await assertRefused('signed/app:1', { default: [{ type: 'reject' }] }, 'policy-denied', /rejected by policy/);
    await assertAccepted('signed/app:1', { default: [{ type: 'insecureAcceptAnything' }] });
    await assertAccepted('signed/app:1', onlyDocker({ [host]: [{ type: 'reject' }], [`${host}/signed/app:1`]: [{ type: 'insecureAcceptAnything' }] }));
    await assertRefused('signed/app:1', onlyDocker({ [host]: [{ type: 'insecureAcceptAnything' }], [`${host}/signed`]: [{ type: 'reject' }] }), 'policy-denied', /rejected/);
    await assertRefused('signed/app:1', { default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { '': [{ type: 'reject' }] } } }, 'policy-denied', /rejected/);
    // Every requirement of the list must accept.
    await assertRefused('signed/app:1', onlyDocker({ [host]: [{ type: 'insecureAcceptAnything' }, signedBy(other)] }), 'signature-invalid', /does not verify/);
  });

  it('sigstoreSigned: an attachment signed with an ECDSA P-256 key is accepted, and refused when tampered or by another key', async () => {
    const host = registry.host;
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const keyFile = `${temp.dir}/cosign.pub`;
    await writeFile(keyFile, publicKey.export({ type: 'spki', format: 'pem' }));
    const payload = Buffer.from(JSON.stringify({
      critical: { identity: { 'docker-reference': `${host}/signed/app` }, image: { 'docker-manifest-digest': `sha256:${digestHex}` }, type: 'cosign container image signature' },
      optional: null,
    }));
    const attach = async (signature: string, body = payload, mediaType = SIGSTORE_SIGNATURE_MEDIA_TYPE) => {
      const { transport } = testTransport({ insecureHosts: [host] });
      try {
        const dest = await transport.openDestination(parseDockerReference(`//${host}/signed/app:sha256-${digestHex}.sig`));
        const config = Buffer.from('{}');
        await dest.putBlob(Readable.from([body]), { digest: `sha256:${sha256Hex(body)}`, size: body.length });
        await dest.putBlob(Readable.from([config]), { digest: `sha256:${sha256Hex(config)}`, size: config.length }, { isConfig: true });
        const manifest = Buffer.from(JSON.stringify({
          schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
          config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: `sha256:${sha256Hex(config)}`, size: config.length },
          layers: [{
            mediaType, digest: `sha256:${sha256Hex(body)}`, size: body.length,
            annotations: { [SIGSTORE_SIGNATURE_ANNOTATION]: signature },
          }],
        }));
        await dest.putManifest({ bytes: manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
        await dest.commit();
      } finally {
        await transport.close();
      }
    };
    const policy = onlyDocker({ [host]: [{ type: 'sigstoreSigned', keyPath: keyFile, signedIdentity: { type: 'matchRepository' } }] });
    await attach(sign('sha256', payload, privateKey).toString('base64'));
    await assertAccepted('signed/app:1', policy);
    // Another key's signature over the same payload.
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await attach(sign('sha256', payload, stranger).toString('base64'));
    await assertRefused('signed/app:1', policy, 'signature-invalid', /does not verify/);
    // A tampered payload (another digest) under the original signature.
    const tampered = Buffer.from(payload.toString().replace(digestHex, createHash('sha256').update('x').digest('hex')));
    await attach(sign('sha256', payload, privateKey).toString('base64'), tampered);
    await assertRefused('signed/app:1', policy, 'signature-invalid', /does not verify/);
    // A valid signature in a layer of another media type does not count.
    await attach(sign('sha256', payload, privateKey).toString('base64'), payload, 'application/octet-stream');
    await assertRefused('signed/app:1', policy, 'signature-invalid', /media type/);
    // No attachment at all for an image without one.
    await assertRefused('signed/other:1', policy, 'policy-denied', /no signature exists/);
  });
});
