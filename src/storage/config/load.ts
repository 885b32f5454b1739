// loadStoreOptions: storage.conf plus the environment → the StoreOptions the
// Store opens with, following containers/storage v1.50.2 (types/options.go):
// file search, key meanings, STORAGE_DRIVER / STORAGE_OPTS, root and rootless
// defaults, and the choice of a driver when none is configured.

import { readFileSync, realpathSync } from 'node:fs';
import { join, normalize, resolve } from 'node:path';
import { blankTomlCommentLines, isErrno } from '../../util/index.js';
import type { DriverName } from '../drivers/types.js';
import { StorageError } from '../errors.js';
import type { StoreOptions } from '../types.js';
import type { StorageConf } from './schema.js';
import { exists, findStorageConf, OVERRIDE_CONFIG_FILE, SYSTEM_CONFIG_FILE, type Env } from './search.js';

export const DEFAULT_GRAPH_ROOT = '/var/lib/containers/storage';
export const DEFAULT_RUN_ROOT = '/run/containers/storage';

export interface LoadStoreOptionsInput {
  /** The environment to read (`process.env` at the CLI's edge). */
  env: Env;
  /** Read this file (it must exist) instead of searching, as Go's SetDefaultConfigFilePath does. */
  configPath?: string;
  /** Whose defaults: 0 is root. Default: `_CONTAINERS_ROOTLESS_UID`, else the process's uid. */
  uid?: number;
  /** Where `remap-user`/`remap-group` ranges are read: default /etc/subuid and /etc/subgid. */
  subIdFiles?: { subuid: string; subgid: string };
}

export interface LoadedStoreOptions {
  options: StoreOptions;
  /** The storage.conf that was read; absent when none exists. */
  configFile?: string;
  /** Text the caller may print (Go logs these as warnings): unknown keys, ignored settings. */
  warnings: string[];
}

/**
 * Reads storage.conf and the environment into StoreOptions. Prints nothing.
 * @throws StorageError `config-invalid` for unreadable or malformed TOML, values of the
 *   wrong type, a driver Berth does not have, or several driver directories to choose from.
 * @example
 * const { options, warnings } = await loadStoreOptions({ env: process.env });
 * const store = await openStore(options);
 */
export async function loadStoreOptions(input: LoadStoreOptionsInput): Promise<LoadedStoreOptions> {
  const { env } = input;
  const uid = input.uid ?? rootlessUid(env);
  const warnings: string[] = [];
  const choice = input.configPath !== undefined
    ? { path: input.configPath, mustExist: true }
    : await findStorageConf(env, uid);
  const own = await readStorageConf(choice.path, choice.mustExist, warnings);

  let settings: ConfSettings;
  let configFile = own ? choice.path : undefined;
  if (uid === 0 || own) {
    settings = await settingsFromConf(own ?? {}, env, warnings, input.subIdFiles);
    const rootless = uid !== 0 ? rootlessRoots(env, uid) : undefined;
    settings.runRoot ||= rootless ? rootless.runRoot : DEFAULT_RUN_ROOT;
    settings.graphRoot ||= rootless ? settings.rootlessStoragePath || rootless.graphRoot : DEFAULT_GRAPH_ROOT;
  } else {
    const system = await readSystemConf(warnings);
    configFile = system?.path;
    settings = rootlessFromSystem(await settingsFromConf(system?.conf ?? {}, {}, warnings, input.subIdFiles), env, uid);
  }

  const graphRoot = expandPath(settings.graphRoot, uid, env);
  const runRoot = expandPath(settings.runRoot, uid, env);
  const driverName = await chooseDriver(graphRoot, settings.driverName, settings.driverPriority, configFile);
  const options: StoreOptions = { runRoot, graphRoot, driverName, driverOptions: settings.driverOptions };
  if (settings.transientStore) options.transientStore = true;
  if (settings.imageStore) options.imageStore = expandPath(settings.imageStore, uid, env);
  if (settings.pullOptions) options.pullOptions = settings.pullOptions;
  Object.assign(options, settings.autoUserns, settings.remap);
  if (idmappedMountsDisabled(env)) options.disableIdmappedMounts = true;
  return configFile ? { options, configFile, warnings } : { options, warnings };
}

/** What one storage.conf (plus STORAGE_DRIVER / STORAGE_OPTS) says, before defaults. */
interface ConfSettings {
  driverName: string;
  driverPriority: string[];
  runRoot: string;
  graphRoot: string;
  rootlessStoragePath: string;
  driverOptions: string[];
  transientStore: boolean;
  /** `[storage] imagestore`: the root of a split store's images and layers. */
  imageStore: string;
  pullOptions?: Record<string, string>;
  /** `root-auto-userns-user`, `auto-userns-min-size`, `auto-userns-max-size`. */
  autoUserns: Pick<StoreOptions, 'autoUsernsUser' | 'autoNsMinSize' | 'autoNsMaxSize'>;
  /** `ignore_chown_errors` options from the file, which rootless users inherit. */
  chownOptions: string[];
  /** `remap-uids`/`remap-gids` or `remap-user`/`remap-group`: the store's default maps. */
  remap: Pick<StoreOptions, 'uidMap' | 'gidMap'>;
}

