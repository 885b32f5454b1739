// policy.json (containers-policy.json(5)) read and checked as containers/image
// does: unknown keys and wrong types are errors naming the file and the JSON
// path; nothing is evaluated here (see evaluate.ts).

import { readFile } from 'node:fs/promises';
import { posix } from 'node:path';
import { isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { DOMAIN_RE, parseNormalizedReference, parseReference, referenceString, repositoryName } from '../reference/index.js';

export type SignedIdentity =
  | { type: 'matchExact' }
  | { type: 'matchRepoDigestOrExact' }
  | { type: 'matchRepository' }
  | { type: 'exactReference'; dockerReference: string }
  | { type: 'exactRepository'; dockerRepository: string }
  | { type: 'remapIdentity'; prefix: string; signedPrefix: string };

/** Where a requirement's public keys are: files, or the bytes inline (`keyData`, base64 in the JSON). */
export type KeySource = { paths: string[] } | { data: Buffer };

export type PolicyRequirement =
  | { type: 'insecureAcceptAnything' }
  | { type: 'reject' }
  | { type: 'signedBy'; keyType: 'GPGKeys'; keys: KeySource; signedIdentity: SignedIdentity }
  | { type: 'sigstoreSigned'; keys: KeySource; signedIdentity: SignedIdentity };

export interface Policy {
  default: PolicyRequirement[];
  /** transport name → scope → requirements (all of which must accept). */
  transports: Record<string, Record<string, PolicyRequirement[]>>;
}

/**
 * The policy file containers/image reads: `override` (`--signature-policy`),
 * else `$HOME/.config/containers/policy.json` when it exists, else
 * /etc/containers/policy.json.
 */
export async function loadPolicy(options: { override?: string; homeDir?: string } = {}): Promise<Policy> {
  const candidates = options.override ? [options.override] : [
    ...(options.homeDir ? [posix.join(options.homeDir, '.config/containers/policy.json')] : []),
    '/etc/containers/policy.json',
  ];
  for (const file of candidates) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT') && file !== candidates[candidates.length - 1]) continue;
      throw new ImageError('policy-invalid', `reading signature policy ${file}: ${(err as Error).message}`, { file }, { cause: err });
    }
    return parsePolicy(text, file);
  }
  throw new ImageError('policy-invalid', 'no signature policy file to read', {});
}

/** Parses policy.json text; `file` names the input in errors. */
export function parsePolicy(text: string, file = 'policy.json'): Policy {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ImageError('policy-invalid', `${file}: not JSON: ${(err as Error).message}`, { file }, { cause: err });
  }
  const at = new JsonPath(file);
  const top = at.object(json, '', ['default', 'transports']);
  if (top.default === undefined) at.fail('', 'the "default" requirements are missing');
  const transports: Policy['transports'] = {};
  if (top.transports !== undefined && top.transports !== null) {
    for (const [transport, scopes] of Object.entries(at.object(top.transports, 'transports'))) {
      const where = `transports.${transport}`;
      if (transport === '') at.fail(where, 'an empty transport name');
      transports[transport] = {};
      for (const [scope, list] of Object.entries(at.object(scopes, where))) {
        const scopeWhere = `${where}[${JSON.stringify(scope)}]`;
        const problem = scopeProblem(transport, scope);
        if (problem) at.fail(scopeWhere, problem);
        (transports[transport] as Record<string, PolicyRequirement[]>)[scope] = requirements(at, list, scopeWhere);
      }
    }
  }
  return { default: requirements(at, top.default, 'default'), transports };
}

function requirements(at: JsonPath, value: unknown, where: string): PolicyRequirement[] {
  if (!Array.isArray(value)) at.fail(where, 'must be a list of requirements');
  if (value.length === 0) at.fail(where, 'the list of requirements must not be empty');
  return value.map((item, i) => requirement(at, item, `${where}[${i}]`));
}

function requirement(at: JsonPath, value: unknown, where: string): PolicyRequirement {
  const type = at.string(at.object(value, where).type, `${where}.type`);
  switch (type) {
    case 'insecureAcceptAnything':
    case 'reject':
      at.object(value, where, ['type']);
      return { type };
    case 'signedBy': {
      const o = at.object(value, where, ['type', 'keyType', 'keyPath', 'keyPaths', 'keyData', 'signedIdentity']);
      const keyType = at.string(o.keyType, `${where}.keyType`);
      if (keyType !== 'GPGKeys') at.fail(`${where}.keyType`, `key type ${JSON.stringify(keyType)} is not supported (only GPGKeys)`);
      return { type, keyType, keys: keySource(at, o, where, true), signedIdentity: signedIdentity(at, o.signedIdentity, `${where}.signedIdentity`) };
    }
    case 'sigstoreSigned': {
      const o = at.object(value, where, ['type', 'keyPath', 'keyData', 'fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyData', 'signedIdentity']);
      for (const key of ['fulcio', 'rekorPublicKeyPath', 'rekorPublicKeyData']) {
        if (o[key] !== undefined) at.fail(`${where}.${key}`, 'Fulcio certificates and Rekor are not supported; use keyPath or keyData');
      }
      return { type, keys: keySource(at, o, where, false), signedIdentity: signedIdentity(at, o.signedIdentity, `${where}.signedIdentity`) };
    }
    default:
      return at.fail(`${where}.type`, `unknown requirement type ${JSON.stringify(type)}`);
  }
}

