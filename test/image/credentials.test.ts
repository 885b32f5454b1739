// Credentials as containers-auth.json(5) says: file order, most specific key
// first, legacy keys, credHelpers / credsStore with a real
// docker-credential-* executable, and registries.conf credential-helpers.

import assert from 'node:assert/strict';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authFiles, findCredentials, isImageError, loadRegistryTls } from '../../src/image/index.js';
import { makeTempDir } from './registry-fixture.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

describe('findCredentials()', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let savedPath: string | undefined;

  before(async () => {
    temp = await makeTempDir('berth-creds-');
    // A credential helper as docker ships them: `get` reads the server URL on stdin.
    const bin = join(temp.dir, 'bin');
    await mkdir(bin);
    await writeFile(join(bin, 'docker-credential-berthtest'), `#!/bin/sh
read server
case "$server" in
  helper.example) echo '{"ServerURL":"helper.example","Username":"helperuser","Secret":"helpersecret"}' ;;
  token.example) echo '{"ServerURL":"token.example","Username":"<token>","Secret":"refresh-me"}' ;;
  broken.example) echo 'the keychain is locked' >&2; exit 3 ;;
  *) echo 'credentials not found in native keychain'; exit 1 ;;
esac
`);
    await chmod(join(bin, 'docker-credential-berthtest'), 0o755);
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${process.env.PATH ?? ''}`;
  });

  after(async () => {
    process.env.PATH = savedPath;
    await temp.dispose();
  });

  const user = (env: Record<string, string> = {}) => ({ env: { XDG_RUNTIME_DIR: join(temp.dir, 'run'), XDG_CONFIG_HOME: join(temp.dir, 'config'), ...env }, homeDir: temp.dir, uid: 0 });

  it('tries the most specific key first within a file, then the next file', async () => {
    await mkdir(join(temp.dir, 'run/containers'), { recursive: true });
    await writeFile(join(temp.dir, 'run/containers/auth.json'), JSON.stringify({ auths: {
      'reg.example/team': { auth: b64('team:t') },
      'reg.example': { auth: b64('host:h') },
    } }));
    await mkdir(join(temp.dir, '.docker'), { recursive: true });
    await writeFile(join(temp.dir, '.docker/config.json'), JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:secret\0\0') } } }));
    const files = authFiles(user());
    assert.deepEqual(await findCredentials('reg.example/team/app', { files }), { username: 'team', password: 't' });
    assert.deepEqual(await findCredentials('reg.example/other/app', { files }), { username: 'host', password: 'h' });
    assert.deepEqual(await findCredentials('docker.io/library/busybox', { files }), { username: 'hub', password: 'secret' });
    assert.equal(await findCredentials('nobody.example/x', { files }), undefined);
  });

  it('REGISTRY_AUTH_FILE is the only file consulted', async () => {
    const only = join(temp.dir, 'only.json');
    await writeFile(only, JSON.stringify({ auths: { 'x.example': { auth: b64('only:o') } } }));
    const files = authFiles(user({ REGISTRY_AUTH_FILE: only }));
    assert.deepEqual(files.map((f) => f.path), [only]);
    assert.equal(await findCredentials('reg.example/team/app', { files }), undefined);
  });

  it('credHelpers and credsStore run docker-credential-<name> get; "<token>" means an identity token', async () => {
    const file = join(temp.dir, 'helpers.json');
    await writeFile(file, JSON.stringify({ credHelpers: { 'helper.example': 'berthtest' }, credsStore: 'berthtest', auths: {} }));
    const files = [{ path: file, legacy: false }];
    assert.deepEqual(await findCredentials('helper.example/a', { files }), { username: 'helperuser', password: 'helpersecret' });
    assert.deepEqual(await findCredentials('token.example/a', { files }), { identityToken: 'refresh-me' });
    assert.equal(await findCredentials('unknown.example/a', { files }), undefined);
    await assert.rejects(findCredentials('broken.example/a', { files }), (err) => isImageError(err, 'credential-helper-failed') && /keychain is locked/.test(err.message));
  });

  it('registries.conf credential-helpers may put a helper before the auth files', async () => {
    const files = authFiles(user());
    assert.deepEqual(await findCredentials('helper.example/a', { files, helpers: ['berthtest', 'containers-auth.json'] }), { username: 'helperuser', password: 'helpersecret' });
  });

  it('a malformed auth file is an auth-file-invalid error naming it', async () => {
    const bad = join(temp.dir, 'bad.json');
    await writeFile(bad, '{"auths": ');
    await assert.rejects(findCredentials('x.example/a', { files: [{ path: bad, legacy: false }] }), (err) => isImageError(err, 'auth-file-invalid') && err.message.includes(bad));
  });

  it('loadRegistryTls() reads CAs and a client pair, and refuses a certificate without its key', async () => {
    const root = join(temp.dir, 'certs.d');
    await mkdir(join(root, 'reg.example:5000'), { recursive: true });
    await writeFile(join(root, 'reg.example:5000/ca.crt'), 'CA PEM');
    await writeFile(join(root, 'reg.example:5000/client.cert'), 'CERT PEM');
    await writeFile(join(root, 'reg.example:5000/client.key'), 'KEY PEM');
    const tls = await loadRegistryTls('reg.example:5000', { roots: [join(temp.dir, 'none'), root] });
    assert.deepEqual([tls.ca.map(String), String(tls.cert), String(tls.key)], [['CA PEM'], 'CERT PEM', 'KEY PEM']);
    assert.deepEqual(await loadRegistryTls('other.example', { roots: [root] }), { ca: [] });
    await mkdir(join(root, 'half.example'));
    await writeFile(join(root, 'half.example/client.cert'), 'CERT PEM');
    await assert.rejects(loadRegistryTls('half.example', { roots: [root] }), (err) => isImageError(err, 'registry-error') && /has no key/.test(err.message));
  });
});
