// Issue 12's pull benchmark: a 5-layer image (~38 MB of gzip per layer, ~100 MB
// of files each) pulled from a docker-registry on loopback into a fresh store
// on disk by `berth pull`, `skopeo copy docker://… containers-storage:…` and
// `podman pull`, each timed from process start to exit, the same run printing
// all figures and the ratios. The image is built once into BENCH_CACHE_DIR as
// an OCI layout and pushed once into a registry storage kept beside it; each
// bench run serves that storage with its own registry process.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BERTH_BIN } from '../test/helpers/berth.js';
import { pushWithSkopeo } from '../test/helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../test/helpers/registry-server.js';
import { removeTree } from '../test/helpers/temp-store.js';
import { BENCH_CACHE_DIR } from './cache-dir.js';
import { writeTree, type TreeShape } from './layer-fixture.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { median, settleDisk, timeCommand } from './timing.js';

const run = promisify(execFile);
const FIXTURE_VERSION = 1;
const LAYERS = 5;
const SHAPE: TreeShape = { topDirs: 20, subDirs: 10, filesPerDir: 50, largeFiles: 50 };
const RUNS = Number(process.env.BENCH_PULL_RUNS ?? 3);
const TAG = 'v1';
const REPOSITORY = 'bench/five';
const CONTENDERS = ['berth', 'skopeo', 'podman'] as const;

async function main(): Promise<void> {
  const layout = await pullFixture();
  const registry = await registryWith(layout);
  const image = `${registry.host}/${REPOSITORY}:${TAG}`;
  const work = join(process.env.BENCH_PULL_DIR ?? tmpdir(), `berth-bench-pull-${process.pid}`);
  await mkdir(work, { recursive: true });
  const samples: Record<string, number[]> = { berth: [], skopeo: [], podman: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      // The order rotates, so that no contender always follows the same one.
      for (const who of [...CONTENDERS.slice(i % 3), ...CONTENDERS.slice(0, i % 3)]) {
        const dir = join(work, `${who}-${i}`);
        const graph = join(dir, 'graph');
        const runRoot = join(dir, 'run');
        settleDisk();
        const ms = who === 'berth'
          ? await timeCommand(process.execPath, [BERTH_BIN, '--root', graph, '--runroot', runRoot, '--storage-driver', 'overlay', 'pull', '-q', '--tls-verify=false', image])
          : who === 'skopeo'
            ? await timeCommand('skopeo', ['copy', '--quiet', '--src-tls-verify=false', `docker://${image}`, `containers-storage:[overlay@${graph}+${runRoot}]${image}`])
            : await timeCommand('podman', ['--root', graph, '--runroot', runRoot, '--storage-driver', 'overlay', 'pull', '-q', '--tls-verify=false', image]);
        samples[who]!.push(ms);
        // Every store stays until the end: on this ext4, creating files right after a large
        // tree was removed costs several times more (the inode allocator passes over the
        // recently freed inodes), which would fall on whichever tool came next.
      }
    }
  } finally {
    await registry.stop();
    await removeTree(work);
  }
  const compressed = await layoutBlobBytes(layout);
  console.log(`image: ${LAYERS} gzip layers, ${(compressed / 1e6).toFixed(0)} MB compressed, from docker-registry on ${registry.host}; ${RUNS} runs each, median; fresh store under ${process.env.BENCH_PULL_DIR ?? tmpdir()}`);
  const berth = median(samples.berth!);
  printTable(['contender', 'median', 'runs', 'berth / it'], CONTENDERS.map((who) => {
    const m = median(samples[who]!);
    return [`${who} (docker:// → containers-storage)`, formatMs(m), samples[who]!.map(formatMs).join(', '), who === 'berth' ? '' : formatRatio(berth / m)];
  }));
  console.log(`target: berth <= 0.4x skopeo; measured ${formatRatio(berth / median(samples.skopeo!))}`);
}

/** A registry serving the bench image: its storage is filled once (skopeo push) and kept in the cache. */
async function registryWith(layout: string): Promise<RegistryServer> {
  const dir = join(BENCH_CACHE_DIR, `pull-v${FIXTURE_VERSION}`, 'registry');
  const pushed = join(dir, 'pushed');
  const registry = await startRegistry({ dir });
  try {
    if (!(await access(pushed).then(() => true, () => false))) {
      await pushWithSkopeo(`oci:${layout}:${TAG}`, `${REPOSITORY}:${TAG}`, { host: registry.host });
      await writeFile(pushed, '');
    }
  } catch (err) {
    await registry.stop();
    throw err;
  }
  return registry;
}

/** The OCI layout of the bench image, built once (a few minutes) and cached. */
async function pullFixture(): Promise<string> {
  const dir = join(BENCH_CACHE_DIR, `pull-v${FIXTURE_VERSION}`);
  const layout = join(dir, 'oci');
  const done = join(dir, 'complete');
  if (await access(done).then(() => true, () => false)) return layout;
  await rm(dir, { recursive: true, force: true });
  const blobs = join(layout, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const layers: Array<{ digest: string; size: number; diffId: string }> = [];
  for (let i = 0; i < LAYERS; i++) {
    const src = join(dir, `src${i}`);
    await writeTree(src, 0x1000 + i, SHAPE);
    const tar = join(dir, `layer${i}.tar`);
    await run('tar', ['--format=pax', '--pax-option=delete=atime,delete=ctime', '--mtime=@1700000000', '--sort=name', '--numeric-owner', '-C', src, '-cf', tar, '.']);
    await rm(src, { recursive: true, force: true });
    await run('sh', ['-c', `gzip -6 -c '${tar}' > '${tar}.gz'`]);
    const diffId = `sha256:${await sha256File(tar)}`;
    const digest = `sha256:${await sha256File(`${tar}.gz`)}`;
    await rename(`${tar}.gz`, join(blobs, digest.slice(7)));
    await rm(tar);
    layers.push({ digest, size: (await stat(join(blobs, digest.slice(7)))).size, diffId });
  }
  const config = Buffer.from(JSON.stringify({
    created: '2026-01-01T00:00:00Z', architecture: 'amd64', os: 'linux',
    config: { Env: ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: '2026-01-01T00:00:00Z', created_by: `bench layer ${i}` })),
  }));
  const configDigest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  await writeFile(join(blobs, configDigest.slice(7)), config);
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  }));
  const manifestDigest = `sha256:${createHash('sha256').update(manifest).digest('hex')}`;
  await writeFile(join(blobs, manifestDigest.slice(7)), manifest);
  await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(layout, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': TAG } }] }));
  await writeFile(done, '');
  return layout;
}

async function sha256File(path: string): Promise<string> {
  const { stdout } = await run('sha256sum', [path], { maxBuffer: 1 << 20 });
  return stdout.split(' ')[0] as string;
}

async function layoutBlobBytes(layout: string): Promise<number> {
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string }> };
  const manifest = JSON.parse(await readFile(join(layout, 'blobs', 'sha256', index.manifests[0]!.digest.slice(7)), 'utf8')) as { layers: Array<{ size: number }> };
  return manifest.layers.reduce((n, l) => n + l.size, 0);
}

await main();
