// Berth on a test store, the two ways users reach it: the library
// (openStore) and the `berth storage` CLI with the Go CLI's global flags.

import { fileURLToPath } from 'node:url';
import { openStore, type CheckReport, type Store } from '../../src/storage/index.js';
import type { StoreRoots } from './go-cli.js';
import { runTool, runToolOk, type ToolOptions, type ToolResult } from './run-tool.js';

/** The repository root (this file runs from dist/test/helpers/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BERTH_BIN = `${REPO_ROOT}bin/berth.cjs`;

export function openTestStore(roots: StoreRoots): Promise<Store> {
  return openStore({ graphRoot: roots.graphRoot, runRoot: roots.runRoot, driverName: roots.driver ?? 'overlay', driverOptions: [] });
}

/** `fn` on the store at `roots`, opened for it and closed after (a CLI test's look at what a command left). */
export async function withTestStore<T>(roots: StoreRoots, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openTestStore(roots);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export function berthStorageArgs(roots: StoreRoots, args: string[]): string[] {
  return [BERTH_BIN, 'storage', '--graph', roots.graphRoot, '--run', roots.runRoot, '--storage-driver', roots.driver ?? 'overlay', ...args];
}

/** Runs `berth storage <args>` on `roots`; rejects unless it exits 0. */
export function berthStorage(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<ToolResult> {
  return runToolOk(process.execPath, berthStorageArgs(roots, args), options);
}

export function berthStorageTry(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<ToolResult> {
  return runTool(process.execPath, berthStorageArgs(roots, args), options);
}

/** Every problem a check report lists, as `kind id: message` lines (empty when the store is clean). */
export function checkProblems(report: CheckReport): string[] {
  const lines: string[] = [];
  for (const [kind, byId] of Object.entries(report) as Array<[string, Record<string, Error[]>]>) {
    for (const [id, errors] of Object.entries(byId)) {
      for (const err of errors) lines.push(`${kind} ${id}: ${err.message}`);
    }
  }
  return lines;
}

/** `berth <args>` (the top-level verbs) with podman's global store options for `roots`. */
export function berthOn(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<ToolResult> {
  return runTool(process.execPath, [BERTH_BIN, '--root', roots.graphRoot, '--runroot', roots.runRoot, '--storage-driver', roots.driver ?? 'overlay', ...args], options);
}

/** berthOn, rejecting unless it exits 0; resolves to its stdout. */
export async function berthOnOk(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<string> {
  const result = await berthOn(roots, args, options);
  if (result.code !== 0) throw new Error(`berth ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout.toString();
}