/** Exactly one of keyPath, keyPaths (signedBy only), keyData. */
function keySource(at: JsonPath, o: Record<string, unknown>, where: string, allowPaths: boolean): KeySource {
  const given = ['keyPath', ...(allowPaths ? ['keyPaths'] : []), 'keyData'].filter((k) => o[k] !== undefined);
  if (given.length !== 1) at.fail(where, `exactly one of keyPath${allowPaths ? ', keyPaths' : ''} and keyData must be given (found ${given.length})`);
  if (o.keyPath !== undefined) return { paths: [at.string(o.keyPath, `${where}.keyPath`)] };
  if (o.keyPaths !== undefined) {
    if (!Array.isArray(o.keyPaths) || o.keyPaths.length === 0) at.fail(`${where}.keyPaths`, 'must be a non-empty list of paths');
    return { paths: o.keyPaths.map((p, i) => at.string(p, `${where}.keyPaths[${i}]`)) };
  }
  const text = at.string(o.keyData, `${where}.keyData`);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) at.fail(`${where}.keyData`, 'is not base64');
  return { data: Buffer.from(text, 'base64') };
}

function signedIdentity(at: JsonPath, value: unknown, where: string): SignedIdentity {
  if (value === undefined) return { type: 'matchRepoDigestOrExact' };
  const type = at.string(at.object(value, where).type, `${where}.type`);
  switch (type) {
    case 'matchExact':
    case 'matchRepoDigestOrExact':
    case 'matchRepository':
      at.object(value, where, ['type']);
      return { type };
    case 'exactReference': {
      const o = at.object(value, where, ['type', 'dockerReference']);
      const text = at.string(o.dockerReference, `${where}.dockerReference`);
      const ref = parseOr(at, text, `${where}.dockerReference`);
      if (ref.tag === undefined && ref.digest === undefined) at.fail(`${where}.dockerReference`, `${JSON.stringify(text)} has neither a tag nor a digest`);
      return { type, dockerReference: text };
    }
    case 'exactRepository': {
      const o = at.object(value, where, ['type', 'dockerRepository']);
      const text = at.string(o.dockerRepository, `${where}.dockerRepository`);
      parseOr(at, text, `${where}.dockerRepository`);
      return { type, dockerRepository: text };
    }
    case 'remapIdentity': {
      const o = at.object(value, where, ['type', 'prefix', 'signedPrefix']);
      const prefix = at.string(o.prefix, `${where}.prefix`);
      const signedPrefix = at.string(o.signedPrefix, `${where}.signedPrefix`);
      for (const [key, p] of [['prefix', prefix], ['signedPrefix', signedPrefix]] as const) {
        if (!isRemapPrefix(p)) at.fail(`${where}.${key}`, `${JSON.stringify(p)} is neither a host[:port] nor a host[:port]/namespace`);
      }
      return { type, prefix, signedPrefix };
    }
    default:
      return at.fail(`${where}.type`, `unknown signedIdentity type ${JSON.stringify(type)}`);
  }
}

// A remap prefix is a registry, or a repository/namespace written in full (no tag, no digest, no normalisation).
function isRemapPrefix(text: string): boolean {
  if (DOMAIN_RE.test(text)) return true;
  try {
    const ref = parseReference(text);
    return ref.tag === undefined && ref.digest === undefined && repositoryName(ref) === text;
  } catch {
    return false;
  }
}

function parseOr(at: JsonPath, text: string, where: string) {
  try {
    return parseNormalizedReference(text);
  } catch (err) {
    return at.fail(where, `${JSON.stringify(text)} is not a docker reference: ${(err as Error).message}`);
  }
}

/** Why `scope` is not a valid scope of `transport` (containers/image's ValidatePolicyConfigurationScope); undefined when it is. */
export function scopeProblem(transport: string, scope: string): string | undefined {
  if (scope === '') return undefined;
  switch (transport) {
    case 'docker': {
      if (scope.startsWith('*.')) return DOMAIN_RE.test(scope.slice(2)) && !scope.includes(':') ? undefined : `${JSON.stringify(scope)} is not a wildcard domain (*.example.com)`;
      if (!scope.includes('/')) return DOMAIN_RE.test(scope) ? undefined : `${JSON.stringify(scope)} is not a registry host`;
      try {
        const ref = parseReference(scope);
        return referenceString(ref) === scope ? undefined : `${JSON.stringify(scope)} is not written in full`;
      } catch (err) {
        return `${JSON.stringify(scope)} is not a docker reference or namespace: ${(err as Error).message}`;
      }
    }
    case 'dir':
    case 'oci':
    case 'oci-archive':
      if (!scope.startsWith('/')) return `${JSON.stringify(scope)} must be an absolute path`;
      if (scope === '/') return 'the scope "/" is not allowed (use "")';
      if (posix.normalize(scope).replace(/\/$/, '') !== scope) return `${JSON.stringify(scope)} is not a canonical path`;
      return undefined;
    case 'docker-archive':
      return 'docker-archive supports only the "" scope';
    case 'containers-storage':
      return scope.startsWith('[') && scope.includes(']') ? undefined : `${JSON.stringify(scope)} must start with [driver@graphroot+runroot]`;
    default:
      // Transports Berth does not know keep their scopes unchecked, as containers/image does.
      return undefined;
  }
}

/** Type checks that throw `policy-invalid` naming the file and the JSON path. */
class JsonPath {
  constructor(readonly file: string) {}

  fail(where: string, problem: string): never {
    throw new ImageError('policy-invalid', `${this.file}: ${where || 'the top level'}: ${problem}`, { file: this.file, path: where });
  }

  object(value: unknown, where: string, allowed?: string[]): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(where, 'must be a JSON object');
    if (allowed) {
      for (const key of Object.keys(value)) if (!allowed.includes(key)) this.fail(where, `unknown key ${JSON.stringify(key)}`);
    }
    return value as Record<string, unknown>;
  }

  string(value: unknown, where: string): string {
    if (typeof value !== 'string') this.fail(where, 'must be a string');
    return value;
  }
}
