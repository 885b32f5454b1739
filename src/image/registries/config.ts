// registries.conf (v2, and v1 read for compatibility) parsed into typed
// settings: one main file plus drop-ins merged in order, as containers/image's
// sysregistriesv2 does. The caller names the files; nothing here reads env vars.

import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { blankTomlCommentLines, isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { isShortName, parseNormalizedReference } from '../reference/index.js';

export type ShortNameMode = 'enforcing' | 'permissive' | 'disabled';
export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface RegistryMirror {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

/** One `[[registry]]` table, validated. */
export interface RegistryEntry {
  /** `host[:port][/path…]` or `*.domain`; defaults to `location`. */
  prefix: string;
  /** Where the prefix really lives; empty only for a wildcard prefix (no rewrite). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: RegistryMirror[];
}

export interface RegistriesConfig {
  unqualifiedSearchRegistries: string[];
  shortNameMode: ShortNameMode;
  /** `short` → `host/path`, no tag or digest on either side. */
  aliases: Record<string, string>;
  /** `containers-auth.json` means the auth files; other names are `docker-credential-<name>`. */
  credentialHelpers: string[];
  registries: RegistryEntry[];
  /** The files the settings came from, in the order they were applied (for error messages). */
  files: string[];
}

export const AUTH_FILE_HELPER = 'containers-auth.json';

/** Settings with nothing configured (what a missing registries.conf means). */
export function emptyRegistriesConfig(): RegistriesConfig {
  return {
    unqualifiedSearchRegistries: [], shortNameMode: 'permissive', aliases: {},
    credentialHelpers: [AUTH_FILE_HELPER], registries: [], files: [],
  };
}

export interface RegistriesConfigFiles {
  /** The main file; a missing file counts as empty. */
  main: string;
  /** Drop-in directories, read in this order, each one's `*.conf` in lexical order. */
  dropInDirs: string[];
}

/** Reads the main file and the drop-ins and merges them; later files win. */
export async function loadRegistriesConfig(files: RegistriesConfigFiles): Promise<RegistriesConfig> {
  const config = emptyRegistriesConfig();
  const paths = [files.main];
  for (const dir of files.dropInDirs) paths.push(...await confFilesIn(dir));
  for (const path of paths) {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) continue;
      throw configError(path, `cannot read: ${(err as Error).message}`, err);
    }
    mergeRegistriesFile(config, path, text, path !== files.main);
  }
  return config;
}

/** Merges one file's text into `config` (exported for tests of the merge rules). */
export function mergeRegistriesFile(config: RegistriesConfig, path: string, text: string, isDropIn = false): void {
  let table: Record<string, unknown>;
  try {
    table = parseToml(blankTomlCommentLines(text)) as Record<string, unknown>;
  } catch (err) {
    throw configError(path, (err as Error).message, err);
  }
  if (table.registries !== undefined) {
    if (isDropIn) throw configError(path, 'drop-in files must use the v2 format');
    mergeV1(config, path, table);
  } else {
    mergeV2(config, path, table);
  }
  config.files.push(path);
}

function mergeV2(config: RegistriesConfig, path: string, table: Record<string, unknown>): void {
  const search = table['unqualified-search-registries'];
  if (search !== undefined) config.unqualifiedSearchRegistries = stringArray(path, 'unqualified-search-registries', search);
  const mode = table['short-name-mode'];
  if (mode !== undefined) {
    if (mode !== 'enforcing' && mode !== 'permissive' && mode !== 'disabled') {
      throw configError(path, `invalid short-name-mode ${JSON.stringify(mode)}: must be enforcing, permissive or disabled`);
    }
    config.shortNameMode = mode;
  }
  const helpers = table['credential-helpers'];
  if (helpers !== undefined) config.credentialHelpers = stringArray(path, 'credential-helpers', helpers);
  const aliases = table.aliases;
  if (aliases !== undefined) mergeAliases(config.aliases, path, aliases);
  const registries = table.registry;
  if (registries !== undefined) {
    if (!Array.isArray(registries)) throw configError(path, '[[registry]] must be an array of tables');
    for (const raw of registries) replaceByPrefix(config.registries, parseRegistryTable(path, raw));
  }
}

// v1: `[registries.search] registries = […]`, `.insecure`, `.block`.
function mergeV1(config: RegistriesConfig, path: string, table: Record<string, unknown>): void {
  const v2Keys = ['registry', 'unqualified-search-registries', 'aliases', 'short-name-mode'].filter((k) => table[k] !== undefined);
  if (v2Keys.length > 0) throw configError(path, `mixing the v1 [registries] table with v2 keys (${v2Keys.join(', ')}) is not allowed`);
  const v1 = asTable(path, 'registries', table.registries);
  const list = (key: string) => {
    const sub = v1[key];
    return sub === undefined ? [] : stringArray(path, `registries.${key}.registries`, asTable(path, `registries.${key}`, sub).registries ?? []);
  };
  config.unqualifiedSearchRegistries = list('search');
  const entry = (host: string): RegistryEntry => {
    let found = config.registries.find((r) => r.prefix === host);
    if (!found) {
      found = { prefix: host, location: host, insecure: false, blocked: false, mirrorByDigestOnly: false, mirrors: [] };
      config.registries.push(found);
    }
    return found;
  };
  for (const host of list('insecure')) entry(host).insecure = true;
  for (const host of list('block')) entry(host).blocked = true;
}

