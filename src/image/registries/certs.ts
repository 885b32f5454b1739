// Per-registry TLS material from certs.d directories
// (`<root>/<host:port>/{*.crt CA, *.cert + *.key client pair}`), as
// containers/image reads them: the first root that has the host's directory wins.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';

/** Extra TLS trust and identity for one registry. */
export interface RegistryTls {
  /** PEM CA certificates trusted in addition to the system's. */
  ca: Buffer[];
  /** PEM client certificate and its key, when the registry wants one. */
  cert?: Buffer;
  key?: Buffer;
}

/**
 * TLS material for `host` (`host[:port]`): `certDir` is used as the host's
 * directory itself when given (`--cert-dir`); otherwise `<root>/<host>` of the
 * first root that has it.
 */
export async function loadRegistryTls(host: string, where: { certDir?: string; roots?: string[] }): Promise<RegistryTls> {
  const dirs = where.certDir ? [where.certDir] : (where.roots ?? []).map((root) => join(root, host));
  for (const dir of dirs) {
    const names = await listDir(dir);
    if (names) return readCertsDir(dir, names.sort());
  }
  return { ca: [] };
}

async function readCertsDir(dir: string, names: string[]): Promise<RegistryTls> {
  const tls: RegistryTls = { ca: [] };
  for (const name of names) {
    if (name.endsWith('.crt')) tls.ca.push(await readFile(join(dir, name)));
    if (name.endsWith('.cert') && tls.cert === undefined) {
      const keyName = name.slice(0, -'.cert'.length) + '.key';
      if (!names.includes(keyName)) {
        throw new ImageError('registry-error', `client certificate "${join(dir, name)}" has no key "${keyName}" beside it`, { dir });
      }
      tls.cert = await readFile(join(dir, name));
      tls.key = await readFile(join(dir, keyName));
    }
    if (name.endsWith('.key') && !names.includes(name.slice(0, -'.key'.length) + '.cert')) {
      throw new ImageError('registry-error', `client key "${join(dir, name)}" has no certificate beside it`, { dir });
    }
  }
  return tls;
}

async function listDir(dir: string): Promise<string[] | undefined> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw err;
  }
}
