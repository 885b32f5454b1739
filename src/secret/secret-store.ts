// podman's secrets (containers/common pkg/secrets with its file driver), on
// disk as podman 4.3 keeps them, so that either tool sees the other's:
// `<graphRoot>/secrets/secrets.json` holds the records and the name/ID maps,
// `<graphRoot>/secrets/filedriver/secretsdata.json` the data by ID (Go's
// base64 of the bytes), both 0600 in 0700 directories. Writers hold
// secrets.lock. A create writes the data before the record and a removal
// drops the record before the data, so that a crash between the two leaves at
// most data no record names, never a record without its data.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLockFile, type LockFile } from '../lock/index.js';
import { goTimeNow, isErrno, randomBytes, writeFileAtomicSync } from '../util/index.js';
import { SecretError } from './errors.js';

export interface Secret {
  /** 25 hex characters, as podman's. */
  id: string;
  name: string;
  labels: Record<string, string>;
  /** Go's RFC 3339 with nanoseconds. */
  createdAt: string;
  /** Always `file`. */
  driver: 'file';
  /** The file driver's `path`: the directory of secretsdata.json. */
  driverOptions: Record<string, string>;
}

export interface SecretCreateOptions {
  name: string;
  data: Buffer;
  /** Only `file`. */
  driver?: string;
  /** Only `path`, which must be the store's own (podman's file driver keeps its data there). */
  driverOptions?: Record<string, string>;
  labels?: Record<string, string>;
}

/** podman's limit on a secret's size. */
export const MAX_SECRET_BYTES = 512_000;
const ID_LENGTH = 25;
/** podman's secret names: up to 64 of [a-zA-Z0-9_.-], starting and ending with a letter or digit. */
const SECRET_NAME = /^[a-zA-Z0-9](?:[a-zA-Z0-9_.-]{0,62}[a-zA-Z0-9])?$/;

/** The record file as podman writes it: the secrets by ID, and the maps both ways. */
interface SecretsFile {
  secrets: Record<string, RecordOnDisk>;
  nameToID: Record<string, string>;
  idToName: Record<string, string>;
}

interface RecordOnDisk {
  name: string;
  id: string;
  labels?: Record<string, string>;
  createdAt: string;
  driver: string;
  driverOptions: Record<string, string>;
}

export function checkedSecretName(name: string): string {
  if (!SECRET_NAME.test(name)) {
    throw new SecretError('invalid-option', `only 64 [a-zA-Z0-9-_.] characters allowed, and the start and end character must be [a-zA-Z0-9]: ${name}: invalid secret name`, { name });
  }
  return name;
}

export class SecretStore {
  /** `<graphRoot>/secrets`. */
  readonly root: string;
  readonly #dataDir: string;
  readonly #lock: LockFile;

  constructor(graphRoot: string) {
    this.root = join(graphRoot, 'secrets');
    this.#dataDir = join(this.root, 'filedriver');
    mkdirSync(this.#dataDir, { recursive: true, mode: 0o700 });
    this.#lock = getLockFile(join(this.root, 'secrets.lock'));
  }

  /** Every secret, oldest first (podman lists in its map's order; this one is stable). */
  list(): Promise<Secret[]> {
    return this.#lock.withRLock(() => Object.values(this.#records().secrets).map(toSecret).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0)));
  }

  /** The secret by name, full ID or unique ID prefix. */
  get(ref: string): Promise<Secret> {
    return this.#lock.withRLock(() => toSecret(lookup(this.#records(), ref)));
  }

  /** The secret `ref` names and its data, read under one lock. */
  withData(ref: string): Promise<{ secret: Secret; data: Buffer }> {
    return this.#lock.withRLock(() => {
      const record = lookup(this.#records(), ref);
      const encoded = this.#data()[record.id];
      if (encoded === undefined) throw new SecretError('secret-unknown', `secret ${record.name} has no data in ${this.#dataDir}`, { name: record.name });
      return { secret: toSecret(record), data: Buffer.from(encoded, 'base64') };
    });
  }

