// Containers benchmark (issue 2): Berth (library in-process, and its CLI) and
// the Go containers-storage CLI create, list and delete containers from one
// image, on an empty store and on one that already holds 10,000 containers.
// Prints per-operation times and the ratios Go/Berth from the same run.

import { makeTempStore } from '../test/helpers/temp-store.js';
import { berthStorageArgs, openTestStore } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs, type StoreRoots } from '../test/helpers/go-cli.js';
import { BENCH_IMAGE, cachedContainerStore, copyStore, makeImageStore } from './bench-stores.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { mean, median, timeCommand, timeMs } from './timing.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const BIG = env('BENCH_BIG_STORE', 10000);
/**
 * Creates and deletes timed per contender and store size. Every Berth CLI and
 * Go CLI op is a process start; on the big store each Go op loads and rewrites
 * megabytes of JSON (~0.3 s at 3,000 containers here), so the CLIs and the
 * big-store rows use samples to keep the whole bench within minutes.
 */
const OPS = {
  empty: { lib: env('BENCH_CONTAINERS', 1000), cli: env('BENCH_CLI_SAMPLE', 100), go: env('BENCH_CONTAINERS', 1000) },
  big: { lib: env('BENCH_BIG_LIB_SAMPLE', 200), cli: env('BENCH_BIG_CLI_SAMPLE', 30), go: env('BENCH_BIG_GO_SAMPLE', 50) },
};
const LIST_RUNS = 5;

interface Figures {
  create: number;
  list: number;
  delete: number;
  /** How many creates/deletes were timed. */
  ops: number;
}

interface Contender {
  run(roots: StoreRoots, ops: number, tag: string): Promise<Figures>;
}

const library: Contender = {
  async run(roots, ops, tag) {
    const store = await openTestStore(roots);
    try {
      const ids: string[] = [];
      const create = await timeMs(async () => {
        for (let i = 0; i < ops; i++) ids.push((await store.createContainer({ names: [`${tag}-${i}`], image: BENCH_IMAGE })).id);
      });
      const lists: number[] = [];
      for (let i = 0; i < LIST_RUNS; i++) {
        // A fresh store each time: the Go CLI also loads containers.json from disk for every list.
        lists.push(await timeMs(async () => {
          const fresh = await openTestStore(roots);
          await fresh.containers();
          await fresh.close();
        }));
      }
      const del = await timeMs(async () => {
        for (const id of ids) await store.deleteContainer(id);
      });
      return { create: create / ops, list: median(lists), delete: del / ops, ops };
    } finally {
      await store.close();
    }
  },
};

function cliContender(command: (roots: StoreRoots, args: string[]) => [string, string[]]): Contender {
  return {
    async run(roots, ops, tag) {
      const creates: number[] = [];
      for (let i = 0; i < ops; i++) creates.push(await timeCommand(...command(roots, ['create-container', '--name', `${tag}-${i}`, BENCH_IMAGE])));
      const lists: number[] = [];
      for (let i = 0; i < LIST_RUNS; i++) lists.push(await timeCommand(...command(roots, ['containers', '--json'])));
      const deletes: number[] = [];
      for (let i = 0; i < ops; i++) deletes.push(await timeCommand(...command(roots, ['delete-container', `${tag}-${i}`])));
      return { create: mean(creates), list: median(lists), delete: mean(deletes), ops };
    },
  };
}

const berthCli = cliContender((roots, args) => [process.execPath, berthStorageArgs(roots, args)]);
const goCli = cliContender((roots, args) => [GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), ...args]]);

async function main(): Promise<void> {
  const work = await makeTempStore('berth-bench-containers-');
  try {
    const template = await makeImageStore(work.dir, 'template');

    console.log(`containers bench: ${OPS.empty.lib} containers on an empty store, then on a store with ${BIG}`);
    const small = {
      lib: await library.run(await copyStore(template, work.dir, 'small-lib'), OPS.empty.lib, 'lib'),
      cli: await berthCli.run(await copyStore(template, work.dir, 'small-cli'), OPS.empty.cli, 'cli'),
      go: await goCli.run(await copyStore(template, work.dir, 'small-go'), OPS.empty.go, 'go'),
    };

    const big = await cachedContainerStore(work.dir, BIG);
    console.log(big.cached
      ? `(the ${BIG}-container store, made with the library, came from the cache; each contender works on its own copy)`
      : `(made the ${BIG}-container store with the library in ${formatMs(big.fillMs)}; cached for later runs; each contender works on its own copy)`);
    const large = {
      lib: await library.run(await copyStore(big.roots, work.dir, 'big-lib'), OPS.big.lib, 'lib'),
      cli: await berthCli.run(await copyStore(big.roots, work.dir, 'big-cli'), OPS.big.cli, 'cli'),
      go: await goCli.run(await copyStore(big.roots, work.dir, 'big-go'), OPS.big.go, 'go'),
    };

    const rows: string[][] = [];
    for (const [label, f] of [[`empty store`, small], [`${BIG} containers`, large]] as const) {
      for (const op of ['create', 'list', 'delete'] as const) {
        const per = op === 'list' ? 'per list' : 'per op';
        rows.push([
          `${op}, ${label} (${per})`,
          formatMs(f.lib[op]), formatMs(f.cli[op]), formatMs(f.go[op]),
          formatRatio(f.go[op] / f.lib[op]), formatRatio(f.go[op] / f.cli[op]),
        ]);
      }
    }
    printTable(['operation', 'Berth lib', 'Berth CLI', 'Go CLI', 'Go/Berth lib', 'Go/Berth CLI'], rows);
    console.log([
      `ops timed (creates, then as many deletes): empty store: Berth lib ${small.lib.ops}, Berth CLI ${small.cli.ops}, Go CLI ${small.go.ops};`,
      `${BIG}-container store: Berth lib ${large.lib.ops}, Berth CLI ${large.cli.ops}, Go CLI ${large.go.ops}. Times are means per op; each CLI op is one process.`,
      `list = median of ${LIST_RUNS}: the library opens a fresh Store and calls containers(); the CLIs run \`containers --json\`.`,
      'target: Go/Berth lib >= 5x for create and delete at both sizes.',
    ].join('\n'));
  } finally {
    await work.dispose();
  }
}

await main();
