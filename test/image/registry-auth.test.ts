// Authentication and TLS against real registries: Basic auth behind TLS with
// a CA and a client certificate from certs.d and credentials from auth.json,
// and the Bearer token flow with a token server (anonymous pull, push with
// credentials, wrong credentials, too few rights).

import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  authFiles, DockerTransport, findCredentials, isImageError, loadRegistryContext, loadRegistryTls, parseDockerReference, parseManifest,
  RegistryClient, removeCredentials, saveCredentials, type BlobInfo,
} from '../../src/image/index.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { runToolOk } from '../helpers/run-tool.js';
import { readAll } from '../helpers/streams.js';
import { makeTestPki, makeTokenSigningKey, writeHtpasswd, type TestPki } from '../helpers/test-pki.js';
import { startTokenServer, type TokenServer } from '../helpers/token-server.js';
import { makeTempDir, testTransport } from './registry-fixture.js';

describe('docker transport: Basic auth behind TLS with certs.d', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let pki: TestPki;
  let registry: RegistryServer;
  let image: OciImage;
  let certsRoot: string;
  let authFile: string;

  before(async () => {
    temp = await makeTempDir('berth-reg-basic-');
    await mkdir(join(temp.dir, 'pki'));
    pki = await makeTestPki(join(temp.dir, 'pki'));
    await writeHtpasswd(join(temp.dir, 'htpasswd'), { alice: 'wonderland' });
    registry = await startRegistry({
      dir: join(temp.dir, 'reg'), tls: pki, htpasswd: join(temp.dir, 'htpasswd'),
      clientAuth: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey },
    });
    // certs.d/<host:port>/{ca.crt, client.cert, client.key}, as podman and skopeo read it.
    certsRoot = join(temp.dir, 'certs.d');
    const hostDir = join(certsRoot, registry.host);
    await mkdir(hostDir, { recursive: true });
    await copyFile(pki.caCert, join(hostDir, 'ca.crt'));
    await copyFile(pki.clientCert, join(hostDir, 'client.cert'));
    await copyFile(pki.clientKey, join(hostDir, 'client.key'));
    image = buildOciImage([layerWithFile('basic.txt', 'basic auth')], { gzip: true });
    await pushWithSkopeo(await ociLayoutOf(temp.dir, image), 'secure/img:1', { host: registry.host, creds: 'alice:wonderland', certDir: hostDir });
    authFile = join(temp.dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:wonderland').toString('base64') } } }));
  });

  after(async () => {
    await registry?.stop();
    await temp?.dispose();
  });

  const user = (file: string) => ({ env: { REGISTRY_AUTH_FILE: file }, homeDir: temp.dir, uid: 0 });

  it('pulls with credentials from REGISTRY_AUTH_FILE, the test CA and the client certificate from certs.d', async () => {
    const { transport } = testTransport({
      credentials: (repo) => findCredentials(repo, { files: authFiles(user(authFile)) }),
      tls: (host) => loadRegistryTls(host, { roots: [certsRoot] }),
    });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`));
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    const config = parseManifest(image.manifest, 'application/vnd.oci.image.manifest.v1+json').config;
    assert.deepEqual(await readAll(await source.getBlob(config)), image.config);
    await transport.close();
  });

  it('wrong credentials fail with unauthorized', async () => {
    const wrong = join(temp.dir, 'wrong-auth.json');
    await writeFile(wrong, JSON.stringify({ auths: { [registry.host]: { auth: Buffer.from('alice:queen').toString('base64') } } }));
    const { transport } = testTransport({
      credentials: (repo) => findCredentials(repo, { files: authFiles(user(wrong)) }),
      tls: (host) => loadRegistryTls(host, { roots: [certsRoot] }),
    });
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`)), (err) => isImageError(err, 'unauthorized'));
    await transport.close();
  });

  it('without the test CA the certificate is refused (registry-unavailable naming the TLS error)', async () => {
    const { transport } = testTransport({ credentials: async () => ({ username: 'alice', password: 'wonderland' }) });
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`)),
      (err) => isImageError(err, 'registry-unavailable') && /certificate/i.test(err.message));
    await transport.close();
  });

  it('login: checkLogin() refuses a wrong password; saveCredentials() writes what loadRegistryContext() then uses', async () => {
    const tls = await loadRegistryTls(registry.host, { certDir: join(certsRoot, registry.host) });
    const wrong = new RegistryClient(registry.host, { tls, credentials: { username: 'alice', password: 'nope' } });
    await assert.rejects(wrong.checkLogin(), (err) => isImageError(err, 'unauthorized'));
    wrong.close();
    const right = new RegistryClient(registry.host, { tls, credentials: { username: 'alice', password: 'wonderland' } });
    await right.checkLogin();
    right.close();
    const loginFile = join(temp.dir, 'login', 'auth.json');
    await saveCredentials(loginFile, registry.host, 'alice', 'wonderland');
    const conf = join(temp.dir, 'login', 'registries.conf');
    await writeFile(conf, '');
    const context = await loadRegistryContext(
      { env: { CONTAINERS_REGISTRIES_CONF: conf, REGISTRY_AUTH_FILE: loginFile, XDG_CACHE_HOME: join(temp.dir, 'cache') }, homeDir: temp.dir, uid: 1000 },
      { certDir: join(certsRoot, registry.host) },
    );
    const transport = new DockerTransport(context.transportOptions);
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`));
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    await transport.close();
    assert.equal(await removeCredentials(loginFile, registry.host), true);
    assert.equal(await removeCredentials(loginFile, registry.host), false);
  });

  it('tlsVerify: false accepts a certificate no trusted CA signed', async () => {
    const clientOnly = join(temp.dir, 'client-only');
    await mkdir(join(clientOnly, registry.host), { recursive: true });
    await copyFile(pki.clientCert, join(clientOnly, registry.host, 'client.cert'));
    await copyFile(pki.clientKey, join(clientOnly, registry.host, 'client.key'));
    const { transport } = testTransport({
      tlsVerify: false,
      credentials: async () => ({ username: 'alice', password: 'wonderland' }),
      tls: (host) => loadRegistryTls(host, { roots: [clientOnly] }),
    });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`));
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    await transport.close();
  });

  it('without the client certificate the TLS handshake is refused', async () => {
    const caOnly = join(temp.dir, 'ca-only');
    await mkdir(join(caOnly, registry.host), { recursive: true });
    await copyFile(pki.caCert, join(caOnly, registry.host, 'ca.crt'));
    const { transport } = testTransport({
      credentials: async () => ({ username: 'alice', password: 'wonderland' }),
      tls: (host) => loadRegistryTls(host, { roots: [caOnly] }),
    });
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/secure/img:1`)), (err) => isImageError(err, 'registry-unavailable'));
    await transport.close();
  });
});

