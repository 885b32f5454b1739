// --signature-policy on berth pull, push, save and load through the shipped executable,
// and the default policy read from $HOME/.config/containers/policy.json:
// a refused image leaves the store (or the push target) untouched.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN, berthOn, berthOnOk, withTestStore } from '../helpers/berth.js';
import { writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { runTool, runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { threeLayerImage } from '../image/helpers.js';

describe('berth pull/push/save/load --signature-policy', () => {
  let temp: TempStore;
  let image: OciImage;
  let layout: string;
  const policyFile = async (name: string, policy: unknown): Promise<string> => {
    const file = join(temp.dir, name);
    await writeFile(file, JSON.stringify(policy));
    return file;
  };
  const storeContents = (): Promise<{ images: number; layers: number }> =>
    withTestStore(temp, async (store) => ({ images: (await store.images()).length, layers: (await store.layers()).length }));

  before(async () => {
    temp = await makeTempStore('berth-cli-policy-');
    image = threeLayerImage();
    layout = join(temp.dir, 'layout');
    await writeOciLayout(layout, image, 'v1');
  });

  after(async () => {
    await temp?.dispose();
  });

  it('pull --signature-policy refuses an image its oci scope rejects, typed, and stores nothing', async () => {
    const file = await policyFile('reject-layout.json', { default: [{ type: 'insecureAcceptAnything' }], transports: { oci: { [layout]: [{ type: 'reject' }] } } });
    const result = await berthOn(temp, ['pull', '-q', '--signature-policy', file, `oci:${layout}:v1`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /policy-denied|rejected by policy/);
    assert.match(result.stderr, new RegExp(`oci:${layout}:v1`));
    assert.deepEqual(await storeContents(), { images: 0, layers: 0 });
  });

  it('pull --signature-policy with signedBy reads the GPG key and refuses an unsigned layout image', async () => {
    const gnupg = join(temp.dir, 'gnupg');
    await mkdir(gnupg, { mode: 0o700 });
    const env = { ...process.env, GNUPGHOME: gnupg };
    try {
      await runToolOk('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', 'cli <cli@berth.test>', 'ed25519', 'sign', 'never'], { env });
      await writeFile(join(temp.dir, 'cli.asc'), (await runToolOk('gpg', ['--batch', '--armor', '--export', 'cli@berth.test'], { env })).stdout);
    } finally {
      await runTool('gpgconf', ['--kill', 'gpg-agent'], { env });
    }
    const file = await policyFile('signed.json', { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: join(temp.dir, 'cli.asc') }] });
    const result = await berthOn(temp, ['pull', '-q', '--signature-policy', file, `oci:${layout}:v1`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /a signature was required, but no signature exists/);
    assert.deepEqual(await storeContents(), { images: 0, layers: 0 });
  });

  it('pull --signature-policy with a missing or invalid file fails naming it', async () => {
    const missing = join(temp.dir, 'absent.json');
    const absent = await berthOn(temp, ['pull', '-q', '--signature-policy', missing, `oci:${layout}:v1`]);
    assert.notEqual(absent.code, 0);
    assert.match(absent.stderr, new RegExp(missing));
    const bad = await policyFile('bad.json', { default: [{ type: 'signedBy', keyType: 'GPGKeys' }] });
    const invalid = await berthOn(temp, ['pull', '-q', '--signature-policy', bad, `oci:${layout}:v1`]);
    assert.notEqual(invalid.code, 0);
    assert.match(invalid.stderr, /bad\.json: default\[0\]: exactly one of keyPath/);
  });

  it('without the flag, $HOME/.config/containers/policy.json is the policy', async () => {
    const home = join(temp.dir, 'home');
    await mkdir(join(home, '.config/containers'), { recursive: true });
    await writeFile(join(home, '.config/containers/policy.json'), JSON.stringify({ default: [{ type: 'reject' }] }));
    const result = await runTool(process.execPath, [BERTH_BIN, '--root', temp.graphRoot, '--runroot', temp.runRoot, '--storage-driver', 'overlay', 'pull', '-q', `oci:${layout}:v1`], {
      env: { ...process.env, HOME: home },
    });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /rejected by policy/);
  });

  it('pull --signature-policy accepts what the most specific scope allows under a rejecting default', async () => {
    const file = await policyFile('accept-layout.json', { default: [{ type: 'reject' }], transports: { oci: { [temp.dir]: [{ type: 'insecureAcceptAnything' }] } } });
    const out = await berthOnOk(temp, ['pull', '-q', '--signature-policy', file, `oci:${layout}:v1`]);
    assert.equal(out, `${image.configDigest.slice(7)}\n`);
  });

  it('push --signature-policy refuses a store image the containers-storage scope rejects and writes no target', async () => {
    const file = await policyFile('reject-storage.json', { default: [{ type: 'insecureAcceptAnything' }], transports: { 'containers-storage': { '': [{ type: 'reject' }] } } });
    const target = join(temp.dir, 'pushed');
    const result = await berthOn(temp, ['push', '-q', '--signature-policy', file, image.configDigest.slice(7), `oci:${target}:x`]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /rejected by policy/);
    assert.equal(existsSync(join(target, 'index.json')), false);
  });

  it('save --signature-policy refuses a store image the policy rejects and writes no archive; load refuses an archive the docker-archive transport rejects (it has only the "" scope)', async () => {
    const rejectStorage = await policyFile('reject-storage-save.json', { default: [{ type: 'insecureAcceptAnything' }], transports: { 'containers-storage': { '': [{ type: 'reject' }] } } });
    const refusedArchive = join(temp.dir, 'refused.tar');
    const refused = await berthOn(temp, ['save', '-q', '--signature-policy', rejectStorage, '-o', refusedArchive, image.configDigest.slice(7)]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /rejected by policy/);
    assert.equal(existsSync(refusedArchive), false);

    const archive = join(temp.dir, 'saved.tar');
    const accept = await policyFile('accept.json', { default: [{ type: 'insecureAcceptAnything' }] });
    await berthOnOk(temp, ['save', '-q', '--signature-policy', accept, '-o', archive, image.configDigest.slice(7)]);
    const other = await makeTempStore('berth-cli-policy-load-');
    try {
      const rejectArchive = await policyFile('reject-archive.json', { default: [{ type: 'insecureAcceptAnything' }], transports: { 'docker-archive': { '': [{ type: 'reject' }] } } });
      const load = await berthOn(other, ['load', '-q', '--signature-policy', rejectArchive, '-i', archive]);
      assert.notEqual(load.code, 0);
      assert.match(load.stderr, /rejected by policy/);
      assert.deepEqual(await withTestStore(other, async (store) => ({ images: (await store.images()).length, layers: (await store.layers()).length })), { images: 0, layers: 0 });
      const loaded = await berthOnOk(other, ['load', '-q', '--signature-policy', accept, '-i', archive]);
      assert.match(loaded, /^Loaded image: /);
    } finally {
      await other.dispose();
    }
  });
});
