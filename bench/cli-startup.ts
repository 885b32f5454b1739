// CLI fixed cost (issues 2 and 11): `berth storage` verbs that read and verbs
// that write, each on an empty store (one image, no container left between
// runs), against a bare `node -e 0` on the same machine; the Go CLI runs the
// same verbs on its own copy of the store, for reference. Interleaved, median
// of N runs each. Node and Berth run without NODE_EXTRA_CA_CERTS: Node parses
// those certificates at every start (~40 ms here, where the variable is set
// for every process), which would add the same to both sides of the ratio and
// flatter it; the variable costs Berth nothing else.

import { berthStorageArgs } from '../test/helpers/berth.js';
import { GO_STORAGE_CLI, goStorageGlobalArgs, type StoreRoots } from '../test/helpers/go-cli.js';
import { makeTempStore } from '../test/helpers/temp-store.js';
import { BENCH_IMAGE, copyStore, makeImageStore } from './bench-stores.js';
import { formatMs, formatRatio, loadAverageLine, printTable } from './report.js';
import { median, timeCommand } from './timing.js';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 21);
const TARGET = 1.3;
/** The environment the Node processes are timed in (see the top). */
const NODE_ENV = withoutExtraCaCerts(process.env);

/** One command line per verb; create and delete work on the container `name`. */
function verbs(name: string): Array<{ label: string; args: string[] }> {
  return [
    { label: 'layers', args: ['layers'] },
    { label: 'containers --json', args: ['containers', '--json'] },
    { label: 'create-container', args: ['create-container', '--name', name, BENCH_IMAGE] },
    { label: 'delete-container', args: ['delete-container', name] },
  ];
}

async function main(): Promise<void> {
  const work = await makeTempStore('berth-bench-startup-');
  try {
    const template = await makeImageStore(work.dir, 'template');
    const berthRoots = await copyStore(template, work.dir, 'berth');
    const goRoots = await copyStore(template, work.dir, 'go');
    const berth = (roots: StoreRoots, args: string[]) => timeCommand(process.execPath, berthStorageArgs(roots, args), { env: NODE_ENV });
    const go = (roots: StoreRoots, args: string[]) => timeCommand(GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), ...args]);

    // One untimed round each: the first run warms the page cache (and Go's driver probes).
    for (const { args } of verbs('warm-up')) {
      await berth(berthRoots, args);
      await go(goRoots, args);
    }
    const node: number[] = [];
    const times = new Map<string, { berth: number[]; go: number[] }>(verbs('').map(({ label }) => [label, { berth: [], go: [] }]));
    for (let i = 0; i < RUNS; i++) {
      node.push(await timeCommand(process.execPath, ['-e', '0'], { env: NODE_ENV }));
      for (const { label, args } of verbs(`startup-${i}`)) {
        const entry = times.get(label)!;
        entry.berth.push(await berth(berthRoots, args));
        entry.go.push(await go(goRoots, args));
      }
    }

    const nodeMedian = median(node);
    console.log(`CLI fixed cost on an empty store (one image; create-container then delete-container of the same container each round), median of ${RUNS} interleaved runs`);
    const rows = [['node -e 0', formatMs(nodeMedian), '1.00x', '', '']];
    const misses: string[] = [];
    for (const [label, { berth: b, go: g }] of times) {
      const ratio = median(b) / nodeMedian;
      if (ratio > TARGET) misses.push(label);
      rows.push([`berth storage ${label}`, formatMs(median(b)), formatRatio(ratio), formatMs(median(g)), formatRatio(median(g) / nodeMedian)]);
    }
    printTable(['command', 'Berth median', 'Berth / node -e 0', 'Go CLI median', 'Go / node -e 0'], rows);
    console.log(`target: every berth storage verb above <= ${TARGET}x node -e 0${misses.length ? ` (missed: ${misses.join(', ')})` : ' (met)'}`);
    console.log(loadAverageLine());
  } finally {
    await work.dispose();
  }
}

function withoutExtraCaCerts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...rest } = env;
  return rest;
}

await main();
