// CNI network configuration lists (*.conflist) in a config dir, and podman's
// default network, written as podman's 87-podman-bridge.conflist when no
// network of that name exists yet.

import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../util/index.js';
import { NetworkError } from './errors.js';

/** One plugin entry of a conflist: `type` names the executable; the rest is the plugin's own. */
export interface PluginConfig {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

export interface NetworkConfigList {
  cniVersion: string;
  name: string;
  plugins: PluginConfig[];
  /** Free-form data for the tools that manage it (podman keeps its labels in `podman_labels`). */
  args?: Record<string, unknown>;
  /** The file it was read from. */
  file: string;
}

const DEFAULT_NETWORK = 'podman';
export const DEFAULT_BRIDGE = 'cni-podman0';
export const DEFAULT_SUBNET = '10.88.0.0/16';

/** The default network's name: containers.conf's default_network, else podman's. */
export function defaultNetworkName(defaults: { name?: string } = {}): string {
  return defaults.name ?? DEFAULT_NETWORK;
}

export interface BridgeNetworkOptions {
  name?: string;
  bridge?: string;
  subnet?: string;
  gateway?: string;
  /** host-local's lease dir; the plugin's default is /var/lib/cni/networks. */
  ipamDataDir?: string;
}

/** The conflist podman writes for its default network (CNI backend), with podman's plugin chain. */
export function bridgeConflist(options: BridgeNetworkOptions = {}): Omit<NetworkConfigList, 'file'> {
  const subnet = options.subnet ?? DEFAULT_SUBNET;
  return {
    cniVersion: '0.4.0',
    name: options.name ?? DEFAULT_NETWORK,
    plugins: [
      {
        type: 'bridge',
        bridge: options.bridge ?? DEFAULT_BRIDGE,
        isGateway: true,
        ipMasq: true,
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          routes: [{ dst: '0.0.0.0/0' }],
          ranges: [[{ subnet, gateway: options.gateway ?? firstHost(subnet) }]],
          ...(options.ipamDataDir === undefined ? {} : { dataDir: options.ipamDataDir }),
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall' },
      { type: 'tuning' },
    ],
  };
}

/** Every conflist in `dir`, by network name; the first file in name order wins, as libcni sorts them. */
export async function loadNetworks(dir: string): Promise<Map<string, NetworkConfigList>> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.conflist')).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw err;
  }
  const networks = new Map<string, NetworkConfigList>();
  for (const name of names) {
    const list = parseConflist(join(dir, name), await readFile(join(dir, name), 'utf8'));
    if (!networks.has(list.name)) networks.set(list.name, list);
  }
  return networks;
}

/**
 * The named network, making the default one (`defaults.name`, else podman's) first when it
 * is asked for and absent, in podman 3's file for it (87-podman-bridge.conflist, the name
 * in place of `podman` for another default network).
 */
export async function findNetwork(dir: string, name: string, defaults: BridgeNetworkOptions = {}): Promise<NetworkConfigList> {
  const found = (await loadNetworks(dir)).get(name);
  if (found) return found;
  const defaultName = defaultNetworkName(defaults);
  if (name !== defaultName) throw new NetworkError('network-unknown', `network "${name}" is not in ${dir}`, { network: name, dir });
  return writeConflist(dir, `87-${defaultName}-bridge.conflist`, bridgeConflist(defaults));
}

/** Writes a conflist atomically, so that a concurrent reader sees all of it or none. */
export async function writeConflist(dir: string, fileName: string, list: Omit<NetworkConfigList, 'file'>): Promise<NetworkConfigList> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, fileName);
  await writeFileAtomic(file, JSON.stringify(list, null, 2) + '\n', { mode: 0o644 });
  return { ...list, file };
}

function parseConflist(file: string, text: string): NetworkConfigList {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new NetworkError('config-invalid', `conflist ${file} is not JSON`, { file }, { cause });
  }
  const list = value as Partial<NetworkConfigList>;
  if (typeof list?.name !== 'string' || !Array.isArray(list.plugins) || list.plugins.length === 0
    || list.plugins.some((p) => typeof p?.type !== 'string')) {
    throw new NetworkError('config-invalid', `conflist ${file} lacks a name or a plugins list with types`, { file });
  }
  const args = typeof list.args === 'object' && list.args !== null ? { args: list.args } : {};
  return { cniVersion: typeof list.cniVersion === 'string' ? list.cniVersion : '0.4.0', name: list.name, plugins: list.plugins, ...args, file };
}

function firstHost(subnet: string): string {
  const [address] = subnet.split('/');
  const octets = address!.split('.').map(Number);
  octets[3] = octets[3]! + 1;
  return octets.join('.');
}
