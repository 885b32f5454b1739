// Everything the docker transport needs, read once from the files and the
// environment podman reads (registries.conf + drop-ins, the short-name alias
// cache, auth files or --creds, certs.d or --cert-dir), for the CLI and the
// CRI server to call at their edge with the environment given explicitly.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ImageError } from '../errors.js';
import {
  authFiles, certsDirRoots, findCredentials, loadRegistriesConfig, loadRegistryTls, loadShortNameAliasCache, registriesConfigFiles,
  shortNameAliasCacheFile, type Credentials, type RegistriesConfig, type UserEnvironment,
} from '../registries/index.js';
import { loadRegistriesD, registriesDDir, signatureStorageOptions } from '../signature/registries-d.js';
import type { DockerTransportOptions } from './docker-clients.js';

/** podman's registry flags. */
export interface RegistryFlags {
  /** `--authfile`: the only auth file consulted (else REGISTRY_AUTH_FILE, else the usual ones). */
  authFile?: string;
  /** `--cert-dir`: the directory of CA and client certificates for every registry. */
  certDir?: string;
  /** `--tls-verify`: absent means "as registries.conf says". */
  tlsVerify?: boolean;
  /** `--creds user:password`: replaces every credential lookup. */
  creds?: string;
  /** `--registries.d`: the directory of signature-location files (else the user's, else /etc/containers/registries.d). */
  registriesD?: string;
}

export interface RegistryContext {
  registries: RegistriesConfig;
  /** Machine-written short-name aliases (win over registries.conf's). */
  aliasCache: Record<string, string>;
  aliasCacheFile: string;
  /** Options for `new DockerTransport(…)`; add retry, progress and mount hints as needed. */
  transportOptions: DockerTransportOptions;
}

export async function loadRegistryContext(user: UserEnvironment, flags: RegistryFlags = {}): Promise<RegistryContext> {
  const userConf = join(user.homeDir, '.config/containers/registries.conf');
  const registries = await loadRegistriesConfig(registriesConfigFiles(user, await exists(userConf)));
  const aliasCacheFile = shortNameAliasCacheFile(user);
  const aliasCache = await loadShortNameAliasCache(aliasCacheFile);
  const fixed = flags.creds !== undefined ? parseCreds(flags.creds) : undefined;
  const files = authFiles(user, flags.authFile);
  const roots = certsDirRoots(user);
  const signatureStorage = await loadRegistriesD(await registriesDDir(user, flags.registriesD));
  return {
    registries,
    aliasCache,
    aliasCacheFile,
    transportOptions: {
      registries,
      credentials: fixed ? async () => fixed : (repository) => findCredentials(repository, { files, helpers: registries.credentialHelpers }),
      tls: (host) => loadRegistryTls(host, flags.certDir ? { certDir: flags.certDir } : { roots }),
      ...(flags.tlsVerify !== undefined ? { tlsVerify: flags.tlsVerify } : {}),
      ...signatureStorageOptions(signatureStorage, user),
    },
  };
}

/** `user:password` as `--creds` takes it. */
export function parseCreds(text: string): Credentials {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new ImageError('credentials-invalid', 'credentials must be given as user:password', {});
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
