// The StoreOptions the global flags and storage.conf produce for one command.

import { resolve } from 'node:path';
import { chooseDriver, idmappedMountsDisabled, loadStoreOptions, StorageError, type StoreOptions } from '../../storage/index.js';
import { flagList, flagString, type ParsedFlags } from './flags.js';

const STORE_FLAGS = ['graph', 'run', 'image-store', 'storage-driver', 'storage-opt'];

export interface ResolvedStoreOptions {
  options: StoreOptions;
  /** storage.conf warnings, for the caller to print. */
  warnings: string[];
}

/**
 * As the Go CLI does: any store flag *before* the verb means storage.conf and the
 * STORAGE_* variables are not used for the options (only to fill a root left out);
 * store flags *after* the verb override single fields of whatever was chosen.
 */
export async function resolveStoreOptions(beforeVerb: ParsedFlags, afterVerb: ParsedFlags, env: NodeJS.ProcessEnv): Promise<ResolvedStoreOptions> {
  const warnings: string[] = [];
  const fromFlags = STORE_FLAGS.some((name) => beforeVerb.values.has(name));
  let graphRoot: string;
  let runRoot: string;
  let driver: string;
  let driverOptions: string[] | undefined;
  let imageStore: string | undefined;
  let rest: Partial<StoreOptions> = {};
  if (fromFlags) {
    imageStore = flagString(beforeVerb, 'image-store') || undefined;
    graphRoot = flagString(beforeVerb, 'graph');
    runRoot = flagString(beforeVerb, 'run');
    driver = flagString(beforeVerb, 'storage-driver');
    driverOptions = flagList(beforeVerb, 'storage-opt');
  } else {
    const loaded = await loadStoreOptions({ env });
    warnings.push(...loaded.warnings);
    ({ graphRoot, runRoot, driverName: driver, driverOptions, imageStore, ...rest } = loaded.options);
  }
  imageStore = flagString(afterVerb, 'image-store') || imageStore;
  graphRoot = flagString(afterVerb, 'graph') || graphRoot;
  runRoot = flagString(afterVerb, 'run') || runRoot;
  driver = flagString(afterVerb, 'storage-driver') || driver;
  driverOptions = [...(driverOptions ?? []), ...flagList(afterVerb, 'storage-opt')];

  if (!graphRoot && !runRoot) {
    throw new StorageError('incomplete-options', 'no storage runroot or graphroot specified');
  }
  // GetStore fills the root that was left out from the configured defaults.
  if (!graphRoot || !runRoot) {
    const defaults = (await loadStoreOptions({ env })).options;
    graphRoot ||= defaults.graphRoot;
    runRoot ||= defaults.runRoot;
  }
  graphRoot = resolve(graphRoot);
  runRoot = resolve(runRoot);
  const driverName = await chooseDriver(graphRoot, driver);
  const options: StoreOptions = { ...rest, graphRoot, runRoot, driverName, driverOptions };
  if (imageStore) options.imageStore = resolve(imageStore);
  // Store flags leave storage.conf unread, not the environment the Go driver reads.
  if (idmappedMountsDisabled(env)) options.disableIdmappedMounts = true;
  return { options, warnings };
}
