// Overlay's short-name indirection: `<id>/link` holds a 26-char name,
// `l/<name>` → `../<id>/diff`, and `<id>/lower` lists the parents' `l/<name>`
// entries nearest first; plus Go's repair of lost links. With additional
// image stores there are several homes (the driver's own first): a layer and
// a link are each found in the first home that has them (Go's dir2).

import { existsSync, readFileSync } from 'node:fs';
import { readdir, readlink, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, posix, resolve } from 'node:path';
import { isErrno } from '../../util/index.js';

export const LINK_DIR = 'l';

// The link and lower files are a few dozen bytes read on the create and
// remove hot paths (see OverlayDriver.create): read synchronously.

/** `<id>/link`, or undefined when the file is missing. */
export function readShortName(home: string, id: string): string | undefined {
  try {
    return readFileSync(join(home, id, 'link'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

/** The `l/<name>` entries of `<id>/lower`, nearest parent first; [] for a base layer. */
export function readLowers(home: string, id: string): string[] {
  try {
    return readFileSync(join(home, id, 'lower'), 'utf8').split(':').filter((l) => l !== '');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return [];
    throw err;
  }
}

/** Go's getLower: the `lower` content of a new child of `parent`. */
export async function lowerChainForChildOf(home: string, parent: string): Promise<string> {
  let short = readShortName(home, parent);
  if (short === undefined) {
    // Go: "Can't read parent link … Going through storage to recreate the missing links."
    await recreateSymlinks(home);
    short = readShortName(home, parent);
    if (short === undefined) throw Object.assign(new Error(`layer "${parent}" has no link file`), { code: 'ENOENT' });
  }
  return [`${LINK_DIR}/${short}`, ...readLowers(home, parent)].join(':');
}

/** The home holding layer `id`: the first of `homes` with its directory, else the driver's own. */
export function homeOf(homes: readonly string[], id: string): string {
  if (homes.length > 1) {
    for (const home of homes) if (existsSync(join(home, id))) return home;
  }
  return homes[0]!;
}

/** The absolute path of a lower entry (`l/<name>`): in the first home that has the link. */
export function lowerPath(homes: readonly string[], lower: string): string {
  if (homes.length > 1) {
    for (const home of homes) if (existsSync(join(home, lower))) return join(home, lower);
  }
  return join(homes[0]!, lower);
}

/** The parents' diff directories, nearest first, resolved through their `l/` links. */
export async function lowerDiffDirs(homes: readonly string[], id: string): Promise<string[]> {
  const lowers = readLowers(homeOf(homes, id), id);
  try {
    return await Promise.all(lowers.map((lower) => resolveLower(lowerPath(homes, lower))));
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
    await recreateSymlinks(homes[0]!);
    return Promise.all(lowers.map((lower) => resolveLower(lowerPath(homes, lower))));
  }
}

async function resolveLower(link: string): Promise<string> {
  return resolve(dirname(link), await readlink(link));
}

/**
 * Go's recreateSymlinks: every layer's `l/<name>` link exists and points at its
 * diff, and every link in `l/` names a layer whose `link` file agrees.
 */
export async function recreateSymlinks(home: string): Promise<void> {
  const entries = await readdir(home, { withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isDirectory() || entry.name === LINK_DIR) continue;
    const short = readShortName(home, entry.name);
    if (short === undefined) continue;
    try {
      await symlink(posix.join('..', entry.name, 'diff'), join(home, LINK_DIR, short.trim()));
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
  }
  for (const name of await readdir(join(home, LINK_DIR))) {
    const link = join(home, LINK_DIR, name);
    const parts = (await readlink(link)).split('/');
    if (parts.length !== 3 || parts[0] !== '..' || parts[2] !== 'diff') {
      await unlink(link);
      continue;
    }
    if (readShortName(home, parts[1]!) !== name) {
      await writeFile(join(home, parts[1]!, 'link'), name, { mode: 0o644 }).catch((err: unknown) => {
        if (!isErrno(err, 'ENOENT')) throw err;
      });
    }
  }
}
