// Which registry table governs a reference (longest matching prefix, or a
// `*.domain` wildcard), and the ordered places to pull it from: the mirrors the
// table allows for this reference, then the rewritten primary location.

import { ImageError } from '../errors.js';
import { parseReference, referenceString, type DockerReference } from '../reference/index.js';
import type { RegistriesConfig, RegistryEntry } from './config.js';

/** One place an image can be fetched from. */
export interface PullSource {
  /** The reference rewritten to that place (its domain is the host to connect to). */
  reference: DockerReference;
  /** Plain HTTP and unverified TLS allowed. */
  insecure: boolean;
  /** True for a mirror, false for the primary location. */
  mirror: boolean;
}

/** The `[[registry]]` table for `ref`, if any. */
export function findRegistry(config: RegistriesConfig, ref: DockerReference): RegistryEntry | undefined {
  const text = referenceString(ref);
  let best: RegistryEntry | undefined;
  let bestLength = -1;
  for (const entry of config.registries) {
    const length = matchLength(text, entry.prefix);
    if (length > bestLength) {
      best = entry;
      bestLength = length;
    }
  }
  return best;
}

/** Mirrors (those allowed for a tag or digest reference) then the primary; refuses a blocked registry. */
export function pullSources(config: RegistriesConfig, ref: DockerReference): PullSource[] {
  const entry = findRegistry(config, ref);
  if (!entry) return [{ reference: ref, insecure: false, mirror: false }];
  if (entry.blocked) {
    throw new ImageError('registry-blocked', `registry ${ref.domain} is blocked in registries.conf (prefix "${entry.prefix}")`, {
      reference: referenceString(ref), prefix: entry.prefix,
    });
  }
  const byDigest = ref.digest !== undefined;
  const sources: PullSource[] = [];
  for (const mirror of entry.mirrors) {
    if (mirror.pullFromMirror === 'digest-only' && !byDigest) continue;
    if (mirror.pullFromMirror === 'tag-only' && byDigest) continue;
    sources.push({ reference: rewrite(ref, entry.prefix, mirror.location), insecure: mirror.insecure, mirror: true });
  }
  sources.push({ reference: rewrite(ref, entry.prefix, entry.location), insecure: entry.insecure, mirror: false });
  return sources;
}

/** The place to push `ref` to: the primary location only (mirrors are for pulls). */
export function pushTarget(config: RegistriesConfig, ref: DockerReference): PullSource {
  const sources = pullSources(config, ref);
  return sources[sources.length - 1] as PullSource;
}

/** Whether TLS verification is off for `host` (a `[[registry]]` table for it says insecure). */
export function isInsecureRegistry(config: RegistriesConfig, host: string): boolean {
  return config.registries.some((r) => r.insecure && (r.location === host || r.prefix === host));
}

// The reference string must start with the prefix, and the next character must
// end the string or be one of `/ : @`. A `*.domain` prefix matches subdomains
// at any depth, before the first `/`.
function matchLength(text: string, prefix: string): number {
  if (prefix.startsWith('*.')) {
    const host = text.split('/', 1)[0] as string;
    const hostName = host.replace(/:\d+$/, '');
    return hostName.endsWith(prefix.slice(1)) ? prefix.length : -1;
  }
  if (!text.startsWith(prefix)) return -1;
  const next = text.charAt(prefix.length);
  return next === '' || next === '/' || next === ':' || next === '@' ? prefix.length : -1;
}

function rewrite(ref: DockerReference, prefix: string, location: string): DockerReference {
  if (prefix.startsWith('*.') || location === '') return ref;
  const text = referenceString(ref);
  const rewritten = location + text.slice(prefix.length);
  try {
    return parseReference(rewritten);
  } catch (err) {
    throw new ImageError('registries-conf-invalid', `rewriting "${text}" with location "${location}" gives an invalid reference "${rewritten}"`, {
      reference: text, location,
    }, { cause: err });
  }
}
