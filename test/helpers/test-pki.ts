// Certificates made with openssl for registry tests: a CA, a server
// certificate for 127.0.0.1/localhost signed by it, a client certificate,
// and the EC key + self-signed certificate a token issuer signs JWTs with.
//
//   const pki = await makeTestPki(dir);
//   // pki.caCert → certs.d/<host>/ca.crt; pki.serverCert/serverKey → the registry's http.tls
//
// Files are PEM, all under `dir`.

import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runToolOk } from './run-tool.js';

export interface TestPki {
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

export interface TokenSigningKey {
  /** EC P-256 private key (PEM path). */
  key: string;
  /** Self-signed certificate of that key: the registry's `rootcertbundle`. */
  cert: string;
  /** base64 DER of `cert`, for the JWT header's `x5c`. */
  certDerBase64: string;
}

export async function makeTestPki(dir: string): Promise<TestPki> {
  const p = (name: string) => join(dir, name);
  await runToolOk('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.crt'),
    '-days', '2', '-subj', '/CN=berth test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  await signedCert(dir, 'server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  await signedCert(dir, 'client', '/CN=berth test client', 'extendedKeyUsage=clientAuth\n');
  return {
    caCert: p('ca.crt'), caKey: p('ca.key'),
    serverCert: p('server.crt'), serverKey: p('server.key'),
    clientCert: p('client.crt'), clientKey: p('client.key'),
  };
}

async function signedCert(dir: string, name: string, subject: string, extensions: string): Promise<void> {
  const p = (file: string) => join(dir, file);
  await writeFile(p(`${name}.ext`), extensions);
  await runToolOk('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', subject]);
  await runToolOk('openssl', ['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-CAcreateserial',
    '-out', p(`${name}.crt`), '-days', '2', '-extfile', p(`${name}.ext`)]);
}

/** The key a token server signs with and the certificate the registry trusts for it. */
export async function makeTokenSigningKey(dir: string): Promise<TokenSigningKey> {
  const key = join(dir, 'token.key');
  const cert = join(dir, 'token.crt');
  await runToolOk('openssl', ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key]);
  await runToolOk('openssl', ['req', '-new', '-x509', '-key', key, '-out', cert, '-days', '2', '-subj', '/CN=berth test token issuer']);
  const der = await runToolOk('openssl', ['x509', '-in', cert, '-outform', 'DER']);
  return { key, cert, certDerBase64: der.stdout.toString('base64') };
}

/** An htpasswd file (bcrypt, what distribution accepts) for `users`. */
export async function writeHtpasswd(path: string, users: Record<string, string>): Promise<void> {
  const lines: string[] = [];
  for (const [user, password] of Object.entries(users)) {
    const out = await runToolOk('htpasswd', ['-nbB', '-C', '5', user, password]);
    lines.push(out.stdout.toString().trim());
  }
  await writeFile(path, lines.join('\n') + '\n');
}

export function readPem(path: string): Promise<Buffer> {
  return readFile(path);
}
