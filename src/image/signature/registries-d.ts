// registries.d (containers-registries.d(5)): where a registry's signatures
// live. `default-docker` and per-scope `docker:` entries give the lookaside
// URL (`lookaside`, older `sigstore`; `-staging` variants for writing) and
// whether sigstore attachments in the registry are read
// (`use-sigstore-attachments`). Scopes are looked up as policy.json's are.

import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { parseNormalizedReference, type DockerReference } from '../reference/index.js';
import { dockerScopes } from './scopes.js';
import { parseYamlMapping, YamlSubsetError, type YamlMapping, type YamlNode } from './yaml-mapping.js';

export interface SignatureNamespace {
  lookaside?: string;
  lookasideStaging?: string;
  useSigstoreAttachments?: boolean;
}

export interface SignatureStorageConfig {
  defaultDocker?: SignatureNamespace;
  docker: Record<string, SignatureNamespace>;
}

const SYSTEM_DIR = '/etc/containers/registries.d';

/** `override` (`--registries.d`), else `$HOME/.config/containers/registries.d` when it exists, else /etc/containers/registries.d. */
export async function registriesDDir(user: { homeDir: string }, override?: string): Promise<string> {
  if (override) return override;
  const userDir = join(user.homeDir, '.config/containers/registries.d');
  try {
    if ((await stat(userDir)).isDirectory()) return userDir;
  } catch {
    // no user directory: the system one
  }
  return SYSTEM_DIR;
}

/** Every `*.yaml` file of `dir`, in name order; a missing directory is an empty configuration. */
export async function loadRegistriesD(dir: string): Promise<SignatureStorageConfig> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { docker: {} };
    throw new ImageError('registries-d-invalid', `reading ${dir}: ${(err as Error).message}`, { dir }, { cause: err });
  }
  const config: SignatureStorageConfig = { docker: {} };
  const definedIn = new Map<string, string>();
  for (const name of names) {
    const file = join(dir, name);
    const parsed = parseRegistriesDFile(await readFile(file, 'utf8'), file);
    const claim = (what: string) => {
      const earlier = definedIn.get(what);
      if (earlier) throw new ImageError('registries-d-invalid', `${file}: ${what} is configured in ${earlier} already`, { file, earlier, scope: what });
      definedIn.set(what, file);
    };
    if (parsed.defaultDocker) {
      claim('default-docker');
      config.defaultDocker = parsed.defaultDocker;
    }
    for (const [scope, ns] of Object.entries(parsed.docker)) {
      claim(`docker namespace ${JSON.stringify(scope)}`);
      config.docker[scope] = ns;
    }
  }
  return config;
}

/** One registries.d file; unknown keys are ignored, as containers/image's YAML reading ignores them. */
export function parseRegistriesDFile(text: string, file: string): SignatureStorageConfig {
  let root: YamlMapping;
  try {
    root = parseYamlMapping(text);
  } catch (err) {
    if (err instanceof YamlSubsetError) throw new ImageError('registries-d-invalid', `${file}: ${err.message}`, { file, line: err.line }, { cause: err });
    throw err;
  }
  const fail = (where: string, node: YamlNode, problem: string): never => {
    throw new ImageError('registries-d-invalid', `${file}: line ${node.line}: ${where}: ${problem}`, { file, line: node.line, key: where });
  };
  const namespace = (node: YamlNode, where: string): SignatureNamespace => {
    if (node.kind === 'null') return {};
    if (node.kind !== 'mapping') return fail(where, node, 'must be a mapping');
    const ns: SignatureNamespace = {};
    const text = (key: string): string | undefined => {
      const value = node.entries.get(key);
      if (!value || value.kind === 'null') return undefined;
      if (value.kind !== 'scalar') return fail(`${where}.${key}`, value, 'must be a URL string');
      return value.text;
    };
    const lookaside = text('lookaside') ?? text('sigstore');
    const staging = text('lookaside-staging') ?? text('sigstore-staging');
    if (lookaside) ns.lookaside = checkedUrl(lookaside, `${where}.lookaside`, node, fail);
    if (staging) ns.lookasideStaging = checkedUrl(staging, `${where}.lookaside-staging`, node, fail);
    const attachments = node.entries.get('use-sigstore-attachments');
    if (attachments && attachments.kind !== 'null') {
      const bool = attachments.kind === 'scalar' && !attachments.quoted ? { true: true, false: false }[attachments.text] : undefined;
      if (bool === undefined) fail(`${where}.use-sigstore-attachments`, attachments, 'must be true or false');
      ns.useSigstoreAttachments = bool;
    }
    return ns;
  };
  const config: SignatureStorageConfig = { docker: {} };
  const defaultDocker = root.entries.get('default-docker');
  if (defaultDocker) config.defaultDocker = namespace(defaultDocker, 'default-docker');
  const docker = root.entries.get('docker');
  if (docker && docker.kind !== 'null') {
    if (docker.kind !== 'mapping') fail('docker', docker, 'must be a mapping of namespaces');
    for (const [scope, node] of (docker as YamlMapping).entries) config.docker[scope] = namespace(node, `docker.${scope}`);
  }
  return config;
}

