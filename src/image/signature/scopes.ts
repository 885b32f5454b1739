// Which of the policy's requirement lists applies to an image: the transport's
// most specific scope (the reference itself, then its namespaces), then the
// transport's "" scope, then the default, as containers/image's
// PolicyConfigurationIdentity / PolicyConfigurationNamespaces give them.

import { realpath } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseNormalizedReference, referenceString, type DockerReference } from '../reference/index.js';
import type { ImageReference } from '../transports/index.js';
import type { Policy, PolicyRequirement } from './policy.js';

/** An image reference as the policy sees it (a parsed reference also carries its path). */
export type PolicyImageReference = ImageReference & { readonly path?: string };

export async function requirementsFor(policy: Policy, reference: PolicyImageReference): Promise<{ scope: string; requirements: PolicyRequirement[] }> {
  const scopes = policy.transports[reference.transport];
  if (scopes) {
    for (const scope of await policyScopes(reference)) {
      const found = scopes[scope];
      if (found) return { scope: `${reference.transport}:${scope}`, requirements: found };
    }
    if (scopes['']) return { scope: `${reference.transport}:""`, requirements: scopes[''] };
  }
  return { scope: 'default', requirements: policy.default };
}

/** The reference's identity, then its namespaces, most specific first (without the "" scope). */
export async function policyScopes(reference: PolicyImageReference): Promise<string[]> {
  switch (reference.transport) {
    case 'docker':
      return reference.dockerReference ? dockerScopes(parseNormalizedReference(reference.dockerReference)) : [];
    case 'dir':
    case 'oci':
    case 'oci-archive':
      return reference.path ? pathScopes(await resolvedPath(reference.path)) : [];
    default:
      // docker-archive and containers-storage images are matched by their transport's "" scope only.
      return [];
  }
}

/**
 * `host/ns/repo:tag`, `host/ns/repo`, `host/ns`, `host`, then `*.domain` wildcards
 * of the host without its port (`*.example.com`, `*.com`).
 */
export function dockerScopes(ref: DockerReference): string[] {
  const scopes = [referenceString(ref)];
  let name = `${ref.domain}/${ref.path}`;
  for (;;) {
    scopes.push(name);
    const slash = name.lastIndexOf('/');
    if (slash < 0) break;
    name = name.slice(0, slash);
  }
  let host = ref.domain.replace(/:\d+$/, '');
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.')) {
    host = host.slice(dot + 1);
    scopes.push(`*.${host}`);
  }
  return scopes;
}

/** The directory or file, then each parent up to (not including) `/`. */
function pathScopes(path: string): string[] {
  const scopes: string[] = [];
  for (let p = path; p !== '/' && p !== '.'; p = dirname(p)) scopes.push(p);
  return scopes;
}

// containers/image resolves symlinks of the path (the image exists when it is a source).
async function resolvedPath(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    return resolve(path);
  }
}
