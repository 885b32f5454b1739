// `berth rmi`, `tag`, `untag`, `image prune`, `image exists`: names and
// removal through the ImageServer (the store's safety checks apply).

import { isImageError, normalizeLocalName, type ImageResult } from '../../../image/index.js';
import { hasLabel, parseFilters, passesFilters, pointInTime } from '../../containers/options.js';
import { withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export async function rmi(globals: GlobalImageOptions, images: string[], flags: { force?: boolean; all?: boolean; ignore?: boolean }): Promise<void> {
  await withImageServer(globals, async (server) => {
    const targets = flags.all ? (await server.getStore().images()).map((i) => i.id) : images;
    if (targets.length === 0) throw new Error('image name or ID must be specified');
    const errors: string[] = [];
    for (const target of targets) {
      try {
        const result = await server.removeImage(target, { force: flags.force });
        for (const name of result.untagged) process.stdout.write(`Untagged: ${name}\n`);
        if (result.deleted) process.stdout.write(`Deleted: ${result.deleted}\n`);
      } catch (err) {
        if (flags.ignore && isImageError(err, 'image-unknown')) continue;
        errors.push((err as Error).message);
      }
    }
    if (errors.length > 0) throw new Error(errors.join('\n'));
  });
}

export async function tag(globals: GlobalImageOptions, image: string, names: string[]): Promise<void> {
  if (names.length === 0) throw new Error('at least one new name is required');
  await withImageServer(globals, async (server) => {
    // podman's names: `tag x new` names it localhost/new:latest (the ImageServer's own rule is CRI-O's, docker.io).
    for (const name of names) await server.tagImage(image, normalizeLocalName(name));
  });
}

/** Without names: every name of the image goes (the image stays, unnamed), as podman untag does. */
export async function untag(globals: GlobalImageOptions, image: string, names: string[]): Promise<void> {
  // As podman's untag: a name as `tag` would have made it (example/app:1 is localhost/example/app:1).
  await withImageServer(globals, (server) => server.untagNames(image, names, { normalize: normalizeLocalName }));
}

export async function prune(globals: GlobalImageOptions, flags: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const filters = parseFilters(flags.filter ?? []);
  // podman's image prune filters: made before a time, and labels; an unknown one is refused before anything goes.
  const tests = {
    until: (i: ImageResult, value: string) => Date.parse(i.created) < pointInTime(value).getTime(),
    label: (i: ImageResult, value: string) => hasLabel(i.labels, value),
  };
  for (const key of filters.keys()) if (!(key in tests)) throw new Error(`invalid filter ${JSON.stringify(key)}: images take until, label`);
  const chosen = (image: ImageResult): boolean => passesFilters(image, filters, tests, 'images');
  await withImageServer(globals, async (server) => {
    for (const id of await server.pruneImages({ all: flags.all, chosen })) process.stdout.write(`${id}\n`);
  });
}

/** Exit status 0 when the image exists, 1 when not (podman image exists). */
export async function exists(globals: GlobalImageOptions, image: string): Promise<number> {
  return withImageServer(globals, async (server) => {
    try {
      await server.lookup(image);
      return 0;
    } catch (err) {
      if (isImageError(err, 'image-unknown')) return 1;
      throw err;
    }
  });
}
