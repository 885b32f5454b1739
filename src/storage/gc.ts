// Store.garbageCollect (v1.50): removes what no record refers to — container
// and image directories named by an unknown 64-hex ID, and driver layers
// (with their tar-split and big data) that layers.json does not list.

import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { isErrno, isFullHexId } from '../util/index.js';
import type { StoreParts } from './store-parts.js';

export async function garbageCollect(parts: StoreParts): Promise<void> {
  await parts.containers.write(async () => {
    const known = (id: string): boolean => parts.containers.index.get(id) !== undefined;
    await removeUnknownIdDirs(parts.containers.dir, known);
    await removeUnknownIdDirs(parts.containerRunDir, known);
  });
  await parts.images.write(() => removeUnknownIdDirs(parts.images.dir, (id) => parts.images.index.get(id) !== undefined));
  const layers = parts.layers();
  await layers.write(async () => {
    for (const id of await parts.driver.listLayers()) {
      if (layers.index.get(id)) continue;
      await parts.driver.remove(id);
      await fsp.rm(layers.tarSplitPath(id), { force: true });
      await fsp.rm(layers.bigDataDir(id), { recursive: true, force: true });
    }
  });
}

/** Only dirs whose name is a full 64-hex ID: anything else may belong to someone else. */
async function removeUnknownIdDirs(dir: string, known: (id: string) => boolean): Promise<void> {
  let entries;
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return;
    throw err;
  }
  for (const entry of entries) {
    if (!entry.isDirectory() || !isFullHexId(entry.name) || known(entry.name)) continue;
    await fsp.rm(join(dir, entry.name), { recursive: true, force: true });
  }
}
