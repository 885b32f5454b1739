// The normalised docker reference an image is named by in a store
// (images-and-registries.md §1.3): docker.io and library/ added, `:latest`
// when there is neither tag nor digest. Only what naming needs; resolving
// short names against registries.conf is the registry side's job.

import { ImageError } from '../errors.js';

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface DockerName {
  /** `docker.io/library/busybox` */
  repository: string;
  tag?: string;
  digest?: string;
}

/** Parses and normalises; `addLatest` adds `:latest` when neither tag nor digest is given. */
export function parseDockerName(text: string, addLatest = true): DockerName {
  const fail = (why: string) => new ImageError('invalid-reference', `invalid image reference ${JSON.stringify(text)}: ${why}`, { reference: text });
  if (text === '') throw fail('empty');
  if (/^[a-f0-9]{64}$/.test(text)) throw fail('cannot specify 64-byte hexadecimal strings');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw fail('invalid digest');
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw fail('invalid tag');
  }
  let domain = 'docker.io';
  let path = rest;
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost') {
      domain = first === 'index.docker.io' ? 'docker.io' : first;
      path = rest.slice(slash + 1);
      if (!DOMAIN.test(domain)) throw fail('invalid domain');
    }
  }
  if (domain === 'docker.io' && !path.includes('/')) path = `library/${path}`;
  for (const component of path.split('/')) {
    if (!COMPONENT.test(component)) throw fail(component.toLowerCase() !== component && COMPONENT.test(component.toLowerCase()) ? 'repository name must be lowercase' : 'invalid format');
  }
  const repository = `${domain}/${path}`;
  if (repository.length > 255) throw fail('repository name must not be more than 255 characters');
  if (addLatest && !tag && !digest) tag = 'latest';
  return { repository, tag, digest };
}

/** `repo:tag`, `repo@digest` (a digest wins over a tag, as podman names it). */
export function formatDockerName(name: DockerName): string {
  if (name.digest) return `${name.repository}@${name.digest}`;
  return name.tag ? `${name.repository}:${name.tag}` : name.repository;
}

export function normalizeDockerName(text: string): string {
  return formatDockerName(parseDockerName(text));
}

/**
 * podman's name for an image it makes or names locally (libimage's
 * NormalizeName, for tag, import and commit): a name without a registry goes
 * under `localhost/`, not docker.io, and gets `:latest` without a tag or digest.
 */
export function normalizeLocalName(text: string): string {
  const slash = text.indexOf('/');
  const first = slash < 0 ? '' : text.slice(0, slash);
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  return normalizeDockerName(hasRegistry ? text : `localhost/${text}`);
}
