// applydiff benchmark (issue 3): Berth's putLayer of a ~150 MB, ~30,000-file
// layer (uncompressed, gzip, zstd) against the Go CLI's import-layer of the
// same bytes and `tar -x` into an empty dir as the floor; then `diff` of the
// uncompressed layer for both. Best of RUNS each (the page cache cannot be
// dropped reliably here, so every contender gets the same warm-cache chance;
// other load on a shared machine makes single runs vary by 5x).

import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { Compression } from '../src/archive/index.js';
import { openTestStore } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs, type GoLayer } from '../test/helpers/go-cli.js';
import { goStorageJson } from '../test/helpers/go-cli.js';
import { makeTempStore, removeTree, type TempStore } from '../test/helpers/temp-store.js';
import { layerFixture } from './layer-fixture.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { best, timeCommand, timeMs } from './timing.js';

const run = promisify(execFile);
const RUNS = Number(process.env.BENCH_APPLY_RUNS ?? 3);

interface Format {
  label: string;
  file: string;
  tarArgs: string[];
}

async function main(): Promise<void> {
  const fixture = await layerFixture();
  const formats: Format[] = [
    { label: 'uncompressed', file: fixture.tar, tarArgs: ['-xf'] },
    { label: 'gzip', file: fixture.gzip, tarArgs: ['-xzf'] },
    { label: 'zstd', file: fixture.zstd, tarArgs: ['--zstd', '-xf'] },
  ];
  const sizes = await Promise.all(formats.map(async (f) => (await stat(f.file)).size));
  console.log(`applydiff bench: ${fixture.files} files; tar ${mb(sizes[0]!)}, gzip ${mb(sizes[1]!)}, zstd ${mb(sizes[2]!)}; best of ${RUNS} runs each`);

  const rows: string[][] = [];
  // Kept from the last uncompressed apply of each side, for the diff rows.
  let berthDiffStore: { temp: TempStore; id: string } | undefined;
  let goDiffStore: { temp: TempStore; id: string } | undefined;
  for (const format of formats) {
    const berth: number[] = [];
    const go: number[] = [];
    const tar: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const b = await berthApply(format.file);
      berth.push(b.ms);
      const g = await goApply(format.file);
      go.push(g.ms);
      tar.push(await tarExtract(format));
      if (format === formats[0]) {
        await berthDiffStore?.temp.dispose();
        await goDiffStore?.temp.dispose();
        berthDiffStore = b;
        goDiffStore = g;
      } else {
        await b.temp.dispose();
        await g.temp.dispose();
      }
    }
    rows.push(row(`applydiff ${format.label}`, best(berth), best(go), best(tar)));
  }

  const berthDiff: number[] = [];
  const goDiff: number[] = [];
  const tarCreate: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    berthDiff.push(await berthDiffTime(berthDiffStore!));
    goDiff.push(await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(goDiffStore!.temp), 'diff', '--uncompressed', goDiffStore!.id], { drainStdout: true }));
    tarCreate.push(await timeCommand('tar', ['--numeric-owner', '-C', join(goDiffStore!.temp.graphRoot, 'overlay', goDiffStore!.id, 'diff'), '-cf', '-', '.'], { drainStdout: true }));
  }
  rows.push(row('diff uncompressed', best(berthDiff), best(goDiff), best(tarCreate)));
  await berthDiffStore?.temp.dispose();
  await goDiffStore?.temp.dispose();

  printTable(['operation', 'Berth', 'Go CLI', 'tar', 'Berth/Go', 'Berth/tar'], rows);
  console.log([
    'Berth = library putLayer from a file stream (store opened before timing); Go CLI = `containers-storage import-layer -f`',
    '(a process: open, apply in its chrooted child, tar-split, records); tar = `tar -x…f FILE -C EMPTYDIR` (diff row: `tar -cf -`',
    'of the layer dir). Berth\'s diff streams into /dev/null; the Go CLI\'s and tar\'s stdout into a pipe node drains (GNU tar',
    'skips reading files when its archive is /dev/null). `sync` before every timed run; page cache warm for all.',
    'targets: Berth/Go <= 0.6 on every row; Berth/tar <= 1.3 on uncompressed apply.',
  ].join('\n'));
}

function row(label: string, berth: number, go: number, tar: number): string[] {
  return [label, formatMs(berth), formatMs(go), formatMs(tar), formatRatio(berth / go), formatRatio(berth / tar)];
}

async function berthApply(file: string): Promise<{ temp: TempStore; id: string; ms: number }> {
  const temp = await makeTempStore('berth-bench-apply-');
  try {
    const store = await openTestStore(temp);
    try {
      await run('sync');
      let id = '';
      const ms = await timeMs(async () => {
        id = (await store.putLayer(createReadStream(file, { highWaterMark: 1 << 20 }))).layer.id;
      });
      return { temp, id, ms };
    } finally {
      await store.close();
    }
  } catch (err) {
    await temp.dispose();
    throw err;
  }
}

async function goApply(file: string): Promise<{ temp: TempStore; id: string; ms: number }> {
  const temp = await makeTempStore('berth-bench-apply-go-');
  // Let the Go CLI create the store first, so only the import is timed.
  await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(temp), 'layers']);
  await run('sync');
  const ms = await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(temp), 'import-layer', '--file', file]);
  const [layer] = await goStorageJson<GoLayer[]>(temp, 'layers');
  return { temp, id: layer!.id, ms };
}

async function tarExtract(format: Format): Promise<number> {
  const temp = await makeTempStore('berth-bench-tar-');
  try {
    const into = join(temp.dir, 'root');
    await mkdir(into);
    await run('sync');
    return await timeCommand('tar', [...format.tarArgs, format.file, '-C', into]);
  } finally {
    await removeTree(temp.dir);
  }
}

async function berthDiffTime(layer: { temp: TempStore; id: string }): Promise<number> {
  const store = await openTestStore(layer.temp);
  try {
    return await timeMs(async () => {
      await pipeline(await store.diff(layer.id, { compression: Compression.None }), createWriteStream('/dev/null'));
    });
  } finally {
    await store.close();
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(0)} MB`;
}

await main();
