// What every container verb needs, from podman's global options: the store
// (--root, --runroot, --storage-driver, --storage-opt over storage.conf) and
// the runtime handlers (berth.conf: $BERTH_CONF, else /etc/berth/berth.conf),
// the CNI dirs, and what containers.conf gives the containers it creates.

import { existsSync, readFileSync } from 'node:fs';
import { ContainerEngine, EngineError, berthExitCommand, containerDefaultsOf, networkSettingsOf, readContainersConf, type CniSettings, type ContainersConf, type ExitCleanup, type NetworkSettings } from '../../engine/index.js';
import { defaultRuntimeConfig, parseRuntimeConfig, type ExitCommand, type RuntimeConfig } from '../../oci/index.js';
import type { Store } from '../../storage/index.js';
import { openCliStore, type GlobalImageOptions } from '../image/store.js';

export interface GlobalOptions extends GlobalImageOptions {
  /** podman's --network-config-dir, and its older name --cni-config-dir. */
  networkConfigDir?: string;
  cniConfigDir?: string;
  runtime?: string;
}

/** podman's CNI defaults as root (containers.conf's commented-out values). */
const DEFAULT_CNI_CONFIG_DIR = '/etc/cni/net.d';
const DEFAULT_CNI_PLUGIN_DIRS = ['/usr/local/libexec/cni', '/usr/libexec/cni', '/usr/local/lib/cni', '/usr/lib/cni', '/opt/cni/bin'];

const SYSTEM_BERTH_CONF = '/etc/berth/berth.conf';

/** A verb's action run with the engine opened for it, as registerContainerVerbs makes them; resolves once the exit code is set. */
export type EngineAction = <A extends unknown[]>(fn: (engine: ContainerEngine, ...args: A) => Promise<number | void>) => (...args: A) => Promise<void>;

export async function openEngine(globals: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Promise<ContainerEngine> {
  const store = await openCliStore(globals, env);
  // Read once, when a create or a network first needs it (a run on a network needs both).
  let conf: ContainersConf | undefined;
  const containersConf = (): ContainersConf => (conf ??= readContainersConf(env));
  return new ContainerEngine({
    store, runtimeConfig: runtimeConfig(globals, env), cni: () => cniSettings(globals, networkSettingsOf(containersConf())),
    exitCommand: exitCommandOf(store, globals, env), containerDefaults: () => containerDefaultsOf(containersConf()),
  });
}

/**
 * As podman: the flag's config dir, else containers.conf's network_config_dir; its
 * cni_plugin_dirs, default_network, default_subnet and default_subnet_pools; else the defaults.
 */
function cniSettings(globals: GlobalOptions, conf: NetworkSettings): CniSettings {
  if (conf.networkBackend === 'netavark') {
    throw new EngineError('config-invalid', 'containers.conf sets network_backend = "netavark": Berth sets up CNI networks only (network_backend = "cni", or unset)', { key: 'network_backend' });
  }
  return {
    configDir: flaggedConfigDir(globals) ?? conf.configDir ?? DEFAULT_CNI_CONFIG_DIR,
    pluginDirs: conf.pluginDirs ?? DEFAULT_CNI_PLUGIN_DIRS,
    defaults: { name: conf.defaultNetwork, subnet: conf.defaultSubnet, subnetPools: conf.subnetPools },
  };
}

function flaggedConfigDir(globals: GlobalOptions): string | undefined {
  return globals.networkConfigDir ?? globals.cniConfigDir;
}

/** podman's exit command: this berth on the store this process resolved, with the runtime and CNI choices the user made. */
function exitCommandOf(store: Store, globals: GlobalOptions, env: NodeJS.ProcessEnv): (id: string, cleanup: ExitCleanup) => ExitCommand {
  const globalArgs: string[] = [];
  if (globals.runtime) globalArgs.push(`--runtime=${globals.runtime}`);
  const configDir = flaggedConfigDir(globals);
  if (configDir) globalArgs.push(`--network-config-dir=${configDir}`);
  return (id, cleanup) => berthExitCommand(store, id, cleanup, { env, globalArgs });
}

function runtimeConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv): RuntimeConfig {
  const path = env['BERTH_CONF'] || (existsSync(SYSTEM_BERTH_CONF) ? SYSTEM_BERTH_CONF : undefined);
  const config = path ? parseRuntimeConfig(readFileSync(path, 'utf8'), path) : defaultRuntimeConfig();
  if (globals.runtime) {
    config.defaultRuntime = globals.runtime;
    config.defaultRuntimeChosen = true;
  }
  return config;
}
