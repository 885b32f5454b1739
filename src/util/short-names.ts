// podman's local lookup of a short name (libimage's lookup in repo tags): a
// name without a registry, `busybox` or `team/app:1`, matches every stored
// name that ends in `/busybox:latest` (`/team/app:1`), whatever registry and
// path come before. The container engine finds images for run and create
// this way; CRI-O does not, so an ImageServer does only when its options ask
// for podman's behaviour (the CLI's). Here, below both, so that the engine
// need not load the image module at its start.

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
