// The keys storage.conf may hold (containers/storage v1.50.2 types.TomlConfig and
// pkg/config.OptionsConfig), checked against a parsed TOML document. Keys the Go
// library does not know are collected for the warning it prints; values of the
// wrong type are a typed error, as BurntSushi/toml refuses them too.

import { StorageError } from '../errors.js';

/**
 * `string`: TOML string. `flag`: a Go string field that configs commonly write as a
 * boolean too (`skip_mount_home = true`); both are kept as the text Go would pass on.
 * `strings`: array of strings. `integer`: TOML integer. `mode`: file mode, an integer
 * or an octal string. `map`: table of strings. `bool`: TOML boolean.
 */
type ValueKind = 'string' | 'flag' | 'strings' | 'integer' | 'mode' | 'map' | 'bool';
interface TableSchema { [key: string]: ValueKind | TableSchema }

const OVERLAY_TABLE: TableSchema = {
  ignore_chown_errors: 'flag', mountopt: 'string', mount_program: 'string', size: 'string',
  inodes: 'string', skip_mount_home: 'flag', force_mask: 'string',
};

const THINPOOL_TABLE: TableSchema = Object.fromEntries(
  ['autoextend_percent', 'autoextend_threshold', 'basesize', 'blocksize', 'directlvm_device',
    'directlvm_device_force', 'fs', 'log_level', 'metadatasize', 'min_free_space', 'mkfsarg',
    'mountopt', 'size', 'use_deferred_deletion', 'use_deferred_removal', 'xfs_nospace_max_retries']
    .map((key) => [key, 'string' as const]),
);

const OPTIONS_TABLE: TableSchema = {
  additionalimagestores: 'strings', imagestore: 'string', additionallayerstores: 'strings',
  size: 'string', 'remap-uids': 'string', 'remap-gids': 'string', ignore_chown_errors: 'flag',
  force_mask: 'mode', 'remap-user': 'string', 'remap-group': 'string',
  'root-auto-userns-user': 'string', 'auto-userns-min-size': 'integer', 'auto-userns-max-size': 'integer',
  skip_mount_home: 'flag', mount_program: 'string', mountopt: 'string', pull_options: 'map',
  'disable-volatile': 'bool',
  aufs: { mountopt: 'string' },
  btrfs: { min_space: 'string', size: 'string' },
  thinpool: THINPOOL_TABLE,
  overlay: OVERLAY_TABLE,
  vfs: { ignore_chown_errors: 'flag' },
  zfs: { mountopt: 'string', fsname: 'string', size: 'string' },
};

const ROOT_TABLE: TableSchema = {
  storage: {
    driver: 'string', driver_priority: 'strings', runroot: 'string', graphroot: 'string',
    imagestore: 'string', rootless_storage_path: 'string', transient_store: 'bool',
    options: OPTIONS_TABLE,
  },
};

/** A checked storage.conf: every value has its schema type; absent keys are absent. */
export type StorageConf = { [key: string]: string | number | boolean | string[] | StorageConf };

export interface CheckedStorageConf {
  conf: StorageConf;
  /** Dotted paths of keys the schema does not know (`storage.options.foo`). */
  unknownKeys: string[];
}

/** Checks a parsed TOML document; `file` names the source in errors. */
export function checkStorageConf(doc: Record<string, unknown>, file: string): CheckedStorageConf {
  const unknownKeys: string[] = [];
  const conf = checkTable(doc, ROOT_TABLE, '', file, unknownKeys);
  return { conf, unknownKeys };
}

function checkTable(table: Record<string, unknown>, schema: TableSchema, prefix: string, file: string, unknownKeys: string[]): StorageConf {
  const out: StorageConf = {};
  for (const [key, value] of Object.entries(table)) {
    const path = prefix + key;
    const kind = schema[key];
    if (kind === undefined) {
      collectKeys(value, path, unknownKeys);
    } else if (typeof kind === 'object') {
      if (!isTable(value)) throw wrongType(file, path, 'a table', value);
      out[key] = checkTable(value, kind, path + '.', file, unknownKeys);
    } else {
      out[key] = checkValue(value, kind, path, file);
    }
  }
  return out;
}

// BurntSushi's MetaData.Undecoded lists every leaf key below an unknown table too.
function collectKeys(value: unknown, path: string, unknownKeys: string[]): void {
  unknownKeys.push(path);
  if (isTable(value)) {
    for (const [key, member] of Object.entries(value)) collectKeys(member, `${path}.${key}`, unknownKeys);
  }
}

function checkValue(value: unknown, kind: ValueKind, path: string, file: string): string | number | boolean | string[] | StorageConf {
  switch (kind) {
    case 'string':
      if (typeof value === 'string') return value;
      throw wrongType(file, path, 'a string', value);
    case 'flag':
      if (typeof value === 'string') return value;
      if (typeof value === 'boolean') return String(value);
      throw wrongType(file, path, 'a string or boolean', value);
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw wrongType(file, path, 'a boolean', value);
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
      if (typeof value === 'bigint' && value >= 0n && value <= 0xffffffffn) return Number(value);
      throw wrongType(file, path, 'a non-negative integer', value);
    case 'mode':
      return checkMode(value, path, file);
    case 'strings':
      if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
      throw wrongType(file, path, 'an array of strings', value);
    case 'map':
      if (isTable(value) && Object.values(value).every((item) => typeof item === 'string')) return value as StorageConf;
      throw wrongType(file, path, 'a table of strings', value);
  }
}

// Go decodes force_mask into an os.FileMode (an integer, `0o755`); an octal string
// (`"0755"`) is accepted too because the overlay table spells it that way.
function checkMode(value: unknown, path: string, file: string): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0o7777) return value;
  if (typeof value === 'string' && /^0?[0-7]{1,4}$/.test(value)) return parseInt(value, 8);
  throw wrongType(file, path, 'a file mode (0o755 or "0755")', value);
}

function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function wrongType(file: string, path: string, expected: string, value: unknown): StorageError {
  const got = Array.isArray(value) ? 'array' : typeof value;
  return new StorageError('config-invalid', `${file}: key "${path}" must be ${expected}, not ${got}`, { file, key: path });
}
