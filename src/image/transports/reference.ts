// `transport:reference` strings as containers/image and podman spell them:
// docker://NAME, oci:DIR[:REF], oci-archive:FILE[:REF], docker-archive:FILE[:NAME],
// dir:DIR, containers-storage:[DRIVER@GRAPH+RUN]NAME.

import { ImageError } from '../errors.js';
import { normalizeDockerName } from './docker-name.js';
import type { ImageReference, TransportName } from './types.js';

const TRANSPORTS: readonly TransportName[] = ['docker', 'oci', 'oci-archive', 'docker-archive', 'dir', 'containers-storage'];

export interface ParsedReference extends ImageReference {
  /** Directory or file of oci:, oci-archive:, docker-archive:, dir:. */
  readonly path?: string;
  /** oci: / oci-archive: ref name; docker-archive: the docker reference. */
  readonly refName?: string;
  /** containers-storage: the image (normalised name, or ID / ID prefix as given). */
  readonly storageImage?: string;
  /** containers-storage: `[driver@graph+run]`, when given. */
  readonly storeSpec?: { driver?: string; graphRoot: string; runRoot: string; options: string[] };
}

export function isTransportName(name: string): name is TransportName {
  return (TRANSPORTS as readonly string[]).includes(name);
}

/** Parses `transport:rest`; a string without a known transport is an error. */
export function parseImageReference(text: string): ParsedReference {
  const colon = text.indexOf(':');
  const transport = colon > 0 ? text.slice(0, colon) : '';
  if (!isTransportName(transport)) {
    throw new ImageError('invalid-transport', `${JSON.stringify(text)}: no known transport (one of ${TRANSPORTS.join(', ')})`, { reference: text });
  }
  const rest = text.slice(colon + 1);
  switch (transport) {
    case 'docker': {
      if (!rest.startsWith('//')) throw new ImageError('invalid-reference', `docker: reference must start with //: ${JSON.stringify(text)}`, { reference: text });
      return { transport, text: rest, dockerReference: normalizeDockerName(rest.slice(2)) };
    }
    case 'oci':
    case 'oci-archive': {
      const [path, refName] = splitPathAndName(rest, text);
      return { transport, text: rest, path, refName };
    }
    case 'docker-archive': {
      const [path, name] = splitPathAndName(rest, text);
      const dockerReference = name && !name.startsWith('@') ? normalizeDockerName(name) : undefined;
      return { transport, text: rest, path, refName: name, dockerReference };
    }
    case 'dir':
      if (!rest) throw new ImageError('invalid-reference', 'dir: needs a path', { reference: text });
      return { transport, text: rest, path: rest };
    case 'containers-storage':
      return parseStorageReference(rest, text);
  }
}

/** `PATH[:NAME]`, split at the first colon as containers/image does. */
function splitPathAndName(rest: string, text: string): [string, string | undefined] {
  const colon = rest.indexOf(':');
  const path = colon >= 0 ? rest.slice(0, colon) : rest;
  const name = colon >= 0 ? rest.slice(colon + 1) : undefined;
  if (!path) throw new ImageError('invalid-reference', `${JSON.stringify(text)}: no path`, { reference: text });
  return [path, name || undefined];
}

function parseStorageReference(rest: string, text: string): ParsedReference {
  let storeSpec: ParsedReference['storeSpec'];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new ImageError('invalid-reference', `${JSON.stringify(text)}: no closing ]`, { reference: text });
    const spec = rest.slice(1, close);
    rest = rest.slice(close + 1);
    const at = spec.indexOf('@');
    const driver = at >= 0 ? spec.slice(0, at) : undefined;
    const [roots = '', ...options] = (at >= 0 ? spec.slice(at + 1) : spec).split(':');
    const plus = roots.indexOf('+');
    if (plus < 0) throw new ImageError('invalid-reference', `${JSON.stringify(text)}: the store is [driver@graphroot+runroot]`, { reference: text });
    storeSpec = { driver: driver || undefined, graphRoot: roots.slice(0, plus), runRoot: roots.slice(plus + 1), options: options.filter(Boolean) };
  }
  if (!rest) throw new ImageError('invalid-reference', `${JSON.stringify(text)}: no image`, { reference: text });
  // An ID (or `@ID`) stays as given; a name is normalised as the store records names.
  const id = rest.startsWith('@') ? rest.slice(1) : undefined;
  const looksLikeId = /^[a-f0-9]{64}$/.test(rest);
  const storageImage = id ?? (looksLikeId ? rest : normalizeDockerName(rest));
  return {
    transport: 'containers-storage', text: rest, storeSpec, storageImage,
    dockerReference: id || looksLikeId ? undefined : storageImage,
  };
}
