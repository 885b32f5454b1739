// Fixtures for the Store tests: a temp store opened through the library, the
// Go CLI on the same roots, and a fingerprint of every file under both roots
// to prove that a refused call changed nothing on disk.

import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { openStore, type Store } from '../../src/storage/index.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import type { StoreRoots } from '../helpers/go-cli.js';

export interface StoreFixture {
  temp: TempStore;
  roots: StoreRoots;
  store: Store;
}

export async function openFixture(driver: 'vfs' | 'overlay' = 'vfs'): Promise<StoreFixture> {
  const temp = await makeTempStore('berth-storage-test-');
  const roots: StoreRoots = { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver };
  const store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: driver, driverOptions: [] });
  return { temp, roots, store };
}

/** An image named `img` on an empty base layer, what most tests create containers from; returns the layer's ID. */
export async function addBaseImage(store: Store): Promise<string> {
  const base = await store.createLayer();
  await store.createImage({ names: ['img'], layer: base.id });
  return base.id;
}

/** sha256 over every path, type, mode, size and content (lock tokens included) under the roots. */
export function fingerprint(roots: StoreRoots, options: { ignoreWriteMarks?: boolean } = {}): string {
  const hash = createHash('sha256');
  for (const root of [roots.graphRoot, roots.runRoot]) walk(root, hash, options.ignoreWriteMarks === true);
  return hash.digest('hex');
}

// Write marks: the spare files atomic writes keep (`.tmp-layers.json-spare`) and
// the writer tokens in `*.lock` change with every write and hold no state.
function walk(path: string, hash: ReturnType<typeof createHash>, ignoreWriteMarks: boolean): void {
  const st = lstatSync(path);
  hash.update(`${path}\0${st.mode}\0${st.uid}\0`);
  const name = basename(path);
  if (st.isDirectory()) {
    for (const child of readdirSync(path).sort()) {
      if (!(ignoreWriteMarks && child.startsWith('.tmp-') && child.endsWith('-spare'))) walk(join(path, child), hash, ignoreWriteMarks);
    }
  } else if (st.isSymbolicLink()) {
    hash.update(readlinkSync(path));
  } else if (st.isFile() && !(ignoreWriteMarks && name.endsWith('.lock'))) {
    hash.update(readFileSync(path));
  }
}

export function readJson(path: string): string {
  return readFileSync(path, 'utf8');
}