function parseRegistryTable(path: string, raw: unknown): RegistryEntry {
  const t = asTable(path, '[[registry]]', raw);
  const location = stripLocation(path, optionalString(path, 'location', t.location) ?? '');
  const prefix = optionalString(path, 'prefix', t.prefix) ?? location;
  if (prefix === '' && location === '') throw configError(path, 'a [[registry]] table needs a prefix or a location');
  const wildcard = prefix.startsWith('*.');
  if (location === '' && !wildcard) throw configError(path, `registry "${prefix}" has an empty location`);
  const mirrorByDigestOnly = optionalBool(path, 'mirror-by-digest-only', t['mirror-by-digest-only']) ?? false;
  const mirrorsRaw = t.mirror ?? [];
  if (!Array.isArray(mirrorsRaw)) throw configError(path, `[[registry.mirror]] of "${prefix}" must be an array of tables`);
  const mirrors = mirrorsRaw.map((m): RegistryMirror => {
    const mt = asTable(path, '[[registry.mirror]]', m);
    const pull = mt['pull-from-mirror'];
    if (pull !== undefined && mirrorByDigestOnly) {
      throw configError(path, `registry "${prefix}": mirror-by-digest-only cannot be combined with pull-from-mirror`);
    }
    if (pull !== undefined && pull !== 'all' && pull !== 'digest-only' && pull !== 'tag-only') {
      throw configError(path, `invalid pull-from-mirror ${JSON.stringify(pull)}: must be all, digest-only or tag-only`);
    }
    const mirrorLocation = stripLocation(path, optionalString(path, 'mirror location', mt.location) ?? '');
    if (mirrorLocation === '') throw configError(path, `a mirror of "${prefix}" has no location`);
    return {
      location: mirrorLocation,
      insecure: optionalBool(path, 'insecure', mt.insecure) ?? false,
      pullFromMirror: (pull as PullFromMirror | undefined) ?? (mirrorByDigestOnly ? 'digest-only' : 'all'),
    };
  });
  return {
    prefix, location,
    insecure: optionalBool(path, 'insecure', t.insecure) ?? false,
    blocked: optionalBool(path, 'blocked', t.blocked) ?? false,
    mirrorByDigestOnly, mirrors,
  };
}

// Aliases: the key must be a short name, the value a qualified name; neither
// carries a tag or digest; `""` deletes an alias set by an earlier file.
function mergeAliases(aliases: Record<string, string>, path: string, raw: unknown): void {
  for (const [name, value] of Object.entries(asTable(path, 'aliases', raw))) {
    if (typeof value !== 'string') throw configError(path, `alias "${name}" must be a string`);
    if (value === '') {
      delete aliases[name];
      continue;
    }
    validateAlias(path, name, value);
    aliases[name] = value;
  }
}

export function validateAlias(path: string, name: string, value: string): void {
  if (!isShortName(name)) throw configError(path, `alias "${name}" must be a short name (no registry)`);
  for (const [what, text] of [['alias', name], ['alias value', value]] as const) {
    let ref;
    try {
      ref = parseNormalizedReference(text);
    } catch (err) {
      throw configError(path, `${what} "${text}" is not a valid reference`, err);
    }
    if (ref.tag !== undefined || ref.digest !== undefined) throw configError(path, `${what} "${text}" must not have a tag or digest`);
  }
  if (isShortName(value)) throw configError(path, `alias value "${value}" must name a registry`);
}

function replaceByPrefix(list: RegistryEntry[], entry: RegistryEntry): void {
  const at = list.findIndex((r) => r.prefix === entry.prefix);
  if (at >= 0) list[at] = entry;
  else list.push(entry);
}

function stripLocation(path: string, location: string): string {
  if (/^https?:\/\//.test(location)) throw configError(path, `invalid location "${location}": URI schemes are not supported`);
  return location.replace(/\/+$/, '');
}

async function confFilesIn(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return [];
    throw configError(dir, `cannot list drop-in directory: ${(err as Error).message}`, err);
  }
  return names.filter((n) => n.endsWith('.conf')).sort().map((n) => join(dir, n));
}

function asTable(path: string, what: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw configError(path, `${what} must be a table`);
  return value as Record<string, unknown>;
}

function stringArray(path: string, what: string, value: unknown): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw configError(path, `${what} must be an array of strings`);
  return value as string[];
}

function optionalString(path: string, what: string, value: unknown): string | undefined {
  if (value !== undefined && typeof value !== 'string') throw configError(path, `${what} must be a string`);
  return value;
}

function optionalBool(path: string, what: string, value: unknown): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw configError(path, `${what} must be true or false`);
  return value;
}

function configError(path: string, message: string, cause?: unknown): ImageError {
  return new ImageError('registries-conf-invalid', `registries configuration "${path}": ${message}`, { path }, { cause });
}
