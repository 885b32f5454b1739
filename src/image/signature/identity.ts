// signedIdentity: whether the docker reference a signature claims fits the
// image being used, by the rules of containers/image's policy_reference_match.go.

import { parseNormalizedReference, referenceString, repositoryName, type DockerReference } from '../reference/index.js';
import type { SignedIdentity } from './policy.js';

/**
 * Undefined when `signed` (the signature's `critical.identity.docker-reference`)
 * is acceptable for the image named `image` under `rule`; else why not.
 */
export function identityProblem(rule: SignedIdentity, image: string | undefined, signed: string): string | undefined {
  const claimed = parse(signed);
  if (!claimed) return `the signature's identity ${JSON.stringify(signed)} is not a docker reference`;
  const mismatch = `the signature is for ${JSON.stringify(signed)}, which does not match`;
  switch (rule.type) {
    case 'exactReference':
      return bothSpecific(parse(rule.dockerReference) as DockerReference, claimed) ? undefined : `${mismatch} the required ${rule.dockerReference}`;
    case 'exactRepository':
      return repositoryName(parse(rule.dockerRepository) as DockerReference) === repositoryName(claimed) ? undefined : `${mismatch} the required repository ${rule.dockerRepository}`;
    default:
      break;
  }
  const intended = image === undefined ? undefined : parse(image);
  if (!intended) return 'the image has no docker reference to match the signature against (use exactReference or exactRepository)';
  let matches: boolean;
  switch (rule.type) {
    case 'matchExact':
      matches = bothSpecific(intended, claimed);
      break;
    case 'matchRepository':
      matches = repositoryName(intended) === repositoryName(claimed);
      break;
    case 'matchRepoDigestOrExact':
      matches = repoDigestOrExact(intended, claimed);
      break;
    case 'remapIdentity':
      matches = repoDigestOrExact(remap(intended, rule.prefix, rule.signedPrefix), claimed);
      break;
  }
  return matches ? undefined : `${mismatch} the image ${referenceString(intended)}`;
}

// A tagged image needs the exact reference; a digested one any signature of the same repository
// (the digest itself is checked against the manifest separately); a bare name nothing.
function repoDigestOrExact(intended: DockerReference, claimed: DockerReference): boolean {
  if (intended.digest !== undefined) return repositoryName(intended) === repositoryName(claimed);
  if (intended.tag !== undefined) return bothSpecific(intended, claimed);
  return false;
}

function bothSpecific(a: DockerReference, b: DockerReference): boolean {
  const specific = (r: DockerReference) => r.tag !== undefined || r.digest !== undefined;
  return specific(a) && specific(b) && referenceString(a) === referenceString(b);
}

// `prefix` matches the repository name itself or a `/`-bounded start of it (a host:port must match whole).
function remap(ref: DockerReference, prefix: string, signedPrefix: string): DockerReference {
  const name = repositoryName(ref);
  const matches = name === prefix || (name.startsWith(prefix) && name[prefix.length] === '/');
  if (!matches) return ref;
  return parse(signedPrefix + referenceString(ref).slice(prefix.length)) ?? ref;
}

function parse(text: string): DockerReference | undefined {
  try {
    return parseNormalizedReference(text);
  } catch {
    return undefined;
  }
}