  async create(options: SecretCreateOptions): Promise<Secret> {
    const name = checkedSecretName(options.name);
    if (options.driver !== undefined && options.driver !== 'file') {
      throw new SecretError('invalid-option', `secret driver ${JSON.stringify(options.driver)} is not supported by Berth: only file`, { driver: options.driver });
    }
    for (const [key, value] of Object.entries(options.driverOptions ?? {})) {
      if (key !== 'path' || value !== this.#dataDir) throw new SecretError('invalid-option', `the file driver takes no option ${key}=${value} here (its path is ${this.#dataDir})`, { option: key });
    }
    if (options.data.length === 0 || options.data.length >= MAX_SECRET_BYTES) {
      throw new SecretError('invalid-option', `secret data must be larger than 0 and less than ${MAX_SECRET_BYTES} bytes`, { name, bytes: options.data.length });
    }
    return this.#lock.withLock(() => {
      const records = this.#records();
      if (records.nameToID[name] !== undefined) throw new SecretError('secret-exists', `${name}: secret name in use`, { name });
      let id = newId();
      while (records.secrets[id] !== undefined) id = newId();
      const data = this.#data();
      data[id] = options.data.toString('base64');
      writeFileAtomicSync(this.#dataFile(), JSON.stringify(data, null, 2), { mode: 0o600 });
      const labels = options.labels && Object.keys(options.labels).length ? { labels: options.labels } : {};
      records.secrets[id] = { name, id, ...labels, createdAt: goTimeNow(), driver: 'file', driverOptions: { path: this.#dataDir } };
      records.nameToID[name] = id;
      records.idToName[id] = name;
      this.#writeRecords(records);
      return toSecret(records.secrets[id]!);
    });
  }

  /** Removes the secret `ref` names; resolves to its ID. */
  remove(ref: string): Promise<string> {
    return this.#lock.withLock(() => {
      const records = this.#records();
      const { id, name } = lookup(records, ref);
      delete records.secrets[id];
      delete records.nameToID[name];
      delete records.idToName[id];
      this.#writeRecords(records);
      const data = this.#data();
      delete data[id];
      writeFileAtomicSync(this.#dataFile(), JSON.stringify(data, null, 2), { mode: 0o600 });
      return id;
    });
  }

  #records(): SecretsFile {
    const file = readJson<Partial<SecretsFile>>(join(this.root, 'secrets.json')) ?? {};
    return { secrets: file.secrets ?? {}, nameToID: file.nameToID ?? {}, idToName: file.idToName ?? {} };
  }

  #writeRecords(records: SecretsFile): void {
    writeFileAtomicSync(join(this.root, 'secrets.json'), JSON.stringify(records, null, 2), { mode: 0o600 });
  }

  #data(): Record<string, string> {
    return readJson<Record<string, string>>(this.#dataFile()) ?? {};
  }

  #dataFile(): string {
    return join(this.#dataDir, 'secretsdata.json');
  }
}

/** The record `ref` names: a name, a full ID, or a prefix of one ID only. */
function lookup(records: SecretsFile, ref: string): RecordOnDisk {
  const byName = records.nameToID[ref];
  if (byName !== undefined && records.secrets[byName]) return records.secrets[byName]!;
  const ids = Object.keys(records.secrets).filter((id) => id.startsWith(ref));
  if (ref.length > 0 && ids.length === 1) return records.secrets[ids[0]!]!;
  if (ids.length > 1 && ref.length > 0) throw new SecretError('secret-unknown', `more than one result secret with prefix ${ref}: secret is ambiguous`, { ref });
  throw new SecretError('secret-unknown', `no secret with name or id ${JSON.stringify(ref)}: no such secret`, { ref });
}

function toSecret(record: RecordOnDisk): Secret {
  return { id: record.id, name: record.name, labels: record.labels ?? {}, createdAt: record.createdAt, driver: 'file', driverOptions: record.driverOptions ?? {} };
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

function newId(): string {
  return randomBytes(16).toString('hex').slice(0, ID_LENGTH);
}