function checkedUrl(text: string, where: string, node: YamlNode, fail: (where: string, node: YamlNode, problem: string) => never): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(where, node, `${JSON.stringify(text)} is not a URL`);
  }
  if (!['file:', 'http:', 'https:'].includes(url.protocol)) fail(where, node, `${JSON.stringify(text)}: only file://, http:// and https:// are supported`);
  return text;
}

/**
 * The lookaside directory of `repository`'s signatures: the configured
 * top-level URL (most specific scope first, then default-docker, else the
 * built-in `/var/lib/containers/sigstore`, or `~/.local/share/containers/sigstore`
 * for a non-root user) plus the repository path without the host. Signatures
 * are `<this>@sha256=<hex>/signature-<n>`. For `write`, a scope's
 * `lookaside-staging` comes before its `lookaside` (containers/image's
 * signatureTopLevel: the first scope that names either wins).
 */
export function lookasideFor(config: SignatureStorageConfig, repository: DockerReference, user: { uid: number; homeDir: string }, options: { write?: boolean } = {}): URL {
  const top = firstOf(config, repository, (ns) => (options.write ? ns?.lookasideStaging : undefined) ?? ns?.lookaside)
    ?? (user.uid === 0 ? 'file:///var/lib/containers/sigstore' : new URL(`file://${join(user.homeDir, '.local/share/containers/sigstore')}`).href);
  const url = new URL(top);
  url.pathname = `${url.pathname.replace(/\/$/, '')}/${repository.path}`;
  return url;
}

/** Whether sigstore attachments (`sha256-<hex>.sig` in the registry) are read for `repository`. */
export function usesSigstoreAttachments(config: SignatureStorageConfig, repository: DockerReference): boolean {
  return firstOf(config, repository, (ns) => ns?.useSigstoreAttachments) ?? false;
}

/** The DockerTransportOptions hooks for these settings (repositories given as `host/path`). */
export function signatureStorageOptions(config: SignatureStorageConfig, user: { uid: number; homeDir: string }) {
  return {
    lookaside: (repository: string): URL => lookasideFor(config, parseNormalizedReference(repository), user),
    lookasideStaging: (repository: string): URL => lookasideFor(config, parseNormalizedReference(repository), user, { write: true }),
    useSigstoreAttachments: (repository: string): boolean => usesSigstoreAttachments(config, parseNormalizedReference(repository)),
  };
}

function firstOf<T>(config: SignatureStorageConfig, ref: DockerReference, pick: (ns: SignatureNamespace | undefined) => T | undefined): T | undefined {
  for (const scope of dockerScopes(ref)) {
    const found = pick(config.docker[scope]);
    if (found !== undefined) return found;
  }
  return pick(config.defaultDocker);
}
