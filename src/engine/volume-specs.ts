// Which `-v` specs are host binds and which are volumes: known at every
// create, so that only containers with volumes load the volume code.

import type { ImageRunConfig } from '../oci/index.js';

/** podman's --image-volume: an anonymous volume (`bind`), a tmpfs, or nothing for each VOLUME of the image. */
export type ImageVolumeMode = 'bind' | 'tmpfs' | 'ignore';

/** A host bind `/src:/dst[:opts]` (the CLI makes relative sources absolute); `name:/dst` and `/dst` are volumes. */
export function isBindSpec(spec: string): boolean {
  return spec.startsWith('/') && spec.includes(':');
}

/** Whether a container with these `-v` specs and this image mounts any volume. */
export function hasVolumes(specs: readonly string[], image: ImageRunConfig, imageVolumes: ImageVolumeMode): boolean {
  return specs.some((spec) => !isBindSpec(spec)) || (imageVolumes !== 'ignore' && Object.keys(image.Volumes ?? {}).length > 0);
}
