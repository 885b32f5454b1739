// What every container verb needs, from podman's global options: the store
// (--root, --runroot, --storage-driver, --storage-opt over storage.conf) and
// the runtime handlers (berth.conf: $BERTH_CONF, else /etc/berth/berth.conf).

import { existsSync, readFileSync } from 'node:fs';
import { ContainerEngine } from '../../engine/index.js';
import { defaultRuntimeConfig, parseRuntimeConfig, type RuntimeConfig } from '../../oci/index.js';
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
  return new ContainerEngine({ store, runtimeConfig: runtimeConfig(globals, env), cni });
}

function runtimeConfig(globals: GlobalOptions, env: NodeJS.ProcessEnv): RuntimeConfig {
  const path = env['BERTH_CONF'] || (existsSync(SYSTEM_BERTH_CONF) ? SYSTEM_BERTH_CONF : undefined);
  const config = path ? parseRuntimeConfig(readFileSync(path, 'utf8'), path) : defaultRuntimeConfig();
  if (globals.runtime) config.defaultRuntime = globals.runtime;
  return config;
}
