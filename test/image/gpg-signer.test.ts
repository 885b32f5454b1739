// GpgSigner against the real gpg and skopeo: the payload is byte for byte
// what containers/image writes (skopeo standalone-sign's, creator and
// timestamp aside), the signed message verifies with skopeo
// standalone-verify and with Berth's own verification, a passphrase file
// unlocks a protected key, and an unknown key or a wrong passphrase fails typed.

import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isImageError } from '../../src/image/index.js';
import { GpgSigner, parsePayload, simpleSigningPayload } from '../../src/image/signature/index.js';
import { gpgEnv, makeGpgKey, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { sha256Hex } from '../helpers/oci-image.js';
import { runToolOk } from '../helpers/run-tool.js';

describe('GpgSigner', () => {
  let dir: string;
  let home: string;
  let open: GpgKey;
  let locked: GpgKey;
  const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","layers":[]}');
  const digest = `sha256:${sha256Hex(manifest)}`;
  const reference = '127.0.0.1:5000/signed/app:1';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'berth-gpg-signer-'));
    home = join(dir, 'gnupg');
    await mkdir(home, { mode: 0o700 });
    open = await makeGpgKey(home, 'open', dir);
    locked = await makeGpgKey(home, 'locked', dir, 'correct horse');
    await writeFile(join(dir, 'manifest.json'), manifest);
  });

  after(async () => {
    if (home) await stopGpgAgent(home);
    await rm(dir, { recursive: true, force: true });
  });

  const signer = (key: GpgKey, passphraseFile?: string) => new GpgSigner({
    keyFingerprint: key.fingerprint, creator: 'berth 0.1.0', env: gpgEnv(home), now: () => 1796280086.9, ...(passphraseFile ? { passphraseFile } : {}),
  });
  const decrypt = async (signature: Buffer) => (await runToolOk('gpg', ['--batch', '--decrypt'], { env: gpgEnv(home), input: signature })).stdout;

  it('simpleSigningPayload writes the fields in the order and form skopeo standalone-sign writes them', async () => {
    const file = join(dir, 'skopeo.sig');
    await runToolOk('skopeo', ['standalone-sign', join(dir, 'manifest.json'), reference, open.fingerprint, '-o', file], { env: gpgEnv(home) });
    const skopeo = JSON.parse((await decrypt(await readFile(file))).toString()) as { optional: { creator: string; timestamp: number } };
    const ours = simpleSigningPayload({ dockerReference: reference, manifestDigest: digest }, skopeo.optional);
    assert.equal(ours.toString(), JSON.stringify(skopeo));
    assert.equal(ours.toString(), `{"critical":{"identity":{"docker-reference":"${reference}"},"image":{"docker-manifest-digest":"${digest}"},`
      + `"type":"atomic container signature"},"optional":{"creator":"${skopeo.optional.creator}","timestamp":${skopeo.optional.timestamp}}}`);
  });

  it('signs a binary OpenPGP message of the payload that skopeo standalone-verify and Berth accept', async () => {
    const s = signer(open);
    await s.check();
    const signature = await s.signImageManifest({ bytes: manifest, digest }, reference);
    assert.deepEqual([...signature.subarray(0, 2)], [0xa3, 0x01], 'a compressed packet, as gpgme writes it');
    const payload = await decrypt(signature);
    assert.equal(payload.toString(), simpleSigningPayload({ dockerReference: reference, manifestDigest: digest }, { creator: 'berth 0.1.0', timestamp: 1796280086 }).toString());
    assert.deepEqual(parsePayload(payload, 'simple-signing'), { dockerReference: reference, manifestDigest: digest });
    const file = join(dir, 'berth.sig');
    await writeFile(file, signature);
    const verified = await runToolOk('skopeo', ['standalone-verify', join(dir, 'manifest.json'), reference, open.fingerprint, file], { env: gpgEnv(home) });
    assert.match(verified.stdout.toString(), new RegExp(`Signature verified, digest ${digest}`));
  });

  it('a passphrase file unlocks a protected key (its first line only); a wrong one fails typed', async () => {
    // The wrong one first: once unlocked, gpg-agent keeps the key open for a while.
    const bad = join(dir, 'bad-pass');
    await writeFile(bad, 'battery staple\n');
    await assert.rejects(signer(locked, bad).signImageManifest({ bytes: manifest, digest }, reference),
      (err: unknown) => isImageError(err, 'signing-failed') && err.message.includes(locked.fingerprint) && /passphrase|signing failed/i.test(err.message));
    await assert.rejects(signer(locked, join(dir, 'absent')).check(), (err: unknown) => isImageError(err, 'invalid-option') && err.message.includes(join(dir, 'absent')));
    const good = join(dir, 'good-pass');
    await writeFile(good, 'correct horse\nsecond line is ignored\n');
    const signature = await signer(locked, good).signImageManifest({ bytes: manifest, digest }, reference);
    assert.match((await decrypt(signature)).toString(), /"docker-reference":"127\.0\.0\.1:5000\/signed\/app:1"/);
  });

  it('check() refuses a key gpg does not have, naming it', async () => {
    const unknown = 'F'.repeat(40);
    await assert.rejects(signer({ fingerprint: unknown, publicKeyFile: '' }).check(),
      (err: unknown) => isImageError(err, 'signing-key-unknown') && err.message.includes(unknown));
    assert.throws(() => new GpgSigner({ keyFingerprint: '', creator: 'x', env: {} }), (err: unknown) => isImageError(err, 'invalid-option'));
  });
});
