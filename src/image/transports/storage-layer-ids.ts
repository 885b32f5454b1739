// Layer and image identity as containers/image gives it in a store
// (images-and-registries.md §7.1): the bottom layer's ID is its diffID hex,
// each other is sha256("<parent layer ID>+<diffID hex>"); the image ID is
// the config digest's hex.

import { createHash } from 'node:crypto';

export function layerIdsFor(diffIds: readonly string[]): string[] {
  const ids: string[] = [];
  for (const diffId of diffIds) {
    const hex = diffId.slice('sha256:'.length);
    const parent = ids.at(-1);
    ids.push(parent === undefined ? hex : createHash('sha256').update(`${parent}+${hex}`).digest('hex'));
  }
  return ids;
}

export function imageIdFor(configDigest: string): string {
  return configDigest.slice('sha256:'.length);
}
