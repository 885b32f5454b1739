// Where containers/image looks for registries.conf, auth files and certs.d
// directories, computed from an explicitly given environment (the CLI passes
// process.env; tests pass their own), never from globals.

import { join } from 'node:path';
import type { RegistriesConfigFiles } from './config.js';

export interface UserEnvironment {
  /** Environment variables to honour (CONTAINERS_REGISTRIES_CONF, REGISTRY_AUTH_FILE, XDG_*, DOCKER_CONFIG). */
  env: Record<string, string | undefined>;
  homeDir: string;
  uid: number;
}

const SYSTEM_REGISTRIES_CONF = '/etc/containers/registries.conf';
const SYSTEM_REGISTRIES_CONF_D = '/etc/containers/registries.conf.d';

/**
 * registries.conf and its drop-in dirs: `CONTAINERS_REGISTRIES_CONF` (or the
 * older `REGISTRIES_CONFIG_PATH`), else the user file when it exists, else the
 * system file. With the user file only the user drop-ins are read.
 */
export function registriesConfigFiles(user: UserEnvironment, userFileExists: boolean): RegistriesConfigFiles {
  const userFile = join(user.homeDir, '.config/containers/registries.conf');
  const userDir = join(user.homeDir, '.config/containers/registries.conf.d');
  const override = user.env.CONTAINERS_REGISTRIES_CONF || user.env.REGISTRIES_CONFIG_PATH;
  if (override) return { main: override, dropInDirs: [SYSTEM_REGISTRIES_CONF_D, userDir] };
  if (userFileExists) return { main: userFile, dropInDirs: [userDir] };
  return { main: SYSTEM_REGISTRIES_CONF, dropInDirs: [SYSTEM_REGISTRIES_CONF_D, userDir] };
}

/** The machine-written short-name alias cache (root: /var/cache, others: ~/.cache). */
export function shortNameAliasCacheFile(user: UserEnvironment): string {
  return user.uid === 0 ? '/var/cache/containers/short-name-aliases.conf' : join(user.env.XDG_CACHE_HOME || join(user.homeDir, '.cache'), 'containers/short-name-aliases.conf');
}

export interface AuthFileLocation {
  path: string;
  /** `~/.dockercfg`: the host map at top level, no `auths`. */
  legacy: boolean;
}

/**
 * Auth files in lookup order. An explicit file (`--authfile`, or
 * `REGISTRY_AUTH_FILE`) is the only one consulted.
 */
export function authFiles(user: UserEnvironment, explicitFile?: string): AuthFileLocation[] {
  const explicit = explicitFile || user.env.REGISTRY_AUTH_FILE;
  if (explicit) return [{ path: explicit, legacy: false }];
  const runtimeDir = user.env.XDG_RUNTIME_DIR || `/run/containers/${user.uid}`;
  const configHome = user.env.XDG_CONFIG_HOME || join(user.homeDir, '.config');
  const dockerConfig = user.env.DOCKER_CONFIG || join(user.homeDir, '.docker');
  return [
    { path: user.env.XDG_RUNTIME_DIR ? join(runtimeDir, 'containers/auth.json') : join(runtimeDir, 'auth.json'), legacy: false },
    { path: join(configHome, 'containers/auth.json'), legacy: false },
    { path: join(dockerConfig, 'config.json'), legacy: false },
    { path: join(user.homeDir, '.dockercfg'), legacy: true },
  ];
}

/** The auth file `login` writes. */
export function loginAuthFile(user: UserEnvironment, explicitFile?: string): string {
  return (authFiles(user, explicitFile)[0] as AuthFileLocation).path;
}

/**
 * certs.d roots in lookup order: an explicit `--cert-dir` replaces them all
 * (and is the host's directory itself), else the user's, containers', docker's.
 */
export function certsDirRoots(user: UserEnvironment): string[] {
  return [join(user.homeDir, '.config/containers/certs.d'), '/etc/containers/certs.d', '/etc/docker/certs.d'];
}
