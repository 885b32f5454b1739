// The registry side of the image verbs through the shipped executable, as a
// user types them: push and pull by full name and by a short name that
// registries.conf resolves, run --pull from a registry, search, login and
// logout against a registry with Basic auth behind TLS, save to stdout and
// load from stdin, and the flags' bad values.

import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthOn, berthOnOk, withTestStore } from '../helpers/berth.js';
import { buildOciImage, writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile, pushAsBuilt } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { makeTestPki, writeHtpasswd } from '../helpers/test-pki.js';

describe('berth registry verbs (bin/berth.cjs)', () => {
  let temp: TempStore;
  let registry: RegistryServer;
  let secure: RegistryServer;
  let image: OciImage;
  let certDir: string;
  const stores: TempStore[] = [];

  async function freshStore(): Promise<TempStore> {
    const store = await makeTempStore('berth-cli-registry-store-');
    stores.push(store);
    return store;
  }

  before(async () => {
    temp = await makeTempStore('berth-cli-registry-');
    registry = await startRegistry({ dir: join(temp.dir, 'reg') });
    await mkdir(join(temp.dir, 'pki'));
    const pki = await makeTestPki(join(temp.dir, 'pki'));
    await writeHtpasswd(join(temp.dir, 'htpasswd'), { alice: 'wonderland' });
    secure = await startRegistry({ dir: join(temp.dir, 'secure'), tls: pki, htpasswd: join(temp.dir, 'htpasswd') });
    certDir = join(temp.dir, 'certs');
    await mkdir(certDir);
    await copyFile(pki.caCert, join(certDir, 'ca.crt'));
    // A busybox image, so that the pulled image can run.
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    image = buildOciImage([await tarOfDirectory(join(temp.dir, 'rootfs')), layerWithFile('etc/motd', 'from the registry\n')], { gzip: true, cmd: ['/bin/sh', '-c', 'cat /etc/motd'] });
    await writeOciLayout(join(temp.dir, 'layout'), image, 'v1');
    await berthOnOk(temp, ['pull', '-q', `oci:${join(temp.dir, 'layout')}:v1`]);
    await berthOnOk(temp, ['tag', image.configDigest.slice(7), 'localhost/demo/busybox:v1']);
  });

  after(async () => {
    await registry?.stop();
    await secure?.stop();
    for (const store of stores) await store.dispose();
    await temp?.dispose();
  });

  it('push --tls-verify=false to a registry, --digestfile gets the manifest digest skopeo sees', async () => {
    const digestFile = join(temp.dir, 'digest');
    await berthOnOk(temp, ['push', '-q', '--tls-verify=false', '--digestfile', digestFile, 'localhost/demo/busybox:v1', `${registry.host}/demo/busybox:v1`]);
    const inspected = JSON.parse((await runToolOk('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/demo/busybox:v1`])).stdout.toString()) as { Digest: string; Layers: string[] };
    assert.equal(await readFile(digestFile, 'utf8'), inspected.Digest);
    assert.equal(inspected.Layers.length, 2);
  });

  it('pull by full name into a fresh store prints the image ID and keeps the name', async () => {
    const store = await freshStore();
    const out = await berthOnOk(store, ['pull', '-q', '--tls-verify=false', `${registry.host}/demo/busybox:v1`]);
    assert.equal(out, `${image.configDigest.slice(7)}\n`);
    assert.deepEqual(await withTestStore(store, async (s) => (await s.image(image.configDigest.slice(7))).names), [`${registry.host}/demo/busybox:v1`]);
  });

  it('pull of an image whose layers are a plain tar, zstd and gzip, by tag and by digest: the store records each blob and the container sees every layer', async () => {
    const mixed = buildOciImage([
      await tarOfDirectory(join(temp.dir, 'rootfs')),
      layerWithFile('etc/zstd-layer', 'from a zstd blob\n'),
      layerWithFile('etc/gzip-layer', 'from a gzip blob\n'),
    ], { layerFormats: ['tar', 'zstd', 'gzip'], cmd: ['/bin/sh', '-c', 'cat /etc/zstd-layer /etc/gzip-layer'] });
    // A repository name without 'o' and 'busy': the search test below counts what matches those.
    const manifestDigest = await pushAsBuilt(mixed, 'mixed/layers:v1', registry);
    const inspected = JSON.parse((await runToolOk('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/mixed/layers:v1`])).stdout.toString()) as { layers: Array<{ mediaType: string; digest: string }> };
    assert.deepEqual(inspected.layers.map((l) => l.mediaType.replace(/.*\.tar/, 'tar')), ['tar', 'tar+zstd', 'tar+gzip'], 'the registry serves each blob as built');
    for (const reference of [`${registry.host}/mixed/layers:v1`, `${registry.host}/mixed/layers@${manifestDigest}`]) {
      const store = await freshStore();
      assert.equal(await berthOnOk(store, ['pull', '-q', '--tls-verify=false', reference]), `${mixed.configDigest.slice(7)}\n`);
      const layers = await withTestStore(store, async (s) => {
        const top = (await s.image(mixed.configDigest.slice(7))).topLayer!;
        const chain = [];
        for (let id: string | undefined = top; id; id = (await s.layer(id)).parent) chain.unshift(await s.layer(id));
        return chain;
      });
      assert.deepEqual(layers.map((l) => l.compressedDigest), mixed.layerBlobs.map((b) => b.digest), reference);
      assert.deepEqual(layers.map((l) => l.uncompressedDigest), mixed.diffIds, reference);
      const run = await berthOn(store, ['run', '--rm', reference]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stdout.toString(), 'from a zstd blob\nfrom a gzip blob\n');
    }
  });

  it('pull resolves a short name through registries.conf (unqualified-search-registries, insecure)', async () => {
    const store = await freshStore();
    const conf = join(temp.dir, 'registries.conf');
    await writeFile(conf, `unqualified-search-registries = ["${registry.host}"]\n[[registry]]\nlocation = "${registry.host}"\ninsecure = true\n`);
    const env = { ...process.env, CONTAINERS_REGISTRIES_CONF: conf, HOME: temp.dir };
    await berthOnOk(store, ['pull', '-q', 'demo/busybox:v1'], { env });
    const listed = JSON.parse(await berthOnOk(store, ['images', '--format', 'json'], { env })) as Array<{ Names: string[] }>;
    assert.deepEqual(listed.map((i) => i.Names), [[`${registry.host}/demo/busybox:v1`]]);
  });

  it('run --pull missing pulls from the registry and runs the image; --pull never refuses an absent image, a rejecting policy the pull', async () => {
    const store = await freshStore();
    const never = await berthOn(store, ['run', '--rm', '--pull', 'never', `${registry.host}/demo/busybox:v1`]);
    assert.notEqual(never.code, 0);
    assert.match(never.stderr, /busybox:v1/);
    const run = await berthOn(store, ['run', '--rm', '-q', '--tls-verify=false', `${registry.host}/demo/busybox:v1`]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), 'from the registry\n');
    const rejecting = join(temp.dir, 'reject-policy.json');
    await writeFile(rejecting, JSON.stringify({ default: [{ type: 'reject' }] }));
    const refused = await berthOn(await freshStore(), ['run', '--rm', '-q', '--tls-verify=false', '--signature-policy', rejecting, `${registry.host}/demo/busybox:v1`]);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /reject/i);
    const unpulled = await freshStore();
    const badFlag = await berthOn(unpulled, ['run', '--rm', '-q', '--tls-verify=false', '--userns', 'bogus', `${registry.host}/demo/busybox:v1`]);
    assert.equal(badFlag.code, 125);
    assert.match(badFlag.stderr, /--userns bogus/);
    assert.deepEqual(await withTestStore(unpulled, (s) => s.images()), [], 'a bad flag is refused before the pull');
    const bad = await berthOn(store, ['run', '--rm', '--pull', 'sometimes', `${registry.host}/demo/busybox:v1`]);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /--pull sometimes/);
  });

  it('search lists matching repositories (table and json) and --list-tags the tags', async () => {
    await berthOnOk(temp, ['push', '-q', '--tls-verify=false', 'localhost/demo/busybox:v1', `${registry.host}/other/thing:2`]);
    const table = await berthOnOk(temp, ['search', '--tls-verify=false', `${registry.host}/busy`]);
    assert.match(table, /^NAME\s+DESCRIPTION\n/);
    assert.match(table, new RegExp(`^${registry.host}/demo/busybox$`, 'm'));
    assert.doesNotMatch(table, /other\/thing/);
    const json = JSON.parse(await berthOnOk(temp, ['search', '--tls-verify=false', '--format', 'json', `${registry.host}/o`])) as Array<{ Name: string; Index: string }>;
    assert.deepEqual(json.map((r) => r.Name).sort(), [`${registry.host}/demo/busybox`, `${registry.host}/other/thing`]);
    const tags = await berthOnOk(temp, ['search', '--tls-verify=false', '--list-tags', `${registry.host}/other/thing`]);
    assert.match(tags, new RegExp(`^${registry.host}/other/thing\\s+2$`, 'm'));
    const limit = await berthOn(temp, ['search', '--limit', '0', `${registry.host}/x`]);
    assert.equal(limit.code, 125);
    assert.match(limit.stderr, /--limit 0/);
  });

  it('login checks credentials (TLS with --cert-dir), writes the auth file, --get-login, pull with it, logout', async () => {
    const authFile = join(temp.dir, 'auth.json');
    await berthOnOk(temp, ['push', '-q', '--cert-dir', certDir, '--creds', 'alice:wonderland', 'localhost/demo/busybox:v1', `${secure.host}/secret/busybox:v1`]);
    const wrong = await berthOn(temp, ['login', '--cert-dir', certDir, '--authfile', authFile, '-u', 'alice', '--password-stdin', secure.host], { input: 'queen\n' });
    assert.equal(wrong.code, 125);
    assert.match(wrong.stderr, /invalid username\/password/);
    await assert.rejects(readFile(authFile), { code: 'ENOENT' });

    assert.equal(await berthOnOk(temp, ['login', '--cert-dir', certDir, '--authfile', authFile, '-u', 'alice', '--password-stdin', secure.host], { input: 'wonderland\n' }), 'Login Succeeded!\n');
    const saved = JSON.parse(await readFile(authFile, 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(Buffer.from(saved.auths[secure.host]!.auth, 'base64').toString(), 'alice:wonderland');
    assert.equal(await berthOnOk(temp, ['login', '--get-login', '--authfile', authFile, secure.host]), 'alice\n');

    const store = await freshStore();
    await berthOnOk(store, ['pull', '-q', '--cert-dir', certDir, '--authfile', authFile, `${secure.host}/secret/busybox:v1`]);
    assert.equal(await berthOnOk(temp, ['logout', '--authfile', authFile, secure.host]), `Removed login credentials for ${secure.host}\n`);
    const denied = await berthOn(await freshStore(), ['pull', '-q', '--cert-dir', certDir, '--authfile', authFile, `${secure.host}/secret/busybox:v1`]);
    assert.equal(denied.code, 125);
    assert.match(denied.stderr, /unauthorized|authentication required/i);
    const again = await berthOn(temp, ['logout', '--authfile', authFile, secure.host]);
    assert.equal(again.code, 125);
    assert.match(again.stderr, /not logged into/);
  });

  it('a pull that fails (unknown tag, bad --retry) leaves no image and no layer', async () => {
    const store = await freshStore();
    const unknown = await berthOn(store, ['pull', '-q', '--tls-verify=false', '--retry', '0', `${registry.host}/demo/busybox:nope`]);
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr, /nope/);
    const retry = await berthOn(store, ['pull', '--retry', 'many', `${registry.host}/demo/busybox:v1`]);
    assert.equal(retry.code, 125);
    assert.match(retry.stderr, /--retry many/);
    await withTestStore(store, async (s) => {
      assert.deepEqual(await s.images(), []);
      assert.deepEqual(await s.layers(), []);
    });
  });

  it('save writes a docker-archive to stdout that load reads from stdin', async () => {
    const saved = await berthOn(temp, ['save', 'localhost/demo/busybox:v1']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.ok(saved.stdout.includes(Buffer.from('manifest.json')));
    const store = await freshStore();
    assert.equal(await berthOnOk(store, ['load'], { input: saved.stdout }), 'Loaded image: localhost/demo/busybox:v1\n');
    assert.equal((await berthOnOk(store, ['run', '--rm', 'localhost/demo/busybox:v1'])), 'from the registry\n');
  });
});
