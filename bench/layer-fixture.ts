// The applydiff benchmark's input: a ~150 MB layer of ~30,000 small and large
// files (plus symlinks and hard links), as an uncompressed PAX tar, gzip and
// zstd. Built once per machine into BENCH_CACHE_DIR, since making it takes
// longer than applying it.

import { execFile } from 'node:child_process';
import { access, link, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { prng } from '../test/helpers/tar-builder.js';
import { BENCH_CACHE_DIR } from './cache-dir.js';

const run = promisify(execFile);

/** Bump when the generated content changes, so a stale cache is not reused. */
const FIXTURE_VERSION = 3;
/** How many files a generated tree has: TOP × SUB dirs of FILES small files, LARGE files of 0.5-2.5 MB. */
export interface TreeShape {
  topDirs: number;
  subDirs: number;
  filesPerDir: number;
  largeFiles: number;
}

const SHAPE: TreeShape = { topDirs: 30, subDirs: 10, filesPerDir: 100, largeFiles: 50 };

export interface LayerFixture {
  tar: string;
  gzip: string;
  zstd: string;
  /** Entries and uncompressed bytes of file content, for the report. */
  files: number;
}

export async function layerFixture(): Promise<LayerFixture> {
  const dir = join(BENCH_CACHE_DIR, `layer-v${FIXTURE_VERSION}`);
  const fixture = { tar: join(dir, 'layer.tar'), gzip: join(dir, 'layer.tar.gz'), zstd: join(dir, 'layer.tar.zst'), files: SHAPE.topDirs * SHAPE.subDirs * SHAPE.filesPerDir + SHAPE.largeFiles };
  const done = join(dir, 'complete');
  if (await access(done).then(() => true, () => false)) return fixture;

  await rm(dir, { recursive: true, force: true });
  const src = join(dir, 'src');
  await writeTree(src, 0x5eed, SHAPE);
  // Whole-second mtimes and no atime/ctime records: PAX extended headers only where ustar cannot
  // say it, as image builders write layers.
  await run('tar', ['--format=pax', '--pax-option=delete=atime,delete=ctime', '--mtime=@1700000000', '--sort=name',
    '--numeric-owner', '-C', src, '-cf', fixture.tar, '.']);
  await rm(src, { recursive: true, force: true });
  await run('sh', ['-c', `gzip -6 -c '${fixture.tar}' > '${fixture.gzip}'`]);
  await run('zstd', ['-q', '-3', '-T0', fixture.tar, '-o', fixture.zstd]);
  await writeFile(done, '');
  return fixture;
}

/** Deterministic content for `seed`: slices of a pool that compresses about 2.5-3x, as real layers do. */
export async function writeTree(root: string, seed: number, shape: TreeShape): Promise<void> {
  const random = prng(seed);
  const pool = textPool(random, 8 << 20);
  const slice = (size: number) => {
    const start = Math.floor(random() * (pool.length - size));
    return pool.subarray(start, start + size);
  };

  for (let t = 0; t < shape.topDirs; t++) {
    for (let s = 0; s < shape.subDirs; s++) {
      const dir = join(root, `usr${t}`, `lib${s}`);
      await mkdir(dir, { recursive: true });
      const writes: Array<Promise<void>> = [];
      for (let f = 0; f < shape.filesPerDir; f++) {
        writes.push(writeFile(join(dir, `file${f}.so`), slice(Math.floor(random() * 5000)), { mode: f % 7 === 0 ? 0o755 : 0o644 }));
      }
      await Promise.all(writes);
      await symlink(`file0.so`, join(dir, 'current.so'));
      await link(join(dir, 'file1.so'), join(dir, 'file1-hardlink.so'));
    }
  }
  await mkdir(join(root, 'opt', 'large'), { recursive: true });
  for (let l = 0; l < shape.largeFiles; l++) {
    await writeFile(join(root, 'opt', 'large', `blob${l}.bin`), slice((512 << 10) + Math.floor(random() * (2 << 20))));
  }
}

/** Words from a 512-word made-up vocabulary, with a run of 64 random bytes every ~2 KiB. */
function textPool(random: () => number, size: number): Buffer {
  const letters = 'abcdefghijklmnopqrstuvwxyz_';
  const words = Array.from({ length: 512 }, () => Array.from({ length: 3 + Math.floor(random() * 7) }, () => letters[Math.floor(random() * letters.length)]).join(''));
  const pool = Buffer.alloc(size);
  let at = 0;
  while (at < size) {
    if (random() < 0.01) {
      for (let i = 0; i < 64 && at < size; i++) pool[at++] = random() * 256;
    } else {
      at += pool.write(`${words[Math.floor(random() * words.length)]}${random() < 0.1 ? '\n' : ' '}`, at);
    }
  }
  return pool;
}
