// The JSON a signature signs: "simple signing" (GPG, `atomic container
// signature`) and its sigstore twin (`cosign container image signature`),
// read as strictly as containers/image reads them: the critical section has
// exactly its three fields, each of the right type; and a new one written as
// containers/image writes it.

import { createHash } from 'node:crypto';

export interface SignedClaims {
  /** `critical.identity.docker-reference`. */
  dockerReference: string;
  /** `critical.image.docker-manifest-digest`. */
  manifestDigest: string;
}

export const SIMPLE_SIGNING_TYPE = 'atomic container signature';
export const SIGSTORE_TYPE = 'cosign container image signature';

/** The claims of a verified payload, or a string saying what is wrong with it. */
export function parsePayload(bytes: Uint8Array, format: 'simple-signing' | 'sigstore'): SignedClaims | string {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    return 'the signed payload is not JSON';
  }
  const top = exactObject(json, format === 'simple-signing' ? ['critical', 'optional'] : ['critical'], ['critical', 'optional']);
  if (typeof top === 'string') return `payload: ${top}`;
  if (format === 'sigstore' && top.optional !== undefined && top.optional !== null && typeof top.optional !== 'object') return 'payload: "optional" is not an object';
  if (format === 'simple-signing' && (typeof top.optional !== 'object' || top.optional === null)) return 'payload: "optional" is not an object';
  const critical = exactObject(top.critical, ['type', 'image', 'identity']);
  if (typeof critical === 'string') return `payload critical: ${critical}`;
  const wantType = format === 'simple-signing' ? SIMPLE_SIGNING_TYPE : SIGSTORE_TYPE;
  if (critical.type !== wantType) return `payload critical.type is ${JSON.stringify(critical.type)}, not ${JSON.stringify(wantType)}`;
  const image = exactObject(critical.image, ['docker-manifest-digest']);
  if (typeof image === 'string') return `payload critical.image: ${image}`;
  const identity = exactObject(critical.identity, ['docker-reference']);
  if (typeof identity === 'string') return `payload critical.identity: ${identity}`;
  const manifestDigest = image['docker-manifest-digest'];
  const dockerReference = identity['docker-reference'];
  if (typeof manifestDigest !== 'string' || !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/.test(manifestDigest)) return 'payload: docker-manifest-digest is not a digest';
  if (typeof dockerReference !== 'string') return 'payload: docker-reference is not a string';
  return { dockerReference, manifestDigest };
}

/**
 * The payload a new simple signing signature signs, byte for byte as
 * containers/image's newUntrustedSignature marshals it: Go's json.Marshal of
 * maps, so every object's keys sorted (critical: identity, image, type;
 * optional: creator, timestamp in whole seconds). A docker reference, a
 * digest and the creator never hold `<`, `>` or `&`, which Go would escape.
 */
export function simpleSigningPayload(claims: SignedClaims, optional: { creator: string; timestamp: number }): Buffer {
  return Buffer.from(JSON.stringify({
    critical: {
      identity: { 'docker-reference': claims.dockerReference },
      image: { 'docker-manifest-digest': claims.manifestDigest },
      type: SIMPLE_SIGNING_TYPE,
    },
    optional: { creator: optional.creator, timestamp: Math.floor(optional.timestamp) },
  }));
}

/** Whether `manifest` has `digest` (sha256 or sha512, as the digest names). */
export function manifestMatchesDigest(manifest: Buffer, digest: string): boolean {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' && algorithm !== 'sha512') return false;
  return createHash(algorithm).update(manifest).digest('hex') === hex;
}

// An object holding every key of `required` and nothing outside `allowed`.
function exactObject(value: unknown, required: string[], allowed = required): Record<string, unknown> | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  for (const key of Object.keys(value)) if (!allowed.includes(key)) return `unexpected field ${JSON.stringify(key)}`;
  for (const key of required) if (!(key in value)) return `field ${JSON.stringify(key)} is missing`;
  return value as Record<string, unknown>;
}
