// The Debian Go `containers-storage` CLI (v1.43) pointed at a test store: the
// living reference Berth is compared against. Global flags go before the verb
// and options before positional arguments (Go's mflag stops at the first one).

import { runTool, runToolOk, type ToolOptions, type ToolResult } from './run-tool.js';

export interface StoreRoots {
  graphRoot: string;
  runRoot: string;
  /** Default overlay. */
  driver?: 'overlay' | 'vfs';
}

export const GO_STORAGE_CLI = 'containers-storage';

/** The Go CLI's global flags for `roots`; giving them makes it ignore storage.conf. */
export function goStorageGlobalArgs(roots: StoreRoots): string[] {
  return ['--graph', roots.graphRoot, '--run', roots.runRoot, '--storage-driver', roots.driver ?? 'overlay'];
}

/** Runs a verb; rejects unless it exits 0. */
export function goStorage(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<ToolResult> {
  return runToolOk(GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), ...args], options);
}

/** Runs a verb and resolves whatever its exit code. */
export function goStorageTry(roots: StoreRoots, args: string[], options?: ToolOptions): Promise<ToolResult> {
  return runTool(GO_STORAGE_CLI, [...goStorageGlobalArgs(roots), ...args], options);
}

/** Runs a verb with `--json` (inserted right after the verb) and parses its output. */
export async function goStorageJson<T>(roots: StoreRoots, verb: string, args: string[] = []): Promise<T> {
  const { stdout } = await goStorage(roots, [verb, '--json', ...args]);
  return JSON.parse(stdout.toString()) as T;
}

/** The records as the Go CLI prints them with --json (the on-disk JSON keys). */
export interface GoLayer {
  id: string;
  names?: string[];
  parent?: string;
  metadata?: string;
  created: string;
  'compressed-diff-digest'?: string;
  'compressed-size'?: number;
  'diff-digest'?: string;
  'diff-size'?: number;
  compression?: number;
  uidset?: number[];
  gidset?: number[];
  flags?: Record<string, unknown>;
  'big-data-names'?: string[];
}

export interface GoImage {
  id: string;
  digest?: string;
  names?: string[];
  layer?: string;
  metadata?: string;
  'big-data-names'?: string[];
  'big-data-sizes'?: Record<string, number>;
  'big-data-digests'?: Record<string, string>;
  created: string;
}

export interface GoContainer {
  id: string;
  names?: string[];
  image: string;
  layer: string;
  metadata?: string;
  'big-data-names'?: string[];
  'big-data-sizes'?: Record<string, number>;
  'big-data-digests'?: Record<string, string>;
  created: string;
  flags?: Record<string, unknown>;
}
