// Docker image references: the grammar, docker.io normalisation, familiar
// names. Pure functions, no I/O.

export {
  parseNormalizedReference, parseReference, isShortName, repositoryName, referenceString, familiarString,
  withDefaultTag, withTagOrDigest, manifestSelector, DEFAULT_DOMAIN, DEFAULT_TAG, type DockerReference,
} from './parse.js';
export { digestProblem, TAG_RE, DOMAIN_RE, PATH_RE } from './grammar.js';
