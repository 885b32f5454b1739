// `berth push --sign-by` through the shipped executable, as podman signs on
// push: a GPG simple signing signature of the pushed manifest lands in the
// registries.d lookaside-staging directory ($HOME/.config/containers/registries.d,
// as podman reads it), and both Berth and skopeo pull the image under a
// signedBy policy; a tampered signature is refused by both; a second push
// appends; an unknown key, a wrong passphrase, an http lookaside-staging and a
// destination without a docker reference fail typed without making anything visible.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthOn, berthOnOk, REPO_ROOT, withTestStore } from '../helpers/berth.js';
import { gpgEnv, makeGpgKey, stopGpgAgent, type GpgKey } from '../helpers/gpg.js';
import { buildOciImage, writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { runTool, runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

describe('berth push --sign-by (bin/berth.cjs)', () => {
  let temp: TempStore;
  let registry: RegistryServer;
  let image: OciImage;
  let signer: GpgKey;
  let locked: GpgKey;
  let env: NodeJS.ProcessEnv;
  let registriesD: string;
  let acceptAll: string;
  const stores: TempStore[] = [];
  const gnupg = () => join(temp.dir, 'gnupg');
  const sigDir = (repo: string, digest: string) => join(temp.dir, 'sigs', `${repo}@sha256=${digest.slice(7)}`);

  const policyFile = async (name: string, key: GpgKey): Promise<string> => {
    const file = join(temp.dir, `${name}.json`);
    await writeFile(file, JSON.stringify({
      default: [{ type: 'reject' }],
      transports: { docker: { [registry.host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyFile }] } },
    }));
    return file;
  };
  const push = (args: string[], environment = env) => berthOn(temp, ['push', '-q', '--tls-verify=false', '--signature-policy', acceptAll, ...args], { env: environment });
  const registryDigest = async (ref: string): Promise<string> =>
    (JSON.parse((await runToolOk('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/${ref}`])).stdout.toString()) as { Digest: string }).Digest;
  const berthPull = async (ref: string, policy: string) => {
    const store = await makeTempStore('berth-cli-sign-pull-');
    stores.push(store);
    return { store, result: await berthOn(store, ['pull', '-q', '--tls-verify=false', '--signature-policy', policy, `${registry.host}/${ref}`], { env }) };
  };
  const skopeoCopy = (ref: string, policy: string, to: string) => runTool('skopeo', [
    '--policy', policy, '--registries.d', registriesD, 'copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/${ref}`, `dir:${to}`,
  ]);

  before(async () => {
    temp = await makeTempStore('berth-cli-sign-');
    registry = await startRegistry({ dir: join(temp.dir, 'reg') });
    await mkdir(gnupg(), { mode: 0o700 });
    signer = await makeGpgKey(gnupg(), 'signer', temp.dir);
    locked = await makeGpgKey(gnupg(), 'locked', temp.dir, 'open sesame');
    // podman's registries.d for this user: the lookaside written (staging) and read are one directory here.
    const home = join(temp.dir, 'home');
    registriesD = join(home, '.config/containers/registries.d');
    await mkdir(registriesD, { recursive: true });
    await writeFile(join(registriesD, 'local.yaml'), `docker:\n  ${registry.host}:\n    lookaside-staging: file://${temp.dir}/sigs\n    lookaside: file://${temp.dir}/sigs\n`);
    env = { ...gpgEnv(gnupg()), HOME: home };
    acceptAll = join(temp.dir, 'accept.json');
    await writeFile(acceptAll, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    image = buildOciImage([layerWithFile('etc/signed', 'signed on push\n')], { gzip: true });
    await writeOciLayout(join(temp.dir, 'layout'), image, 'v1');
    await berthOnOk(temp, ['pull', '-q', '--signature-policy', acceptAll, `oci:${join(temp.dir, 'layout')}:v1`]);
    await berthOnOk(temp, ['tag', image.configDigest.slice(7), 'localhost/demo/app:v1']);
  });

  after(async () => {
    if (temp) await stopGpgAgent(gnupg());
    await registry?.stop();
    for (const store of stores) await store.dispose();
    await temp?.dispose();
  });

  it('push --sign-by writes signature-1 of the pushed manifest to lookaside-staging; Berth and skopeo pull it under signedBy', async () => {
    const pushed = await push(['--sign-by', signer.fingerprint, 'localhost/demo/app:v1', `${registry.host}/signed/app:v1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const digest = await registryDigest('signed/app:v1');
    assert.deepEqual(await readdir(sigDir('signed/app', digest)), ['signature-1']);
    const signature = await readFile(join(sigDir('signed/app', digest), 'signature-1'));
    const payload = JSON.parse((await runToolOk('gpg', ['--batch', '--decrypt'], { env, input: signature })).stdout.toString()) as {
      critical: unknown; optional: { creator: string; timestamp: number };
    };
    assert.deepEqual(payload.critical, {
      identity: { 'docker-reference': `${registry.host}/signed/app:v1` },
      image: { 'docker-manifest-digest': digest },
      type: 'atomic container signature',
    });
    const version = (JSON.parse(await readFile(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(payload.optional.creator, `berth ${version}`);
    assert.ok(Number.isInteger(payload.optional.timestamp) && Math.abs(payload.optional.timestamp - Date.now() / 1000) < 300, String(payload.optional.timestamp));

    const requireSigner = await policyFile('require-signer', signer);
    const { store, result } = await berthPull('signed/app:v1', requireSigner);
    assert.equal(result.code, 0, result.stderr);
    const id = image.configDigest.slice(7);
    assert.deepEqual(await withTestStore(store, (s) => s.imageBigData(id, 'signatures')), signature);
    const copied = join(temp.dir, 'skopeo-copy');
    const skopeo = await skopeoCopy('signed/app:v1', requireSigner, copied);
    assert.equal(skopeo.code, 0, skopeo.stderr);
    assert.deepEqual(await readFile(join(copied, 'signature-1')), signature);
  });

  it('a tampered signature makes both Berth and skopeo refuse the pull', async () => {
    const digest = await registryDigest('signed/app:v1');
    const file = join(sigDir('signed/app', digest), 'signature-1');
    const good = await readFile(file);
    const bad = Buffer.from(good);
    bad[bad.length - 20] = (bad[bad.length - 20] as number) ^ 0xff;
    await writeFile(file, bad);
    try {
      const requireSigner = await policyFile('require-signer', signer);
      const { store, result } = await berthPull('signed/app:v1', requireSigner);
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, /Source image rejected: .*signature/);
      assert.deepEqual(await withTestStore(store, async (s) => (await s.images()).length), 0);
      const skopeo = await skopeoCopy('signed/app:v1', requireSigner, join(temp.dir, 'skopeo-tampered'));
      assert.notEqual(skopeo.code, 0);
      assert.match(skopeo.stderr, /rejected|signature/i);
    } finally {
      await writeFile(file, good);
    }
  });

  it('berth image push with a protected key and --sign-passphrase-file appends signature-2 and keeps signature-1', async () => {
    const digest = await registryDigest('signed/app:v1');
    const first = await readFile(join(sigDir('signed/app', digest), 'signature-1'));
    // A wrong passphrase first (once unlocked, gpg-agent keeps the key open): the push fails before its manifest goes up.
    const wrong = join(temp.dir, 'wrong-passphrase');
    await writeFile(wrong, 'open barley\n', { mode: 0o600 });
    const refused = await push(['--sign-by', locked.fingerprint, '--sign-passphrase-file', wrong, 'localhost/demo/app:v1', `${registry.host}/signed/app:wrong`]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`creating signature with key ${locked.fingerprint}: .*Bad passphrase.*; the image was not written to docker://${registry.host}/signed/app:wrong`));
    assert.notEqual((await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/signed/app:wrong`])).code, 0, 'the tag was not pushed');
    assert.deepEqual(await readdir(sigDir('signed/app', digest)), ['signature-1']);

    const passphrase = join(temp.dir, 'passphrase');
    await writeFile(passphrase, 'open sesame\n', { mode: 0o600 });
    const pushed = await berthOn(temp, [
      'image', 'push', '-q', '--tls-verify=false', '--signature-policy', acceptAll,
      '--sign-by', locked.fingerprint, '--sign-passphrase-file', passphrase, 'localhost/demo/app:v1', `${registry.host}/signed/app:v1`,
    ], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.deepEqual((await readdir(sigDir('signed/app', digest))).sort(), ['signature-1', 'signature-2']);
    assert.deepEqual(await readFile(join(sigDir('signed/app', digest), 'signature-1')), first);
    const requireLocked = await policyFile('require-locked', locked);
    const { result } = await berthPull('signed/app:v1', requireLocked);
    assert.equal(result.code, 0, result.stderr);
    const skopeo = await skopeoCopy('signed/app:v1', requireLocked, join(temp.dir, 'skopeo-locked'));
    assert.equal(skopeo.code, 0, skopeo.stderr);
  });

  it('--sign-by with a key gpg does not have fails before anything is pushed, naming the key, and writes no signature', async () => {
    const unknown = 'F'.repeat(40);
    const digest = await registryDigest('signed/app:v1');
    const result = await push(['--sign-by', unknown, 'localhost/demo/app:v1', `${registry.host}/signed/unknown:v1`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, new RegExp(`^Error: creating signature: no secret key ${unknown} in the GnuPG keyring`, 'm'));
    const inspect = await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/signed/unknown:v1`]);
    assert.notEqual(inspect.code, 0, 'the tag was not pushed');
    assert.equal(existsSync(sigDir('signed/unknown', digest)), false);
  });

  it('an http lookaside-staging is refused typed before the manifest is pushed', async () => {
    const home = join(temp.dir, 'home-http');
    await mkdir(join(home, '.config/containers/registries.d'), { recursive: true });
    await writeFile(join(home, '.config/containers/registries.d/default.yaml'), 'default-docker:\n  lookaside-staging: http://127.0.0.1:9/sigs\n');
    const result = await push(['--sign-by', signer.fingerprint, 'localhost/demo/app:v1', `${registry.host}/signed/http:v1`], { ...env, HOME: home });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /writing signatures to the http lookaside http:\/\/127\.0\.0\.1:9\/sigs\/signed\/http is not supported: configure a file:\/\/ lookaside-staging/);
    const inspect = await runTool('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/signed/http:v1`]);
    assert.notEqual(inspect.code, 0, 'the tag was not pushed');
  });

  it('--sign-by to a destination without a docker reference, and --sign-passphrase-file alone, are refused', async () => {
    const dir = join(temp.dir, 'dir-target');
    const toDir = await push(['--sign-by', signer.fingerprint, 'localhost/demo/app:v1', `dir:${dir}`]);
    assert.notEqual(toDir.code, 0);
    assert.match(toDir.stderr, new RegExp(`cannot determine canonical Docker reference for destination dir:${dir}`));
    assert.equal(existsSync(join(dir, 'manifest.json')), false);
    const alone = await push(['--sign-passphrase-file', join(temp.dir, 'passphrase'), 'localhost/demo/app:v1', `${registry.host}/signed/alone:v1`]);
    assert.notEqual(alone.code, 0);
    assert.match(alone.stderr, /--sign-passphrase-file needs --sign-by/);
  });
});
