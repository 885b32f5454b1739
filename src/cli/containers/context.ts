// What every container verb needs, from podman's global options: the store
// (--root, --runroot, --storage-driver, --storage-opt over storage.conf) and
// the runtime handlers (berth.conf: $BERTH_CONF, else /etc/berth/berth.conf).

import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ContainerEngine } from '../../engine/index.js';
import { defaultRuntimeConfig, parseRuntimeConfig, type ExitCommand, type RuntimeConfig } from '../../oci/index.js';
import type { Store } from '../../storage/index.js';
import { openCliStore, type GlobalImageOptions } from '../image/store.js';

export interface GlobalOptions extends GlobalImageOptions {
  cniConfigDir?: string;
  runtime?: string;
}

const SYSTEM_BERTH_CONF = '/etc/berth/berth.conf';

export async function openEngine(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<ContainerEngine> {
  const store = await openCliStore(globals, env);
  // podman's defaults: cni_config_dir and cni_plugin_dirs of containers.conf.
  const cni = { configDir: globals.cniConfigDir ?? '/etc/cni/net.d', pluginDirs: ['/usr/local/libexec/cni', '/usr/libexec/cni', '/usr/local/lib/cni', '/usr/lib/cni', '/opt/cni/bin'] };
  return new ContainerEngine({ store, runtimeConfig: runtimeConfig(globals, env), cni, exitCommand: exitCommandOf(store, globals, env) });
}

/** The executable users run (this file is dist/src/cli/containers/context.js, or inlined in dist/cli/berth.cjs with its URL kept). */
const BERTH_SCRIPT = fileURLToPath(new URL('../../../../bin/berth.cjs', import.meta.url));

/** What chooses the configuration files, kept for the exit command: conmon runs it with only PATH set. */
const CONFIG_ENV = ['BERTH_CONF', 'CONTAINERS_STORAGE_CONF', 'HOME', 'XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_RUNTIME_DIR', '_CONTAINERS_ROOTLESS_UID'];

/**
 * podman's exit command: this berth (the node binary running it and the
 * script, both absolute: conmon execv()s them without a PATH search or a
 * shell) with the store this process resolved spelled out as global options
 * (--storage-opt for each driver option, so none from storage.conf is
 * added), the runtime and CNI choices the user made, then `container
 * cleanup --stopped-only [--rm] ID`.
 */
function exitCommandOf(store: Store, globals: GlobalOptions, env: NodeJS.ProcessEnv): (id: string, remove: boolean) => ExitCommand {
  const args = [BERTH_SCRIPT, '--root', store.graphRoot, '--runroot', store.runRoot, '--storage-driver', store.graphDriverName];
  for (const option of store.graphOptions) args.push(`--storage-opt=${option}`);
  if (globals.runtime) args.push(`--runtime=${globals.runtime}`);
  if (globals.cniConfigDir) args.push(`--cni-config-dir=${globals.cniConfigDir}`);
  const kept: Record<string, string> = {};
  for (const name of CONFIG_ENV) if (env[name]) kept[name] = env[name]!;
  return (id, remove) => ({
    path: process.execPath,
    args: [...args, 'container', 'cleanup', '--stopped-only', ...(remove ? ['--rm'] : []), id],
    env: kept,
  });
}

function runtimeConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv): RuntimeConfig {
  const path = env['BERTH_CONF'] || (existsSync(SYSTEM_BERTH_CONF) ? SYSTEM_BERTH_CONF : undefined);
  const config = path ? parseRuntimeConfig(readFileSync(path, 'utf8'), path) : defaultRuntimeConfig();
  if (globals.runtime) config.defaultRuntime = globals.runtime;
  return config;
}
