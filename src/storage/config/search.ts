// Which storage.conf applies, as containers/storage v1.50.2 DefaultConfigFile
// decides: CONTAINERS_STORAGE_CONF alone when set; root reads /etc, then the
// distribution default in /usr/share; a rootless user reads their own file.

import { statSync } from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../../util/index.js';

export const SYSTEM_CONFIG_FILE = '/usr/share/containers/storage.conf';
export const OVERRIDE_CONFIG_FILE = '/etc/containers/storage.conf';

export type Env = Readonly<Record<string, string | undefined>>;

export interface ConfigFileChoice {
  /** The file to read. */
  path: string;
  /** Absent means "use the defaults"; only CONTAINERS_STORAGE_CONF must exist. */
  mustExist: boolean;
}

/** The storage.conf that applies to `uid` under `env` (not read yet). */
export async function findStorageConf(env: Env, uid: number): Promise<ConfigFileChoice> {
  const fromEnv = env.CONTAINERS_STORAGE_CONF;
  if (fromEnv !== undefined) return { path: fromEnv, mustExist: true };
  if (uid === 0) {
    if (exists(OVERRIDE_CONFIG_FILE)) return { path: OVERRIDE_CONFIG_FILE, mustExist: false };
    return { path: SYSTEM_CONFIG_FILE, mustExist: false };
  }
  return { path: userConfigFile(env), mustExist: false };
}

/** `$XDG_CONFIG_HOME/containers/storage.conf`, else `~/.config/containers/storage.conf`. */
export function userConfigFile(env: Env): string {
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'containers/storage.conf');
  return join(env.HOME || '/', '.config/containers/storage.conf');
}

/**
 * Whether `path` exists. Synchronous: every command start asks this, and the
 * CLI's first use of node:fs/promises loads it with its streams (~2 ms here).
 */
export function exists(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}