describe('docker transport: Bearer tokens from a token server', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let tokens: TokenServer;
  let registry: RegistryServer;
  let image: OciImage;

  before(async () => {
    temp = await makeTempDir('berth-reg-bearer-');
    const signing = await makeTokenSigningKey(temp.dir);
    tokens = await startTokenServer({ signing, users: { bob: 'builder' }, refreshTokens: { 'bobs-refresh-token': 'bob' } });
    registry = await startRegistry({ dir: join(temp.dir, 'reg'), token: tokens.registryAuth });
    image = buildOciImage([layerWithFile('bearer.txt', 'bearer flow')], { gzip: true });
    await pushWithSkopeo(await ociLayoutOf(temp.dir, image), 'tok/img:1', { host: registry.host, creds: 'bob:builder' });
  });

  after(async () => {
    await registry?.stop();
    await tokens?.stop();
    await temp?.dispose();
  });

  it('pulls anonymously with a pull-scoped token, fetched once for manifest and blobs', async () => {
    tokens.requests.length = 0;
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/tok/img:1`));
    const parsed = parseManifest((await source.getManifest()).bytes, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(await readAll(await source.getBlob(parsed.config)), image.config);
    assert.deepEqual(await readAll(await source.getBlob(parsed.layers[0] as BlobInfo)), image.layerBlobs[0]?.data);
    assert.deepEqual(tokens.requests.map((r) => [r.user, r.scopes, r.service]), [[undefined, ['repository:tok/img:pull'], 'berth-test-registry']]);
    await transport.close();
  });

  it('pushes with credentials: a pull,push token for the account, then skopeo sees the manifest', async () => {
    tokens.requests.length = 0;
    const { transport } = testTransport({ insecureHosts: [registry.host], credentials: async () => ({ username: 'bob', password: 'builder' }) });
    const pushed = buildOciImage([layerWithFile('pushed.txt', 'pushed by berth')], { gzip: true });
    const dest = await transport.openDestination(parseDockerReference(`//${registry.host}/tok/pushed:2`));
    const blob = pushed.layerBlobs[0] as { data: Buffer; digest: string };
    assert.equal(await dest.tryReusingBlob({ digest: blob.digest, size: blob.data.length }), undefined);
    await dest.putBlob(Readable.from([blob.data]), { digest: blob.digest, size: blob.data.length });
    await dest.putBlob(Readable.from([pushed.config]), { digest: pushed.configDigest, size: pushed.config.length }, { isConfig: true });
    await dest.putManifest({ bytes: pushed.manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
    await dest.commit();
    await transport.close();
    assert.ok(tokens.requests.every((r) => r.user === 'bob'));
    assert.deepEqual(tokens.requests[0]?.scopes, ['repository:tok/pushed:pull,push']);
    assert.equal(tokens.requests[0]?.account, 'bob');
    const inspect = await runToolOk('skopeo', ['inspect', '--raw', '--tls-verify=false', '--creds', 'bob:builder', `docker://${registry.host}/tok/pushed:2`]);
    assert.deepEqual(inspect.stdout, pushed.manifest);
  });

  it('an identity token from auth.json is traded with a POSTed refresh_token form and may push', async () => {
    tokens.requests.length = 0;
    const { transport } = testTransport({ insecureHosts: [registry.host], credentials: async () => ({ identityToken: 'bobs-refresh-token' }) });
    const dest = await transport.openDestination(parseDockerReference(`//${registry.host}/tok/refreshed:1`));
    await dest.putBlob(Readable.from([image.config]), { digest: image.configDigest, size: image.config.length });
    await transport.close();
    assert.deepEqual(tokens.requests.map((r) => [r.method, r.grantType, r.user, r.scopes]), [['POST', 'refresh_token', 'bob', ['repository:tok/refreshed:pull,push']]]);
  });

  it('a blob redirected to another origin (object storage) is fetched without the registry\'s Authorization', async () => {
    // "Storage": a plain registry holding the same blob, behind a proxy that logs what arrives.
    const storage = await startRegistry({ dir: join(temp.dir, 'storage') });
    const storageProxy = await startFaultProxy(storage.url);
    const front = await startFaultProxy(registry.url);
    try {
      await pushWithSkopeo(await ociLayoutOf(temp.dir, image), 'tok/img:1', storage);
      const layer = image.layerBlobs[0] as { data: Buffer; digest: string };
      front.addFault({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}`), fault: { kind: 'redirect', origin: `http://${storageProxy.host}` } });
      const { transport } = testTransport({ insecureHosts: [front.host] });
      const source = await transport.openSource(parseDockerReference(`//${front.host}/tok/img:1`));
      assert.deepEqual(await readAll(await source.getBlob({ digest: layer.digest, size: layer.data.length })), layer.data);
      await transport.close();
      const redirected = front.log.find((e) => e.action === 'redirect');
      assert.equal(redirected?.authorization, true, 'the registry got the token');
      assert.deepEqual(storageProxy.log.map((e) => [e.method, e.authorization, e.status]), [['GET', false, 200]]);
    } finally {
      await front.stop();
      await storageProxy.stop();
      await storage.stop();
    }
  });

  it('login: checkLogin() gets an unscoped token with the right password and is refused with a wrong one', async () => {
    tokens.requests.length = 0;
    const right = new RegistryClient(registry.host, { insecure: true, credentials: { username: 'bob', password: 'builder' } });
    await right.checkLogin();
    right.close();
    assert.deepEqual(tokens.requests.map((r) => [r.user, r.scopes, r.status]), [['bob', [], 200]]);
    const wrong = new RegistryClient(registry.host, { insecure: true, credentials: { username: 'bob', password: 'x' } });
    await assert.rejects(wrong.checkLogin(), (err) => isImageError(err, 'unauthorized'));
    wrong.close();
  });

  it('wrong credentials fail with unauthorized from the token server', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host], credentials: async () => ({ username: 'bob', password: 'wrong' }) });
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/tok/img:1`)),
      (err) => isImageError(err, 'unauthorized') && /token/.test(err.message));
    await transport.close();
  });

  it('an anonymous push gets a pull-only token and fails with unauthorized', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const dest = await transport.openDestination(parseDockerReference(`//${registry.host}/tok/anon:1`));
    await assert.rejects(dest.putBlob(Readable.from([image.config]), { digest: image.configDigest, size: image.config.length }),
      (err) => isImageError(err, 'unauthorized'));
    await transport.close();
  });
});
