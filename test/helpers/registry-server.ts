// The Debian `docker-registry` (distribution 2.8) started for one test on
// 127.0.0.1, a free port and a temp storage dir, and stopped by its PID.
//
//   const reg = await startRegistry({ dir });                        // plain HTTP
//   const tls = await startRegistry({ dir, tls: pki, htpasswd: path }); // Basic auth behind TLS
//   const tok = await startRegistry({ dir, token: { realm, service, issuer, rootCertBundle } });
//   ... reg.host is "127.0.0.1:<port>"; await reg.stop();
//
// The config YAML, storage and log live under `dir` (the log helps when a test fails).

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REGISTRY_BIN = '/usr/bin/docker-registry';

export interface RegistryServerOptions {
  /** A directory of the test's own (config, storage and log go in it). */
  dir: string;
  /** Serve HTTPS with this certificate and key (PEM paths). */
  tls?: { serverCert: string; serverKey: string };
  /** Clients must show a certificate `ca` signed; `cert`/`key` is one (the readiness probe uses it). */
  clientAuth?: { ca: string; cert: string; key: string };
  /** Basic auth with this htpasswd file (bcrypt lines). */
  htpasswd?: string;
  /** Bearer auth by a token server. */
  token?: { realm: string; service: string; issuer: string; rootCertBundle: string };
}

export interface RegistryServer {
  /** `127.0.0.1:<port>`, as references name it. */
  host: string;
  port: number;
  /** `http://127.0.0.1:<port>` or `https://…`. */
  url: string;
  pid: number;
  /** distribution's own log, for failure messages. */
  logFile: string;
  stop(): Promise<void>;
}

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRegistry(options: RegistryServerOptions): Promise<RegistryServer> {
  await mkdir(options.dir, { recursive: true });
  // Another process may take the free port before the registry binds it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, await freePort());
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

async function startOnce(options: RegistryServerOptions, port: number): Promise<RegistryServer> {
  const configFile = join(options.dir, 'config.yml');
  const logFile = join(options.dir, `registry-${port}.log`);
  await writeFile(configFile, registryConfig(options, port));
  const log = await open(logFile, 'a');
  const child = spawn(REGISTRY_BIN, ['serve', configFile], { stdio: ['ignore', log.fd, log.fd] });
  await log.close();
  const scheme = options.tls ? 'https' : 'http';
  const server: RegistryServer = {
    host: `127.0.0.1:${port}`, port, url: `${scheme}://127.0.0.1:${port}`, pid: child.pid ?? -1, logFile,
    stop: () => stopChild(child),
  };
  try {
    await waitUntilServing(child, server, logFile, options.clientAuth);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  return server;
}

function registryConfig(options: RegistryServerOptions, port: number): string {
  const lines = [
    'version: 0.1',
    'log: {level: info, accesslog: {disabled: false}}',
    `storage: {filesystem: {rootdirectory: ${JSON.stringify(join(options.dir, 'data'))}}, delete: {enabled: true}}`,
    'http:',
    `  addr: 127.0.0.1:${port}`,
  ];
  if (options.tls) {
    const clientCas = options.clientAuth ? `, clientcas: [${JSON.stringify(options.clientAuth.ca)}]` : '';
    lines.push(`  tls: {certificate: ${JSON.stringify(options.tls.serverCert)}, key: ${JSON.stringify(options.tls.serverKey)}${clientCas}}`);
  }
  if (options.htpasswd) lines.push(`auth: {htpasswd: {realm: berth-test-realm, path: ${JSON.stringify(options.htpasswd)}}}`);
  if (options.token) {
    const t = options.token;
    lines.push(`auth: {token: {realm: ${JSON.stringify(t.realm)}, service: ${JSON.stringify(t.service)}, issuer: ${JSON.stringify(t.issuer)}, rootcertbundle: ${JSON.stringify(t.rootCertBundle)}}}`);
  }
  return lines.join('\n') + '\n';
}

// Polls GET /v2/ until the registry answers (200, or 401 with auth on).
async function waitUntilServing(child: ChildProcess, server: RegistryServer, logFile: string, clientAuth?: { cert: string; key: string }): Promise<void> {
  const identity = clientAuth ? { cert: await readFile(clientAuth.cert), key: await readFile(clientAuth.key) } : {};
  let exited = false;
  child.once('exit', () => { exited = true; });
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`docker-registry exited at start; see ${logFile}`);
    const status = await probe(`${server.url}/v2/`, identity).catch(() => 0);
    if (status === 200 || status === 401) return;
    await sleep(50);
  }
  throw new Error(`docker-registry on ${server.host} did not answer within 15 s; see ${logFile}`);
}

function probe(url: string, identity: { cert?: Buffer; key?: Buffer }): Promise<number> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = send(url, { rejectUnauthorized: false, timeout: 1000, ...identity }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
