// The entry of the storage-only CLI bundle: `berth storage …` is the Go CLI's
// hot path, so its process loads the store and its verbs and nothing of the
// podman-style program (commander, images, registries, containers).

/** Runs `berth storage <argv…>` (argv still starts with `storage`); resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const { runStorage } = await import('./storage/index.js');
  return runStorage(argv.slice(1));
}
