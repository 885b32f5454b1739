// The store an image or container verb works on: podman's global options (--root,
// --runroot, --storage-driver, --storage-opt) over storage.conf and the
// environment, read here at the edge and passed down as StoreOptions.

import { resolve } from 'node:path';
import { chooseDriver, loadStoreOptions, openStore, type Store } from '../../storage/index.js';

export interface GlobalImageOptions {
  root?: string;
  runroot?: string;
  storageDriver?: string;
  storageOpt?: string[];
}

/** As podman: each flag replaces its storage.conf setting; --storage-opt replaces the configured driver options. */
export async function openCliStore(globals: GlobalImageOptions, env: NodeJS.ProcessEnv = process.env): Promise<Store> {
  const loaded = await loadStoreOptions({ env });
  for (const warning of loaded.warnings) process.stderr.write(`WARN[0000] ${warning}\n`);
  const base = loaded.options;
  const graphRoot = resolve(globals.root ?? base.graphRoot);
  const runRoot = resolve(globals.runroot ?? base.runRoot);
  const driverName = globals.storageDriver || (globals.root ? await chooseDriver(graphRoot, '') : base.driverName);
  const driverOptions = globals.storageOpt && globals.storageOpt.length > 0 ? globals.storageOpt : globals.storageDriver ? [] : base.driverOptions;
  return openStore({ ...base, graphRoot, runRoot, driverName: await chooseDriver(graphRoot, driverName), driverOptions });
}
