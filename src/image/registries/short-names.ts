// Short-name resolution as containers/image's shortnames package does it:
// a qualified name is its own only candidate; otherwise an alias (the
// machine-written cache first, then registries.conf), otherwise every search
// registry. Berth never prompts, so an ambiguous name in enforcing mode fails.

import { readFile } from 'node:fs/promises';
import { parse as parseToml } from 'smol-toml';
import { blankTomlCommentLines, isErrno } from '../../util/index.js';
import { ImageError } from '../errors.js';
import {
  isShortName, parseNormalizedReference, referenceString, withTagOrDigest, type DockerReference,
} from '../reference/index.js';
import { validateAlias, type RegistriesConfig, type ShortNameMode } from './config.js';

export interface ShortNameResolution {
  /** References to try in order; the first that exists wins. */
  candidates: DockerReference[];
  /** How they were found. */
  origin: 'qualified' | 'alias' | 'search-registries';
  /** The alias used, with the file it came from, when origin is `alias`. */
  alias?: { name: string; value: string; source: string };
}

export interface ShortNameOptions {
  /** Aliases from the machine-written cache file (win over registries.conf). */
  cachedAliases?: Record<string, string>;
  cacheFile?: string;
  /** Overrides registries.conf's `short-name-mode`. */
  mode?: ShortNameMode;
}

/**
 * Resolves `name` (as typed: `busybox`, `test/bb:1`, `quay.io/x/y`) to the
 * references to pull, in order.
 */
export function resolveShortName(config: RegistriesConfig, name: string, options: ShortNameOptions = {}): ShortNameResolution {
  const parsed = parseNormalizedReference(name);
  if (!isShortName(name)) return { candidates: [parsed], origin: 'qualified' };
  const short = shortPart(name);
  const parts = { ...(parsed.tag !== undefined ? { tag: parsed.tag } : {}), ...(parsed.digest !== undefined ? { digest: parsed.digest } : {}) };
  const alias = lookupAlias(config, short, options);
  if (alias) {
    return { candidates: [withTagOrDigest(parseNormalizedReference(alias.value), parts)], origin: 'alias', alias };
  }
  const files = config.files.length > 0 ? config.files.map((f) => `"${f}"`).join(', ') : 'no registries.conf';
  if (config.unqualifiedSearchRegistries.length === 0) {
    throw new ImageError('short-name-unresolvable',
      `short-name "${name}" did not resolve to an alias and no unqualified-search registries are defined in ${files}`, { name });
  }
  const candidates = config.unqualifiedSearchRegistries.map((registry) => withTagOrDigest(parseNormalizedReference(`${registry}/${short}`), parts));
  const mode = options.mode ?? config.shortNameMode;
  if (mode === 'enforcing' && candidates.length > 1) {
    throw new ImageError('short-name-ambiguous',
      `short-name resolution enforced but cannot prompt without a TTY: "${name}" could be ${candidates.map(referenceString).join(', ')}`,
      { name, candidates: candidates.map(referenceString) });
  }
  return { candidates, origin: 'search-registries' };
}

/** Reads the alias cache file (`[aliases]` only); a missing file has none. */
export async function loadShortNameAliasCache(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return {};
    throw new ImageError('registries-conf-invalid', `short-name alias cache "${path}": ${(err as Error).message}`, { path }, { cause: err });
  }
  let table: Record<string, unknown>;
  try {
    table = parseToml(blankTomlCommentLines(text)) as Record<string, unknown>;
  } catch (err) {
    throw new ImageError('registries-conf-invalid', `short-name alias cache "${path}": ${(err as Error).message}`, { path }, { cause: err });
  }
  const aliases: Record<string, string> = {};
  for (const [key, value] of Object.entries((table.aliases ?? {}) as Record<string, unknown>)) {
    if (typeof value !== 'string') continue;
    validateAlias(path, key, value);
    aliases[key] = value;
  }
  return aliases;
}

function lookupAlias(config: RegistriesConfig, short: string, options: ShortNameOptions): ShortNameResolution['alias'] {
  const cached = options.cachedAliases?.[short];
  if (cached) return { name: short, value: cached, source: options.cacheFile ?? 'short-name alias cache' };
  const configured = config.aliases[short];
  if (configured) return { name: short, value: configured, source: config.files.join(', ') };
  return undefined;
}

// The name without tag or digest, as typed (`test/bb:1` → `test/bb`).
function shortPart(name: string): string {
  const at = name.indexOf('@');
  const withoutDigest = at >= 0 ? name.slice(0, at) : name;
  const colon = withoutDigest.lastIndexOf(':');
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest;
}