// ReloadConfigurationFile: STORAGE_DRIVER beats `driver`, `overlay2` means
// `overlay`, and a set STORAGE_OPTS replaces every driver option of the file.
// driver-options and schema load only here and in readStorageConf: CLI runs
// with --graph/--run/--storage-driver never read a storage.conf.
async function settingsFromConf(conf: StorageConf, env: Env, warnings: string[], subIdFiles?: LoadStoreOptionsInput['subIdFiles']): Promise<ConfSettings> {
  const { driverOptionsFromConf } = await import('./driver-options.js');
  const storage = table(conf.storage);
  const options = table(storage.options);
  const confDriver = env.STORAGE_DRIVER || text(storage.driver);
  const driverName = confDriver === 'overlay2' ? 'overlay' : confDriver;
  let driverOptions = driverOptionsFromConf(options, confDriver, driverName);
  const chownOptions = driverOptions.filter((option) => option.includes('ignore_chown_errors'));
  if (env.STORAGE_OPTS !== undefined) driverOptions = env.STORAGE_OPTS.split(',');
  if (driverOptions.length === 1 && driverOptions[0] === '') driverOptions = [];
  warnIgnored(options, warnings);
  const settings: ConfSettings = {
    driverName,
    driverPriority: Array.isArray(storage.driver_priority) ? storage.driver_priority : [],
    runRoot: text(storage.runroot),
    graphRoot: text(storage.graphroot),
    rootlessStoragePath: text(storage.rootless_storage_path),
    driverOptions,
    transientStore: storage.transient_store === true,
    imageStore: text(storage.imagestore),
    autoUserns: autoUsernsSettings(options),
    chownOptions,
    remap: await remapSettings(options, subIdFiles),
  };
  if (options.pull_options) settings.pullOptions = { ...(options.pull_options as Record<string, string>) };
  return settings;
}

function autoUsernsSettings(options: StorageConf): ConfSettings['autoUserns'] {
  const settings: ConfSettings['autoUserns'] = {};
  if (text(options['root-auto-userns-user'])) settings.autoUsernsUser = text(options['root-auto-userns-user']);
  if (typeof options['auto-userns-min-size'] === 'number') settings.autoNsMinSize = options['auto-userns-min-size'];
  if (typeof options['auto-userns-max-size'] === 'number') settings.autoNsMaxSize = options['auto-userns-max-size'];
  return settings;
}

/**
 * ReloadConfigurationFile's maps: `remap-uids`/`remap-gids` in ParseIDMap's
 * syntax, replaced by the subordinate ranges of `remap-user`/`remap-group`
 * when either is set (each standing in for the other when alone).
 * @throws StorageError `config-invalid` for a malformed map or a name with no ranges.
 */
async function remapSettings(options: StorageConf, subIdFiles?: LoadStoreOptionsInput['subIdFiles']): Promise<ConfSettings['remap']> {
  const { IdMappingError, parseIdMapSpecs, subIdMappings } = await import('../../idmap/index.js');
  let maps: ConfSettings['remap'];
  try {
    maps = { uidMap: parseIdMapSpecs([text(options['remap-uids'])], 'remap-uids'), gidMap: parseIdMapSpecs([text(options['remap-gids'])], 'remap-gids') };
    const user = text(options['remap-user']) || text(options['remap-group']);
    const group = text(options['remap-group']) || user;
    if (user) maps = subIdMappings(user, group, subIdFiles);
  } catch (err) {
    if (!(err instanceof IdMappingError)) throw err;
    throw new StorageError('config-invalid', err.message, { setting: 'remap' }, { cause: err });
  }
  const remap: ConfSettings['remap'] = {};
  if (maps.uidMap?.length) remap.uidMap = maps.uidMap;
  if (maps.gidMap?.length) remap.gidMap = maps.gidMap;
  return remap;
}

// Settings Go honours that change what a store is, and Berth cannot do yet.
function warnIgnored(options: StorageConf, warnings: string[]): void {
  const ignored: string[] = [];
  if (text(options.imagestore)) ignored.push('options.imagestore');
  if (options['disable-volatile'] === true) ignored.push('disable-volatile');
  if (ignored.length) warnings.push(`storage.conf settings not supported by Berth, ignored: ${ignored.join(', ')}`);
}

// getRootlessStorageOpts: a rootless user without their own storage.conf keeps the
// system file's rootless-capable driver and pull options, its ignore_chown_errors,
// and gets per-user roots; STORAGE_OPTS is appended here, not a replacement.
function rootlessFromSystem(system: ConfSettings, env: Env, uid: number): ConfSettings {
  const roots = rootlessRoots(env, uid);
  let driverName = ['overlay', 'vfs', 'btrfs'].includes(system.driverName) ? system.driverName : '';
  if (env.STORAGE_DRIVER) driverName = env.STORAGE_DRIVER === 'overlay2' ? 'overlay' : env.STORAGE_DRIVER;
  const driverOptions = driverName === 'overlay' ? system.chownOptions.slice(0, 1) : [];
  if (env.STORAGE_OPTS) driverOptions.push(...env.STORAGE_OPTS.split(','));
  return {
    ...system,
    remap: {},
    driverName,
    runRoot: roots.runRoot,
    graphRoot: system.rootlessStoragePath || roots.graphRoot,
    driverOptions,
  };
}

