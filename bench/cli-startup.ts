// CLI fixed cost (issue 2): `berth storage layers` on an empty store against a
// bare `node -e 0` on the same machine, interleaved, median of N runs each.

import { BERTH_BIN } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs } from '../test/helpers/go-cli.js';
import { makeTempStore } from '../test/helpers/temp-store.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { median, timeCommand } from './timing.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);

async function main(): Promise<void> {
  const temp = await makeTempStore('berth-bench-startup-');
  try {
    const roots = { graphRoot: temp.graphRoot, runRoot: temp.runRoot };
    const berthArgs = [BERTH_BIN, 'storage', '--graph', roots.graphRoot, '--run', roots.runRoot, '--storage-driver', 'overlay', 'layers'];
    // One untimed run each: the first creates the store dirs and warms the page cache.
    await timeCommand(process.execPath, berthArgs);
    await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), 'layers']);
    const node: number[] = [];
    const berth: number[] = [];
    const go: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      node.push(await timeCommand(process.execPath, ['-e', '0']));
      berth.push(await timeCommand(process.execPath, berthArgs));
      go.push(await timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), 'layers']));
    }
    console.log(`CLI fixed cost: \`layers\` on an empty store, median of ${RUNS} interleaved runs`);
    printTable(['command', 'median', 'ratio to node -e 0'], [
      ['node -e 0', formatMs(median(node)), '1.00x'],
      ['berth storage layers', formatMs(median(berth)), formatRatio(median(berth) / median(node))],
      ['containers-storage layers (Go, for reference)', formatMs(median(go)), formatRatio(median(go) / median(node))],
    ]);
    console.log('target: berth storage layers <= 1.5x node -e 0');
  } finally {
    await temp.dispose();
  }
}

await main();
