// `berth run --rm busybox true` against `podman run --rm` on the same store,
// with conmon + crun driven directly (as Berth drives them, and with crun's
// commands started from its path, as any other caller would) and a bare
// `crun run` of an unpacked bundle as the floors; then 20 containers started
// in parallel by each. Interleaved, median of N. Needs root, conmon, crun, podman.

import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Container, Runtime, defaultRuntimeConfig, generateSpec } from '../src/oci/index.js';
import { openStore } from '../src/storage/index.js';
import { generateRandomId } from '../src/util/index.js';
import { BERTH_BIN } from '../test/helpers/berth.js';
import { buildOciImage, storeOciImage } from '../test/helpers/oci-image.js';
import { preparePodman } from '../test/helpers/podman.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../test/helpers/rootfs.js';
import { makeTempStore } from '../test/helpers/temp-store.js';
import { formatMs, formatRatio, printTable } from './report.js';
import { median, timeCommand, timeMs } from './timing.js';

const RUNS = Number(process.env.BENCH_RUN_RUNS ?? 11);
const PARALLEL = 20;
const IMAGE = 'localhost/busybox:latest';

async function main(): Promise<void> {
  const temp = await makeTempStore('berth-bench-run-');
  try {
    const store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay' });
    const rootfs = join(temp.dir, 'rootfs');
    await makeBusyboxRootfs(rootfs);
    await storeOciImage(store, buildOciImage([await tarOfDirectory(rootfs)], { cmd: ['/bin/busybox', 'true'] }), IMAGE);
    const pod = await preparePodman(temp.dir, { graphRoot: temp.graphRoot, runRoot: temp.runRoot, driver: 'overlay' });
    const berthArgs = [BERTH_BIN, '--root', temp.graphRoot, '--runroot', temp.runRoot, '--storage-driver', 'overlay', 'run', '--rm', '--runtime', 'crun', 'busybox', '/bin/busybox', 'true'];
    const podmanArgs = [...pod.args, '--runtime', 'crun', 'run', '--rm', IMAGE, '/bin/busybox', 'true'];
    const floor = await bundleFloor(temp.dir, rootfs, true);
    const plainFloor = await bundleFloor(temp.dir, rootfs, false);

    const runBerth = () => timeCommand(process.execPath, berthArgs);
    // What any Node CLI pays before its first line (here with this environment's NODE_OPTIONS and NODE_EXTRA_CA_CERTS, if set).
    const runNode = () => timeCommand(process.execPath, ['-e', '0']);
    const runPodman = () => timeCommand('podman', podmanArgs, { env: pod.env });
    // One untimed run each warms caches (and podman's first-run setup).
    await runBerth();
    await runPodman();
    await floor.conmonCrun();
    await plainFloor.conmonCrun();
    await floor.bareCrun();

    const samples = { berth: [] as number[], podman: [] as number[], conmon: [] as number[], plainConmon: [] as number[], crun: [] as number[], node: [] as number[] };
    for (let i = 0; i < RUNS; i++) {
      samples.node.push(await runNode());
      samples.berth.push(await runBerth());
      samples.podman.push(await runPodman());
      samples.conmon.push(await floor.conmonCrun());
      samples.plainConmon.push(await plainFloor.conmonCrun());
      samples.crun.push(await floor.bareCrun());
    }
    const parallel = {
      berth: await timeMs(() => Promise.all(Array.from({ length: PARALLEL }, runBerth))),
      podman: await timeMs(() => Promise.all(Array.from({ length: PARALLEL }, runPodman))),
      conmon: await timeMs(() => Promise.all(Array.from({ length: PARALLEL }, floor.conmonCrun))),
    };

    const m = {
      berth: median(samples.berth), podman: median(samples.podman), conmon: median(samples.conmon), plainConmon: median(samples.plainConmon),
      crun: median(samples.crun), node: median(samples.node),
    };
    console.log(`busybox true, median of ${RUNS} interleaved runs (store on ${temp.dir})`);
    printTable(['what', 'median', 'ratio to podman', 'above conmon+crun'], [
      ['berth run --rm (CLI process)', formatMs(m.berth), formatRatio(m.berth / m.podman), formatMs(m.berth - m.conmon)],
      ['podman run --rm (crun)', formatMs(m.podman), '1.00x', formatMs(m.podman - m.conmon)],
      ['conmon + crun, driven in-process', formatMs(m.conmon), formatRatio(m.conmon / m.podman), '-'],
      ['the same, crun started from its path', formatMs(m.plainConmon), formatRatio(m.plainConmon / m.podman), '-'],
      ['bare crun run of the bundle', formatMs(m.crun), formatRatio(m.crun / m.podman), '-'],
      ['node -e 0 (start of any Node CLI)', formatMs(m.node), formatRatio(m.node / m.podman), '-'],
    ]);
    if (process.env.NODE_EXTRA_CA_CERTS) {
      console.log('NODE_EXTRA_CA_CERTS is set: Node parses those certificates at every start, before any of the CLI runs');
    }
    console.log(`${PARALLEL} containers started in parallel (wall time for all)`);
    printTable(['what', 'wall', 'ratio to podman'], [
      ['berth run --rm', formatMs(parallel.berth), formatRatio(parallel.berth / parallel.podman)],
      ['podman run --rm', formatMs(parallel.podman), '1.00x'],
      ['conmon + crun, in-process', formatMs(parallel.conmon), formatRatio(parallel.conmon / parallel.podman)],
    ]);
    console.log('target: berth <= 0.5x podman at the median, and under 100 ms above conmon+crun');
  } finally {
    await temp.dispose();
  }
}

/**
 * An unpacked bundle (a copy of the rootfs, a spec for `busybox true`) and two
 * ways to run it. `sealedCopy`: crun's commands start from Berth's sealed copy
 * of its binary (the handler's default), else from its path.
 */
async function bundleFloor(dir: string, rootfs: string, sealedCopy: boolean): Promise<{ conmonCrun: () => Promise<number>; bareCrun: () => Promise<number> }> {
  const bundle = join(dir, sealedCopy ? 'bundle' : 'bundle-plain');
  mkdirSync(bundle, { recursive: true });
  cpSync(rootfs, join(bundle, 'rootfs'), { recursive: true });
  const config = defaultRuntimeConfig();
  config.runtimes['crun'] = { ...config.runtimes['crun']!, execSealedCopy: sealedCopy };
  const runtime = new Runtime({ config, exitDir: join(dir, 'floor-exits'), socketDir: join(dir, 'floor-sock') });
  const spec = (id: string) => generateSpec({ Cmd: ['/bin/busybox', 'true'] }, { id, rootfs: join(bundle, 'rootfs'), cgroupsPath: `/berth-bench/${id}` });
  return {
    conmonCrun: () => timeMs(async () => {
      const id = generateRandomId();
      const persistDir = join(dir, 'floor', id);
      mkdirSync(persistDir, { recursive: true });
      const container = new Container({
        id, name: id, runtimeHandler: 'crun', bundlePath: persistDir, persistDir, logPath: join(persistDir, 'log'),
        labels: {}, annotations: {}, stopSignal: 15, stopTimeout: 10, spec: spec(id), createdAt: new Date().toISOString(), logSizeMax: -1,
      });
      await runtime.createContainer(container);
      await runtime.startContainer(container);
      await runtime.waitContainer(container);
      await runtime.deleteContainer(container);
    }),
    bareCrun: () => {
      const id = generateRandomId();
      writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec(id)));
      return timeCommand('crun', ['run', '--bundle', bundle, id]);
    },
  };
}

await main();
