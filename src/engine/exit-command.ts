// podman's exit command, for Berth: what conmon runs once a container has
// exited (`container cleanup`), spelled as this package's own `berth`, as
// podman gives conmon its own binary's path.

import { join } from 'node:path';
import type { ExitCommand } from '../oci/index.js';
import type { Store } from '../storage/index.js';

/** The executable users run (this file is dist/src/engine/exit-command.js, or inlined in dist/cli/berth.cjs with its directory kept). */
const BERTH_SCRIPT = join(import.meta.dirname, '..', '..', '..', 'bin', 'berth.cjs');

/** What chooses the configuration files, kept for the exit command: conmon runs it with only PATH set. */
const CONFIG_ENV = ['BERTH_CONF', 'CONTAINERS_STORAGE_CONF', 'HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR', '_CONTAINERS_ROOTLESS_UID'];

export interface BerthExitCommandOptions {
  /** The environment whose configuration variables (BERTH_CONF, CONTAINERS_STORAGE_CONF, HOME, XDG_*) the command keeps. */
  env: NodeJS.ProcessEnv;
  /** A berth.conf that replaces the one `env` names (a library engine's own runtime handlers). */
  berthConf?: string;
  /** Global options after the store's: the runtime and CNI choices a CLI user made. */
  globalArgs?: string[];
}

/** What the exit command does beyond the cleanup: podman's --rm (remove the container) and --rmi (then its image). */
export interface ExitCleanup {
  remove: boolean;
  removeImage?: boolean;
}

/**
 * `<node> <package>/bin/berth.cjs --root … --runroot … --storage-driver …
 * [--storage-opt=…] <globalArgs> container cleanup --stopped-only [--rm [--rmi]] ID`:
 * both paths absolute (conmon execv()s them without a PATH search or a
 * shell), the store spelled out as `store` was opened (--storage-opt for each
 * driver option, so none from storage.conf is added), and the configuration
 * variables of `env` in conmon's environment.
 */
export function berthExitCommand(store: Store, id: string, cleanup: ExitCleanup, options: BerthExitCommandOptions): ExitCommand {
  const args = [BERTH_SCRIPT, '--root', store.graphRoot, '--runroot', store.runRoot, '--storage-driver', store.graphDriverName];
  for (const option of store.graphOptions) args.push(`--storage-opt=${option}`);
  const env: Record<string, string> = {};
  for (const name of CONFIG_ENV) if (options.env[name]) env[name] = options.env[name]!;
  if (options.berthConf) env['BERTH_CONF'] = options.berthConf;
  return {
    path: process.execPath,
    args: [...args, ...(options.globalArgs ?? []), 'container', 'cleanup', '--stopped-only', ...(cleanup.remove ? ['--rm'] : []), ...(cleanup.remove && cleanup.removeImage ? ['--rmi'] : []), id],
    env,
  };
}

/**
 * The exit command of a detached exec session's conmon: the container's own
 * (the same berth, store, options and environment) with `container cleanup
 * --exec SESSION ID` as its verb; undefined when the container's is not a
 * `container cleanup` (a library engine's own command).
 */
export function execExitCommand(containerCommand: ExitCommand, sessionId: string, id: string): ExitCommand | undefined {
  const at = containerCommand.args.lastIndexOf('cleanup');
  if (at < 1 || containerCommand.args[at - 1] !== 'container') return undefined;
  return { ...containerCommand, args: [...containerCommand.args.slice(0, at + 1), '--exec', sessionId, id] };
}
