// Shared fixtures of the image tests: small multi-layer OCI images built in
// code, a copy into a store through the library, and store file readers.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { copyImage, openImageDestination, openImageSource, parseImageReference, type CopyOptions, type CopyResult } from '../../src/image/index.js';
import type { Store } from '../../src/storage/index.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { TarBuilder } from '../helpers/tar-builder.js';

/** Three layers: a base with files, a second with a whiteout and an opaque dir, a third with one file. */
export function threeLayerImage(options: { gzip?: boolean; tag?: string } = {}): OciImage {
  const tars = [
    new TarBuilder().dir('etc').file('etc/motd', 'hello\n').dir('usr').dir('usr/share').file('usr/share/a', { size: 200_000, seed: 1 }).file('bin-x', 'x', { mode: 0o755 }).toBuffer(),
    new TarBuilder().whiteout('etc/motd').opaque('usr/share').file('usr/share/b', 'b\n', { uid: 1000, gid: 1000 }).toBuffer(),
    new TarBuilder().dir('data').file('data/f', { size: 50_000, seed: 2 }).toBuffer(),
  ];
  return buildOciImage(tars, { gzip: options.gzip ?? true });
}

/** `copyImage` between two `transport:ref` strings with `store` for containers-storage:. */
export async function copyBetween(from: string, to: string, store: Store | undefined, options: CopyOptions = {}): Promise<CopyResult> {
  const source = await openImageSource(parseImageReference(from), { store });
  try {
    const destination = await openImageDestination(parseImageReference(to), { store });
    return await copyImage(source, destination, options);
  } finally {
    await source.close();
  }
}

/** Every file under `dir` (relative path → bytes), sorted. */
export function filesUnder(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile()) out.set(path, readFileSync(join(dir, path)));
    }
  };
  walk('');
  return out;
}

/** layers.json with each layer's `created` (the time of the copy) blanked. */
export function layersJsonWithoutTimes(graphRoot: string, driver = 'overlay'): unknown {
  const layers = JSON.parse(readFileSync(join(graphRoot, `${driver}-layers`, 'layers.json'), 'utf8')) as Array<Record<string, unknown>>;
  return layers.map((l) => ({ ...l, created: '' }));
}
