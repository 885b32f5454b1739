// Parsing and printing docker references: containers/image's
// ParseNormalizedNamed (docker.io and library/ added), the familiar form for
// display, and the short-name test registries.conf resolution starts from.

import { ImageError } from '../errors.js';
import { digestProblem, IMAGE_ID_RE, NAME_MAX_LENGTH, REFERENCE_RE, TAG_RE } from './grammar.js';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';

/** A parsed, normalised reference: `domain/path[:tag][@digest]`. */
export interface DockerReference {
  /** Registry host with optional `:port` (`docker.io`, `localhost:5000`). */
  readonly domain: string;
  /** Repository path inside the registry (`library/busybox`). */
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<hex>`. */
  readonly digest?: string;
}

/**
 * Parses what a user types (`busybox`, `quay.io/a/b:1`, `x@sha256:…`) into the
 * normalised reference containers/image stores names as.
 * @example parseNormalizedReference('busybox') // { domain: 'docker.io', path: 'library/busybox' }
 */
export function parseNormalizedReference(text: string): DockerReference {
  if (text === '') throw referenceError(text, 'repository name must have at least one component');
  if (IMAGE_ID_RE.test(text)) {
    throw referenceError(text, `invalid repository name (${text}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(text);
  const tagSep = remainder.indexOf(':');
  const atSep = remainder.indexOf('@');
  const repoEnd = [tagSep, atSep].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), remainder.length);
  const repo = remainder.slice(0, repoEnd);
  if (repo.toLowerCase() !== repo) {
    throw referenceError(text, 'invalid reference format: repository name must be lowercase');
  }
  return parseReference(`${domain}/${remainder}`, text);
}

/**
 * Parses a reference that is already fully qualified (a domain first), as
 * distribution's Parse does, without adding docker.io or library/.
 */
export function parseReference(text: string, input = text): DockerReference {
  const match = REFERENCE_RE.exec(text);
  if (!match) {
    if (text === '') throw referenceError(input, 'repository name must have at least one component');
    if (REFERENCE_RE.test(text.toLowerCase())) {
      throw referenceError(input, 'invalid reference format: repository name must be lowercase');
    }
    throw referenceError(input, 'invalid reference format');
  }
  const [, name = '', tag, digest] = match;
  if (name.length > NAME_MAX_LENGTH) {
    throw referenceError(input, `repository name must not be more than ${NAME_MAX_LENGTH} characters`);
  }
  if (digest !== undefined) {
    const problem = digestProblem(digest);
    if (problem) throw referenceError(input, `invalid digest format: ${problem}`);
  }
  const slash = name.indexOf('/');
  const first = name.slice(0, slash);
  if (slash < 0 || !isDomainLike(first)) {
    throw referenceError(input, 'invalid reference format: no registry domain');
  }
  return {
    domain: first,
    path: name.slice(slash + 1),
    ...(tag !== undefined ? { tag } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/** True when `text` names no registry (`busybox`, `test/busybox:1`), so registries.conf must resolve it. */
export function isShortName(text: string): boolean {
  const slash = text.indexOf('/');
  return slash < 0 || !isDomainLike(text.slice(0, slash));
}

/** `domain/path` (the repository, without tag or digest). */
export function repositoryName(ref: DockerReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The full normalised string, `domain/path[:tag][@digest]`. */
export function referenceString(ref: DockerReference): string {
  return repositoryName(ref) + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** The form users type and podman prints: no `docker.io/`, no `library/` for official images. */
export function familiarString(ref: DockerReference): string {
  let name = repositoryName(ref);
  if (ref.domain === DEFAULT_DOMAIN) {
    name = ref.path;
    if (name.startsWith(OFFICIAL_REPO_PREFIX) && !name.slice(OFFICIAL_REPO_PREFIX.length).includes('/')) {
      name = name.slice(OFFICIAL_REPO_PREFIX.length);
    }
  }
  return name + (ref.tag !== undefined ? `:${ref.tag}` : '') + (ref.digest !== undefined ? `@${ref.digest}` : '');
}

/** Adds `:latest` when the reference has neither tag nor digest (containers/image's TagNameOnly). */
export function withDefaultTag(ref: DockerReference): DockerReference {
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: DEFAULT_TAG } : ref;
}

/** `ref` with its tag and digest replaced. */
export function withTagOrDigest(ref: DockerReference, parts: { tag?: string; digest?: string }): DockerReference {
  if (parts.tag !== undefined && !TAG_RE.test(parts.tag)) throw referenceError(parts.tag, 'invalid tag format');
  if (parts.digest !== undefined) {
    const problem = digestProblem(parts.digest);
    if (problem) throw referenceError(parts.digest, `invalid digest format: ${problem}`);
  }
  return {
    domain: ref.domain,
    path: ref.path,
    ...(parts.tag !== undefined ? { tag: parts.tag } : {}),
    ...(parts.digest !== undefined ? { digest: parts.digest } : {}),
  };
}

/** What the registry API is asked for: the digest when there is one, else the tag (default latest). */
export function manifestSelector(ref: DockerReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

// The part before the first `/` is a registry only when it has a `.` or a
// `:`, or is `localhost`; `myreg/foo` is `docker.io/myreg/foo`.
function isDomainLike(part: string): boolean {
  return part.includes('.') || part.includes(':') || part === 'localhost';
}

function splitDockerDomain(text: string): { domain: string; remainder: string } {
  let domain = DEFAULT_DOMAIN;
  let remainder = text;
  const slash = text.indexOf('/');
  if (slash >= 0 && isDomainLike(text.slice(0, slash))) {
    domain = text.slice(0, slash);
    remainder = text.slice(slash + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}

function referenceError(input: string, message: string): ImageError {
  return new ImageError('invalid-reference', `${message}: "${input}"`, { reference: input });
}
