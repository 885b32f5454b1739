// The docker reference grammar as distribution/reference (containers/image's
// copy) writes it: domain, path components, tag, digest. Anchored regexps only;
// the normalisation rules live in parse.ts.

const alphanumeric = '[a-z0-9]+';
// One `.`, one `_`, exactly `__`, or a run of `-`.
const separator = '(?:[._]|__|[-]+)';
export const PATH_COMPONENT = `${alphanumeric}(?:${separator}${alphanumeric})*`;
// A label may hold inner `-`; upper case is allowed in the domain. No `[IPv6]`:
// containers/image's copy of the grammar does not accept it.
const domainLabel = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
export const DOMAIN = `${domainLabel}(?:\\.${domainLabel})*(?::[0-9]+)?`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}';
const name = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;

/** `name[:tag][@digest]` with the three parts captured. */
export const REFERENCE_RE = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
export const TAG_RE = new RegExp(`^${tag}$`);
export const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
export const PATH_RE = new RegExp(`^${PATH_COMPONENT}(?:/${PATH_COMPONENT})*$`);
/** A bare image ID; refused as a name so it can mean an ID. */
export const IMAGE_ID_RE = /^[a-f0-9]{64}$/;

/** Name length limit; containers/image applies it to `domain/path` (stricter than newer distribution). */
export const NAME_MAX_LENGTH = 255;

// go-digest's registered algorithms and their lower-case hex lengths.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/** Why `text` is not a usable digest, or undefined when it is one. */
export function digestProblem(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0) return 'invalid checksum digest format';
  const algorithm = text.slice(0, colon);
  const hex = text.slice(colon + 1);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return 'unsupported digest algorithm';
  if (hex.length !== length) return 'invalid checksum digest length';
  if (!/^[a-f0-9]+$/.test(hex)) return 'invalid checksum digest format';
  return undefined;
}
