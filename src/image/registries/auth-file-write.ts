// What `login` and `logout` do to an auth file: add or replace one key's
// `auth` entry, or remove it, keeping every other key and field as it was;
// written atomically with mode 0600 (the file holds passwords).

import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { isErrno, writeFileAtomic } from '../../util/index.js';
import { ImageError } from '../errors.js';

/** Stores `username:password` under `key` (`host[:port]` or `host/namespace`). */
export async function saveCredentials(path: string, key: string, username: string, password: string): Promise<void> {
  const content = await readAuthFileForUpdate(path);
  const auths = (content.auths ?? {}) as Record<string, Record<string, unknown>>;
  auths[key] = { ...(auths[key] ?? {}), auth: Buffer.from(`${username}:${password}`).toString('base64') };
  delete auths[key]?.identitytoken;
  content.auths = auths;
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, JSON.stringify(content, null, '\t') + '\n', { mode: 0o600 });
}

/** Removes `key`; false when the file had no entry for it (podman: "not logged into"). */
export async function removeCredentials(path: string, key: string): Promise<boolean> {
  const content = await readAuthFileForUpdate(path);
  const auths = (content.auths ?? {}) as Record<string, unknown>;
  if (!(key in auths)) return false;
  delete auths[key];
  content.auths = auths;
  await writeFileAtomic(path, JSON.stringify(content, null, '\t') + '\n', { mode: 0o600 });
  return true;
}

/** Empties `auths` and `credHelpers` (podman logout --all); false when there was nothing to remove. */
export async function removeAllCredentials(path: string): Promise<boolean> {
  const content = await readAuthFileForUpdate(path);
  const had = Object.keys((content.auths ?? {}) as object).length + Object.keys((content.credHelpers ?? {}) as object).length > 0;
  if (!had) return false;
  content.auths = {};
  if (content.credHelpers !== undefined) content.credHelpers = {};
  await writeFileAtomic(path, JSON.stringify(content, null, '\t') + '\n', { mode: 0o600 });
  return true;
}

async function readAuthFileForUpdate(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return {};
    throw new ImageError('auth-file-invalid', `auth file "${path}": ${(err as Error).message}`, { path }, { cause: err });
  }
  try {
    const json = JSON.parse(text) as unknown;
    if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new Error('not a JSON object');
    return json as Record<string, unknown>;
  } catch (err) {
    // Refuse to overwrite what we cannot read: it may hold other registries' credentials.
    throw new ImageError('auth-file-invalid', `auth file "${path}" is not valid JSON: ${(err as Error).message}`, { path }, { cause: err });
  }
}
