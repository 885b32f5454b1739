// Signature policy as containers/image enforces it: policy.json parsed and
// scoped per transport, registries.d signature locations, GPG simple signing
// and sigstore verification, one check the copy pipeline runs before it
// reads a layer; and GPG simple signing of a pushed manifest.

export { loadPolicy, parsePolicy, scopeProblem, type Policy, type PolicyRequirement, type SignedIdentity, type KeySource } from './policy.js';
export { requirementsFor, policyScopes, dockerScopes, type PolicyImageReference } from './scopes.js';
export { checkImageAllowed, SIGSTORE_SIGNATURE_ANNOTATION, SIGSTORE_SIGNATURE_MEDIA_TYPE, type ImageToCheck } from './evaluate.js';
export { identityProblem } from './identity.js';
export { parsePayload, simpleSigningPayload, SIMPLE_SIGNING_TYPE, SIGSTORE_TYPE, type SignedClaims } from './payload.js';
export {
  registriesDDir, loadRegistriesD, parseRegistriesDFile, lookasideFor, usesSigstoreAttachments, signatureStorageOptions,
  type SignatureStorageConfig, type SignatureNamespace,
} from './registries-d.js';
export { GpgSigner, type GpgSignerOptions, type ImageSigner } from './gpg-signer.js';
