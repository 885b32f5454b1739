// Containers benchmark (issue 2): Berth (library in-process, and its CLI) and
// the Go containers-storage CLI create, list and delete containers from one
// image, on an empty store and on one that already holds 10,000 containers.
// Prints per-operation times and the ratios Go/Berth from the same run.

import { makeTempStore } from '../test/helpers/temp-store.js';
import { berthStorageArgs, openTestStore } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs, type StoreRoots } from '../test/helpers/go-cli.js';
import { BENCH_IMAGE, copyStore, makeImageStore } from './bench-stores.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { mean, median, timeCommand, timeMs } from './timing.js';

const COUNT = Number(process.env.BENCH_CONTAINERS ?? 1000);
const BIG = Number(process.env.BENCH_BIG_STORE ?? 10000);
/** Per-op samples for the CLIs where each op is a process start (Berth CLI always, Go CLI on the big store). */
const CLI_SAMPLE = Number(process.env.BENCH_CLI_SAMPLE ?? 100);
const LIST_RUNS = 5;

interface Figures {
  create: number;
  list: number;
  delete: number;
  /** How many creates/deletes were timed. */
  ops: number;
}

interface Contender {
  name: string;
  run(roots: StoreRoots, ops: number, tag: string): Promise<Figures>;
}

const library: Contender = {
  name: 'Berth library',
  async run(roots, ops, tag) {
    const store = await openTestStore(roots);
    try {
      const ids: string[] = [];
      const create = await timeMs(async () => {
        for (let i = 0; i < ops; i++) ids.push((await store.createContainer(undefined, [`${tag}-${i}`], BENCH_IMAGE, undefined, '')).id);
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

function cliContender(name: string, command: (roots: StoreRoots, args: string[]) => [string, string[]]): Contender {
  return {
    name,
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

const berthCli = cliContender('Berth CLI', (roots, args) => [process.execPath, berthStorageArgs(roots, args)]);
const goCli = cliContender('Go CLI', (roots, args) => [GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), ...args]]);

async function main(): Promise<void> {
  const work = await makeTempStore('berth-bench-containers-');
  try {
    const template = await makeImageStore(work.dir, 'template');

    console.log(`containers bench: ${COUNT} containers on an empty store, then on a store with ${BIG}`);
    const small = {
      lib: await library.run(await copyStore(template, work.dir, 'small-lib'), COUNT, 'lib'),
      cli: await berthCli.run(await copyStore(template, work.dir, 'small-cli'), Math.min(CLI_SAMPLE, COUNT), 'cli'),
      go: await goCli.run(await copyStore(template, work.dir, 'small-go'), COUNT, 'go'),
    };

    const big = await copyStore(template, work.dir, 'big');
    const fill = await timeMs(async () => {
      const store = await openTestStore(big);
      for (let i = 0; i < BIG; i++) await store.createContainer(undefined, [`fill-${i}`], BENCH_IMAGE, undefined, '');
      await store.close();
    });
    console.log(`(made the ${BIG}-container store with the library in ${formatMs(fill)}; each contender works on its own copy)`);
    const large = {
      lib: await library.run(await copyStore(big, work.dir, 'big-lib'), COUNT, 'lib'),
      cli: await berthCli.run(await copyStore(big, work.dir, 'big-cli'), Math.min(CLI_SAMPLE, COUNT), 'cli'),
      go: await goCli.run(await copyStore(big, work.dir, 'big-go'), Math.min(CLI_SAMPLE, COUNT), 'go'),
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
      `samples: Berth lib ${small.lib.ops} creates+deletes per size; Berth CLI ${small.cli.ops} (empty) / ${large.cli.ops} (${BIG});`,
      `Go CLI ${small.go.ops} (empty) / ${large.go.ops} (${BIG}); times are means per op (each CLI op is one process).`,
      `list = median of ${LIST_RUNS}: library opens a fresh Store and calls containers(); the CLIs run \`containers --json\`.`,
      'target: Go/Berth lib >= 5x for create and delete at both sizes.',
    ].join('\n'));
  } finally {
    await work.dispose();
  }
}

await main();
