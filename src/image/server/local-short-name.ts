// podman's local lookup of a short name (libimage's lookup in repo tags): a
// name without a registry, `busybox` or `team/app:1`, matches every stored
// name that ends in `/busybox:latest` (`/team/app:1`), whatever registry and
// path come before. CRI-O does not do this: an ImageServer does it only when
// its options ask for podman's behaviour (the CLI's). The container engine
// matches the same way for run and create (engine.findImage), without loading
// the image module at its start.

import type { Image } from '../../storage/index.js';

/** Whether `ref` names no registry: no `.` or `:` in its first component, not `localhost`. */
export function isShortName(ref: string): boolean {
  const slash = ref.indexOf('/');
  if (slash < 0) return true;
  const first = ref.slice(0, slash);
  return !first.includes('.') && !first.includes(':') && first !== 'localhost';
}

/** The first of `names` that short name `ref` matches (tag `latest` when it has none). */
export function nameMatchingShortName(names: readonly string[], ref: string): string | undefined {
  const wanted = /:[^/]+$/.test(ref) || ref.includes('@') ? ref : `${ref}:latest`;
  return names.find((name) => name === wanted || name.endsWith(`/${wanted}`));
}

/** The images that have a name matching short name `ref`. */
export function imagesMatchingShortName(images: readonly Image[], ref: string): Image[] {
  return images.filter((image) => nameMatchingShortName(image.names, ref) !== undefined);
}