function rootlessRoots(env: Env, uid: number): { runRoot: string; graphRoot: string } {
  const runtimeDir = env.XDG_RUNTIME_DIR || `/run/user/${uid}`;
  const dataHome = env.XDG_DATA_HOME || join(env.HOME || '/', '.local/share');
  return { runRoot: join(runtimeDir, 'containers'), graphRoot: join(dataHome, 'containers/storage') };
}

async function readSystemConf(warnings: string[]): Promise<{ path: string; conf: StorageConf } | undefined> {
  for (const path of [OVERRIDE_CONFIG_FILE, SYSTEM_CONFIG_FILE]) {
    const conf = await readStorageConf(path, false, warnings);
    if (conf) return { path, conf };
  }
  return undefined;
}

async function readStorageConf(path: string, mustExist: boolean, warnings: string[]): Promise<StorageConf | undefined> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (!mustExist && isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw new StorageError('config-invalid', `reading ${path}: ${(err as Error).message}`, { file: path }, { cause: err });
  }
  // smol-toml is loaded only here: CLI runs with --graph/--run never pay for it.
  const { parse } = await import('smol-toml');
  let doc: Record<string, unknown>;
  try {
    doc = parse(blankTomlCommentLines(text));
  } catch (err) {
    // smol-toml's message carries a multi-line code frame; keep its first line and the position.
    const { line, column } = err as { line?: number; column?: number };
    const where = line ? ` (line ${line}, column ${column})` : '';
    const reason = (err as Error).message.split('\n')[0];
    throw new StorageError('config-invalid', `parsing ${path}${where}: ${reason}`, { file: path, line, column }, { cause: err });
  }
  const { checkStorageConf } = await import('./schema.js');
  const { conf, unknownKeys } = checkStorageConf(doc, path);
  if (unknownKeys.length) {
    warnings.push(`Failed to decode the keys [${unknownKeys.map((key) => JSON.stringify(key)).join(' ')}] from ${JSON.stringify(path)}`);
  }
  return conf;
}

/**
 * The driver for `graphRoot`: `configured` when given (`overlay2` means overlay).
 * With none, Go picks the driver whose directory already exists in the graph root
 * (with driver_priority: among those listed; without it, an existing vfs directory
 * does not count), else the first that works: overlay.
 * @throws StorageError `config-invalid` for a driver Berth does not have or several candidates.
 */
export async function chooseDriver(graphRoot: string, configured = '', priority: readonly string[] = [], configFile?: string): Promise<DriverName> {
  if (configured === 'overlay2') configured = 'overlay';
  if (configured) return supportedDriver(configured, configFile);
  const candidates = priority.length ? priority.map((name) => (name === 'overlay2' ? 'overlay' : name)) : ['overlay'];
  const found: string[] = [];
  for (const name of candidates) if (exists(join(graphRoot, name))) found.push(name);
  if (found.length > 1) {
    throw new StorageError('config-invalid', `${graphRoot} contains several valid graphdrivers: ${found.join(', ')}; cleanup or explicitly choose storage driver (-s <DRIVER>)`, { graphRoot, drivers: found });
  }
  const chosen = found[0] ?? candidates.find((name) => name === 'overlay' || name === 'vfs') ?? candidates[0] ?? 'overlay';
  return supportedDriver(chosen, configFile);
}

function supportedDriver(name: string, configFile: string | undefined): DriverName {
  if (name === 'overlay' || name === 'vfs') return name;
  throw new StorageError('config-invalid', `driver "${name}" is not supported by Berth (overlay, vfs)`, { driver: name, file: configFile });
}

// expandEnvPath: `$UID`, then $VAR / ${VAR}; symlinks resolved when the path exists.
function expandPath(path: string, uid: number, env: Env): string {
  const expanded = path
    .replaceAll('$UID', String(uid))
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced: string | undefined, bare: string | undefined) => env[(braced ?? bare)!] ?? '');
  const absolute = resolve(normalize(expanded));
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}

/** Go's overlay driver reads `_CONTAINERS_OVERLAY_DISABLE_IDMAP` itself; the bats suite sets it. */
export function idmappedMountsDisabled(env: Env): boolean {
  return env._CONTAINERS_OVERLAY_DISABLE_IDMAP === 'yes';
}

function rootlessUid(env: Env): number {
  const fromEnv = env._CONTAINERS_ROOTLESS_UID;
  if (fromEnv) return Number.parseInt(fromEnv, 10) || 0;
  return process.getuid?.() ?? 0;
}

function table(value: unknown): StorageConf {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as StorageConf : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
