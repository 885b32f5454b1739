// Registry download benchmark (issue 12, the registry half): fetching every
// blob of a 5-layer ~190 MB (gzip) image from a local docker-registry into
// files, verified by digest — Berth's docker transport (layers in parallel)
// against `skopeo copy docker://… dir:` of the same image. Best of RUNS each;
// the whole pull (decompress + apply into a store) is the copy pipeline's
// bench, not this one.

import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import {
  DockerTransport, emptyRegistriesConfig, mergeRegistriesFile, parseDockerReference, parseManifest,
} from '../src/image/index.js';
import { buildOciImage } from '../test/helpers/oci-image.js';
import { ociLayoutOf, pushWithSkopeo } from '../test/helpers/registry-images.js';
import { startRegistry } from '../test/helpers/registry-server.js';
import { TarBuilder } from '../test/helpers/tar-builder.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { best, timeCommand, timeMs } from './timing.js';

const RUNS = Number(process.env.BENCH_FETCH_RUNS ?? 3);
const LAYERS = 5;
const LAYER_BYTES = 38 << 20;

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'berth-bench-fetch-'));
  const registry = await startRegistry({ dir: join(work, 'reg') });
  try {
    // Pseudo-random file contents: gzip cannot shrink them, so each blob is ~38 MB.
    const tars = Array.from({ length: LAYERS }, (_, i) => new TarBuilder().file(`layer${i}.bin`, { size: LAYER_BYTES, seed: i + 1 }).toBuffer());
    const image = buildOciImage(tars, { gzip: true });
    const total = image.layerBlobs.reduce((n, b) => n + b.data.length, 0);
    await pushWithSkopeo(await ociLayoutOf(work, image, 'v1'), 'bench/five:v1', registry);
    console.log(`registry-fetch bench: ${LAYERS} gzip layers, ${(total / 1e6).toFixed(0)} MB from ${registry.host}; best of ${RUNS} runs each`);

    const berth: number[] = [];
    const skopeo: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const berthDir = join(work, `berth-${i}`);
      berth.push(await timeMs(() => berthFetch(registry.host, berthDir)));
      await rm(berthDir, { recursive: true, force: true });
      const skopeoDir = join(work, `skopeo-${i}`);
      skopeo.push(await timeCommand('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${registry.host}/bench/five:v1`, `dir:${skopeoDir}`]));
      await rm(skopeoDir, { recursive: true, force: true });
    }
    printTable(['what', 'berth', 'skopeo', 'berth/skopeo'], [
      ['fetch all blobs to files', formatMs(best(berth)), formatMs(best(skopeo)), formatRatio(best(berth) / best(skopeo))],
    ]);
  } finally {
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}

// Manifest, config and every layer (in parallel), each verified while it streams to its file.
async function berthFetch(host: string, dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  const registries = emptyRegistriesConfig();
  mergeRegistriesFile(registries, 'bench', `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  const transport = new DockerTransport({ registries });
  try {
    const source = await transport.openSource(parseDockerReference(`//${host}/bench/five:v1`));
    const manifest = await source.getManifest();
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    await Promise.all([parsed.config, ...parsed.layers].map(async (blob) => {
      await pipeline(await source.getBlob(blob), createWriteStream(join(dir, blob.digest.slice(7))));
    }));
  } finally {
    await transport.close();
  }
}

await main();
