// The docker:// transport: `docker://[host/]path[:tag|@digest]` references,
// and opening them as an ImageSource (pull, through mirrors) or an
// ImageDestination (push, to the primary location).

import { ImageError } from '../errors.js';
import { parseNormalizedReference, referenceString, withDefaultTag, type DockerReference } from '../reference/index.js';
import { pushTarget } from '../registries/index.js';
import { RegistryClients, type DockerTransportOptions } from './docker-clients.js';
import { DockerImageDestination } from './docker-destination.js';
import { DockerImageSource } from './docker-source.js';
import type { ImageReference, TransferOptions } from './types.js';

export interface DockerImageReference extends ImageReference {
  readonly transport: 'docker';
  readonly dockerReference: string;
  readonly ref: DockerReference;
}

/**
 * Parses what follows `docker:` (`//quay.io/a/b:1`), normalising the name
 * and adding `:latest` when it has neither tag nor digest.
 * @example parseDockerReference('//busybox').dockerReference // 'docker.io/library/busybox:latest'
 */
export function parseDockerReference(text: string): DockerImageReference {
  if (!text.startsWith('//')) {
    throw new ImageError('invalid-reference', `docker: reference "${text}" must start with "//"`, { reference: text });
  }
  const parsed = parseNormalizedReference(text.slice(2));
  if (parsed.tag !== undefined && parsed.digest !== undefined) {
    throw new ImageError('invalid-reference', `docker references with both a tag and digest are not supported: "${text.slice(2)}"`, { reference: text });
  }
  return dockerImageReference(withDefaultTag(parsed));
}

export function dockerImageReference(ref: DockerReference): DockerImageReference {
  const name = referenceString(ref);
  return { transport: 'docker', text: `//${name}`, dockerReference: name, ref };
}

/**
 * Opens images in registries with one set of options; clients (connections,
 * tokens) are shared between the images it opens until close().
 */
export class DockerTransport {
  readonly #clients: RegistryClients;

  constructor(options: DockerTransportOptions) {
    this.#clients = new RegistryClients(options);
  }

  /** Reads the manifest at once, from the first mirror or primary that has it. */
  openSource(reference: DockerImageReference, options: TransferOptions = {}): Promise<DockerImageSource> {
    return DockerImageSource.open(reference, reference.ref, this.#clients, options);
  }

  openDestination(reference: DockerImageReference): Promise<DockerImageDestination> {
    const target = pushTarget(this.#clients.options.registries, reference.ref);
    return DockerImageDestination.open(reference, target.reference, target.insecure, this.#clients);
  }

  /** Closes every connection the transport opened. */
  close(): Promise<void> {
    return this.#clients.close();
  }
}
