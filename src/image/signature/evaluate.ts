// Whether the policy lets an image be used: every requirement of the scope
// that applies must accept it (containers/image's IsRunningImageAllowed).
// A signature counts when it verifies with a trusted key, its payload names
// this manifest's digest, and its identity fits the signedIdentity rule.

import { ImageError } from '../errors.js';
import type { SigstoreSignature } from '../transports/index.js';
import { loadGpgKeys, loadSigstoreKey, verifyGpgSignature, verifySigstoreSignature } from './crypto.js';
import { identityProblem } from './identity.js';
import { manifestMatchesDigest, parsePayload, type SignedClaims } from './payload.js';
import type { Policy, PolicyRequirement, SignedIdentity } from './policy.js';
import { requirementsFor, type PolicyImageReference } from './scopes.js';

/** The image as the policy sees it before any of its layers is read. */
export interface ImageToCheck {
  reference: PolicyImageReference;
  /** The manifest that will be used (the chosen instance of an index). */
  manifest: Buffer;
  /** Simple-signing signatures of that manifest. */
  signatures(): Promise<Buffer[]>;
  /** Sigstore signatures of that manifest (registry attachments). */
  sigstoreSignatures(): Promise<SigstoreSignature[]>;
}

/** The cosign annotation holding the base64 signature of the layer's payload. */
export const SIGSTORE_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
/** The media type of an attachment layer holding a signed payload. */
export const SIGSTORE_SIGNATURE_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';

/**
 * Resolves when the policy accepts the image; else throws `policy-denied`
 * (rejected, or no signature where one is required) or `signature-invalid`
 * (signatures exist but none is acceptable), naming the image and the reason.
 */
export async function checkImageAllowed(policy: Policy, image: ImageToCheck): Promise<void> {
  const { scope, requirements } = await requirementsFor(policy, image.reference);
  for (const requirement of requirements) {
    const refusal = await evaluate(requirement, image);
    if (refusal) {
      const name = imageName(image.reference);
      throw new ImageError(refusal.code, `Source image rejected: ${name}: ${refusal.reason}`, {
        image: name, scope, requirement: requirement.type, reason: refusal.reason,
      });
    }
  }
}

interface Refusal {
  code: 'policy-denied' | 'signature-invalid';
  reason: string;
}

async function evaluate(requirement: PolicyRequirement, image: ImageToCheck): Promise<Refusal | undefined> {
  switch (requirement.type) {
    case 'insecureAcceptAnything':
      return undefined;
    case 'reject':
      return { code: 'policy-denied', reason: `running image ${imageName(image.reference)} is rejected by policy` };
    case 'signedBy': {
      const keys = await loadGpgKeys(requirement.keys);
      const signatures = await image.signatures();
      return firstAccepted(signatures, image, requirement.signedIdentity, async (signature) => {
        const verified = await verifyGpgSignature(signature, keys);
        return 'problem' in verified ? verified.problem : parsePayload(verified.payload, 'simple-signing');
      });
    }
    case 'sigstoreSigned': {
      const key = await loadSigstoreKey(requirement.keys);
      const signatures = await image.sigstoreSignatures();
      return firstAccepted(signatures, image, requirement.signedIdentity, async (signature) => {
        if (signature.mediaType !== SIGSTORE_SIGNATURE_MEDIA_TYPE) return `the sigstore signature has media type ${JSON.stringify(signature.mediaType)}, not ${SIGSTORE_SIGNATURE_MEDIA_TYPE}`;
        const base64 = signature.annotations[SIGSTORE_SIGNATURE_ANNOTATION];
        if (base64 === undefined) return `the sigstore signature has no ${SIGSTORE_SIGNATURE_ANNOTATION} annotation`;
        if (!verifySigstoreSignature(signature.payload, base64, key)) return 'the sigstore signature does not verify with the trusted key';
        return parsePayload(signature.payload, 'sigstore');
      });
    }
  }
}

/** Accepts when one signature verifies and fits; otherwise refuses with every signature's reason. */
async function firstAccepted<S>(signatures: S[], image: ImageToCheck, rule: SignedIdentity, claimsOf: (s: S) => Promise<SignedClaims | string>): Promise<Refusal | undefined> {
  if (signatures.length === 0) return { code: 'policy-denied', reason: 'a signature was required, but no signature exists' };
  const reasons: string[] = [];
  for (const signature of signatures) {
    const claims = await claimsOf(signature);
    const problem = typeof claims === 'string' ? claims : claimsProblem(claims, image, rule);
    if (!problem) return undefined;
    reasons.push(problem);
  }
  return { code: 'signature-invalid', reason: reasons.length === 1 ? reasons[0] as string : reasons.map((r, i) => `signature ${i + 1}: ${r}`).join('; ') };
}

function claimsProblem(claims: SignedClaims, image: ImageToCheck, rule: SignedIdentity): string | undefined {
  if (!manifestMatchesDigest(image.manifest, claims.manifestDigest)) {
    return `the signature is for manifest ${claims.manifestDigest}, not this image's manifest`;
  }
  return identityProblem(rule, image.reference.dockerReference, claims.dockerReference);
}

/** `transport:reference` as containers/image prints it (`docker://host/repo:tag`, `dir:/path`). */
function imageName(reference: PolicyImageReference): string {
  return `${reference.transport}:${reference.text}`;
}
