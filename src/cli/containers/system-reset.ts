// `berth system reset`, as podman's: every container stopped and removed,
// every network but the default one removed, and the store's graph root and
// run root deleted with everything in them (images, volumes, the containers
// of other tools on the store). Loaded only by this verb.

import { readdirSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dependentsFirst, type ContainerEngine } from '../../engine/index.js';
import { defaultNetworkName, listNetworks, removeNetwork } from '../../network/index.js';
import { confirmed } from './confirm.js';
import { cniOf } from './network-verbs.js';

export async function systemReset(engine: ContainerEngine, options: { force?: boolean }): Promise<void> {
  const { graphRoot, runRoot } = engine.store;
  if (!options.force) {
    const warning = [
      'WARNING! This will remove:',
      '        - all containers',
      '        - all images',
      '        - all networks',
      '        - all volumes',
      `        - the graphRoot directory: ${JSON.stringify(graphRoot)}`,
      `        - the runRoot directory: ${JSON.stringify(runRoot)}`,
      'Are you sure you want to continue? [y/N] ',
    ].join('\n');
    if (!confirmed(warning)) return;
  }
  // Each stopped as rm -f stops it, so that its conmon, its cgroup, its network and its mount go too.
  const ids: string[] = [];
  for (const container of dependentsFirst(await engine.list())) ids.push(await engine.remove(container.id, { force: true, volumes: true }));
  await processesGone(ids);
  const { configDir, defaults } = cniOf(engine);
  for (const network of await listNetworks(configDir, defaults)) {
    if (network.name !== defaultNetworkName(defaults)) await removeNetwork(configDir, network.name, defaults);
  }
  // Every layer still mounted (other tools' containers on the store) unmounted before the directories go.
  await engine.store.shutdown({ force: true });
  await rm(graphRoot, { recursive: true, force: true });
  await rm(runRoot, { recursive: true, force: true });
}

/** How long the conmons of the removed containers, and the exit commands they start, get to end. */
const PROCESSES_GONE_MS = 10_000;

/**
 * Waits until no process names one of `ids` on its command line: a removed
 * container's conmon, and the exit command it starts as the container ends
 * (`container cleanup`), which opens the store and would make its
 * directories again while they are being deleted.
 */
async function processesGone(ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  for (const deadline = Date.now() + PROCESSES_GONE_MS; Date.now() < deadline && namedByAProcess(ids);) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function namedByAProcess(ids: readonly string[]): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(`/proc/${entry}/cmdline`, 'latin1');
    } catch {
      continue; // Gone meanwhile.
    }
    if (ids.some((id) => commandLine.includes(id))) return true;
  }
  return false;
}
