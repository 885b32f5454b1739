// CLI listing at scale (issue 11): `containers`, `containers --json` and
// `layers` on a store of 10,000 containers (each with its layer), Berth's CLI
// against the Go containers-storage CLI, each on its own copy of the same store
// (made once with the library and cached). Interleaved; median and best of N.

import { berthStorageArgs } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs } from '../test/helpers/go-cli.js';
import { makeTempStore } from '../test/helpers/temp-store.js';
import { cachedContainerStore, copyStore } from './bench-stores.js';
import { formatMs, formatRatio, loadAverageLine, printTable } from './report.js';
import { best, median, timeCommand } from './timing.js';

const COUNT = Number(process.env.BENCH_BIG_STORE ?? 10000);
const RUNS = Number(process.env.BENCH_LIST_RUNS ?? 11);
const TARGET = 0.6;
const LISTINGS = [['containers'], ['containers', '--json'], ['layers']];

async function main(): Promise<void> {
  const work = await makeTempStore('berth-bench-list-');
  try {
    const big = await cachedContainerStore(work.dir, COUNT);
    console.log(big.cached
      ? `(the ${COUNT}-container store came from the cache; each CLI lists its own copy)`
      : `(made the ${COUNT}-container store with the library in ${formatMs(big.fillMs)}; cached for later runs; each CLI lists its own copy)`);
    const berthRoots = await copyStore(big.roots, work.dir, 'berth');
    const goRoots = await copyStore(big.roots, work.dir, 'go');
    const node: number[] = [];
    const times = LISTINGS.map(() => ({ berth: [] as number[], go: [] as number[] }));
    // Round 0 is untimed: it warms the page cache for both copies.
    for (let round = 0; round <= RUNS; round++) {
      const nodeMs = await timeCommand(process.execPath, ['-e', '0']);
      if (round > 0) node.push(nodeMs);
      for (const [i, args] of LISTINGS.entries()) {
        const berthMs = await timeCommand(process.execPath, berthStorageArgs(berthRoots, args));
        const goMs = await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(goRoots), ...args]);
        if (round > 0) {
          times[i]!.berth.push(berthMs);
          times[i]!.go.push(goMs);
        }
      }
    }

    console.log(`CLI listing on a store of ${COUNT} containers (and their ${COUNT} layers), ${RUNS} interleaved runs each; node -e 0 median ${formatMs(median(node))}`);
    const rows = LISTINGS.map((args, i) => {
      const { berth: b, go: g } = times[i]!;
      return [args.join(' '), formatMs(median(b)), formatMs(median(g)), formatRatio(median(b) / median(g)), formatMs(best(b)), formatMs(best(g)), formatRatio(best(b) / best(g))];
    });
    printTable(['verb', 'Berth median', 'Go median', 'Berth/Go', 'Berth best', 'Go best', 'Berth/Go (best)'], rows);
    const containers = times[0]!;
    const ratio = median(containers.berth) / median(containers.go);
    console.log(`target: berth storage containers <= ${TARGET}x the Go CLI (median ratio ${formatRatio(ratio)}: ${ratio <= TARGET ? 'met' : 'missed'})`);
    console.log(loadAverageLine());
  } finally {
    await work.dispose();
  }
}

await main();
