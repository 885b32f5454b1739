// Registry credentials as containers-auth.json(5) describes them: auth files
// in order (most specific key first within each), `credHelpers` / `credsStore`
// credential helpers (`docker-credential-<name> get`), and registries.conf's
// `credential-helpers` list choosing between files and helpers.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { DEFAULT_DOMAIN } from '../reference/index.js';
import { AUTH_FILE_HELPER } from './config.js';
import type { AuthFileLocation } from './paths.js';

/** What a registry accepts: a user and password, or an OAuth2 refresh (identity) token. */
export type Credentials =
  | { username: string; password: string; identityToken?: undefined }
  | { username?: string; identityToken: string; password?: undefined };

/** Runs `docker-credential-<helper> get` with `serverURL` on stdin and returns its stdout. */
export type CredentialHelperRunner = (helper: string, serverURL: string) => Promise<string>;

export interface CredentialLookup {
  /** Auth files in order (see authFiles()). */
  files: AuthFileLocation[];
  /** registries.conf `credential-helpers` (default: the auth files only). */
  helpers?: string[];
  /** Replaces the real helper executables (tests). */
  runHelper?: CredentialHelperRunner;
}

/**
 * Credentials for `repository` (`host[:port]/path`), or undefined for
 * anonymous access. Within a file, keys are tried most specific first
 * (`host/a/b`, `host/a`, `host`); the first file with a hit wins.
 */
export async function findCredentials(repository: string, lookup: CredentialLookup): Promise<Credentials | undefined> {
  const runHelper = lookup.runHelper ?? runCredentialHelper;
  const host = repository.split('/', 1)[0] as string;
  for (const helper of lookup.helpers ?? [AUTH_FILE_HELPER]) {
    if (helper !== AUTH_FILE_HELPER) {
      const found = await credentialsFromHelper(helper, host, runHelper);
      if (found) return found;
      continue;
    }
    for (const file of lookup.files) {
      const found = await credentialsFromFile(file, repository, host, runHelper);
      if (found) return found;
    }
  }
  return undefined;
}

interface AuthFileContent {
  auths: Record<string, { auth?: string; identitytoken?: string }>;
  credHelpers: Record<string, string>;
  credsStore?: string;
}

async function credentialsFromFile(
  file: AuthFileLocation, repository: string, host: string, runHelper: CredentialHelperRunner,
): Promise<Credentials | undefined> {
  const content = await readAuthFile(file);
  if (!content) return undefined;
  const helper = content.credHelpers[host];
  if (helper) return credentialsFromHelper(helper, host, runHelper);
  const entries = new Map<string, { auth?: string; identitytoken?: string }>();
  for (const [key, value] of Object.entries(content.auths)) {
    const normalised = normaliseAuthKey(key);
    if (!entries.has(normalised)) entries.set(normalised, value);
  }
  for (const key of keysMostSpecificFirst(repository)) {
    const entry = entries.get(key);
    if (!entry) continue;
    const decoded = decodeAuth(entry);
    if (decoded) return decoded;
  }
  if (content.credsStore) return credentialsFromHelper(content.credsStore, host, runHelper);
  return undefined;
}

async function readAuthFile(file: AuthFileLocation): Promise<AuthFileContent | undefined> {
  let text: string;
  try {
    text = await readFile(file.path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw authFileError(file.path, (err as Error).message, err);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw authFileError(file.path, `not valid JSON: ${(err as Error).message}`, err);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw authFileError(file.path, 'not a JSON object');
  const obj = json as Record<string, unknown>;
  if (file.legacy) return { auths: obj as AuthFileContent['auths'], credHelpers: {} };
  const auths = obj.auths ?? {};
  const credHelpers = obj.credHelpers ?? {};
  if (typeof auths !== 'object' || auths === null || typeof credHelpers !== 'object' || credHelpers === null) {
    throw authFileError(file.path, '"auths" and "credHelpers" must be objects');
  }
  return {
    auths: auths as AuthFileContent['auths'],
    credHelpers: credHelpers as Record<string, string>,
    ...(typeof obj.credsStore === 'string' && obj.credsStore !== '' ? { credsStore: obj.credsStore } : {}),
  };
}

// `auth` is base64("user:password"); trailing NULs are trimmed from the
// password; an empty value (a credential-helper marker) or one without `:` is skipped.
function decodeAuth(entry: { auth?: string; identitytoken?: string }): Credentials | undefined {
  let username: string | undefined;
  let password: string | undefined;
  if (entry.auth) {
    const text = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = text.indexOf(':');
    if (colon > 0) {
      username = text.slice(0, colon);
      password = text.slice(colon + 1).replace(/\0+$/, '');
    }
  }
  if (entry.identitytoken) return { identityToken: entry.identitytoken, ...(username !== undefined ? { username } : {}) };
  if (username !== undefined && password !== undefined) return { username, password };
  return undefined;
}

async function credentialsFromHelper(helper: string, host: string, runHelper: CredentialHelperRunner): Promise<Credentials | undefined> {
  let out: string;
  try {
    out = await runHelper(helper, host);
  } catch (err) {
    // Helpers report a missing entry as a failure with this text (docker-credential-helpers' ErrCredentialsNotFound).
    if (/credentials not found/i.test((err as Error).message)) return undefined;
    throw new ImageError('credential-helper-failed', `credential helper docker-credential-${helper} failed for ${host}: ${(err as Error).message}`, {
      helper, host,
    }, { cause: err });
  }
  let reply: { Username?: unknown; Secret?: unknown };
  try {
    reply = JSON.parse(out) as typeof reply;
  } catch (err) {
    throw new ImageError('credential-helper-failed', `credential helper docker-credential-${helper} gave no JSON for ${host}`, { helper, host }, { cause: err });
  }
  if (typeof reply.Secret !== 'string' || reply.Secret === '') return undefined;
  // A user name of "<token>" marks an identity token (docker-credential-helpers' convention).
  if (reply.Username === '<token>') return { identityToken: reply.Secret };
  return { username: typeof reply.Username === 'string' ? reply.Username : '', password: reply.Secret };
}

/** The real helper: `docker-credential-<helper> get`, the server URL on stdin. */
export function runCredentialHelper(helper: string, serverURL: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(`docker-credential-${helper}`, ['get'], { maxBuffer: 1 << 20, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${stdout.trim() || stderr.trim() || err.message}`, { cause: err }));
      else resolve(stdout);
    });
    child.stdin?.end(serverURL);
  });
}

// Docker's legacy keys (`https://index.docker.io/v1/`, `http://host/…`) mean
// the host; the Docker Hub aliases all mean docker.io.
function normaliseAuthKey(key: string): string {
  let normalised = key;
  if (/^https?:\/\//.test(normalised)) normalised = normalised.replace(/^https?:\/\//, '').split('/', 1)[0] as string;
  if (normalised === 'index.docker.io' || normalised === 'registry-1.docker.io') normalised = DEFAULT_DOMAIN;
  return normalised;
}

function keysMostSpecificFirst(repository: string): string[] {
  const parts = repository.split('/');
  const keys: string[] = [];
  for (let n = parts.length; n >= 1; n--) keys.push(parts.slice(0, n).join('/'));
  return keys;
}

function authFileError(path: string, message: string, cause?: unknown): ImageError {
  return new ImageError('auth-file-invalid', `auth file "${path}": ${message}`, { path }, { cause });
}
