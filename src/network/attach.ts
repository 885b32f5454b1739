// A container's place on its networks: a namespace, each network's plugin
// chain ADDed into it in order, and the results persisted in a file beside
// the container's records so that DEL, even after Berth restarts, gets the
// same config and prevResult that ADD made (as libcni's cache does).

import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { removeFile, writeFileAtomicSync } from '../util/index.js';
import { findNetwork, type BridgeNetworkOptions, type NetworkConfigList } from './conflist.js';
import { hasAddressInSubnet } from './manage.js';
import { invokePlugin, type CniCommand, type CniResult, type PortMapping } from './plugin.js';
import { createNetns, removeNetns } from './netns.js';
import { NetworkError, isNetworkError } from './errors.js';

export interface NetworkSetupOptions {
  containerId: string;
  /** Its name, which a network's dnsname plugin serves (podman's K8S_POD_NAME). */
  containerName?: string;
  /** podman's --network-alias: more names it has on each network with DNS. */
  aliases?: string[];
  /** Network names; the first is eth0, the next eth1, as podman names them. */
  networks: string[];
  portMappings?: PortMapping[];
  /** podman's --ip and --mac-address: the first network's address and its interface's MAC, asked of its plugins. */
  staticAddresses?: StaticAddresses;
  /** Where the conflists are (podman's /etc/cni/net.d). */
  configDir: string;
  pluginDirs: string[];
  /** The file the attachment is kept in; it exists exactly while something needs tearing down. */
  stateFile: string;
  /** Shape of the default network when it must be made. */
  defaults?: BridgeNetworkOptions;
}

/** A container's static IPv4 address and MAC on its network (podman's --ip, --mac-address). */
export interface StaticAddresses {
  ip?: string;
  mac?: string;
}

export interface NetworkAttachment {
  containerId: string;
  containerName?: string;
  aliases?: string[];
  netns: string;
  portMappings: PortMapping[];
  pluginDirs: string[];
  /** `cniArgs`: the CNI_ARGS a network's plugins got beside Berth's own (IP=, MAC=), given again to its DEL. */
  networks: Array<{ name: string; ifName: string; config: NetworkConfigList; result: CniResult; cniArgs?: Record<string, string> }>;
}

/** Makes the namespace and ADDs every network; on any failure undoes all of it and rethrows. */
export async function setupNetwork(options: NetworkSetupOptions): Promise<NetworkAttachment> {
  const configs: NetworkConfigList[] = [];
  for (const name of options.networks) configs.push(await findNetwork(options.configDir, name, options.defaults));
  const { ip, mac } = options.staticAddresses ?? {};
  if (ip !== undefined && configs[0] && !hasAddressInSubnet(configs[0], ip)) {
    throw new NetworkError('config-invalid', `requested static ip ${ip} not in any subnet on network ${configs[0].name}`, { ip, network: configs[0].name });
  }
  const staticArgs = { ...(ip !== undefined ? { IP: ip } : {}), ...(mac !== undefined ? { MAC: mac } : {}) };
  const attachment: NetworkAttachment = {
    containerId: options.containerId,
    ...(options.containerName ? { containerName: options.containerName } : {}),
    ...(options.aliases?.length ? { aliases: options.aliases } : {}),
    netns: await createNetns(options.containerId),
    portMappings: options.portMappings ?? [],
    pluginDirs: options.pluginDirs,
    networks: [],
  };
  try {
    // Persisted before the first ADD: a crash mid-chain still leaves what DEL needs.
    await saveAttachment(options.stateFile, attachment);
    for (const [i, config] of configs.entries()) {
      const entry = {
        name: config.name, ifName: `eth${i}`, config, result: { cniVersion: config.cniVersion } as CniResult,
        ...(i === 0 && Object.keys(staticArgs).length ? { cniArgs: staticArgs } : {}),
      };
      attachment.networks.push(entry);
      entry.result = await runChain('ADD', attachment, entry);
      await saveAttachment(options.stateFile, attachment);
    }
  } catch (err) {
    await teardownAttachment(attachment, options.stateFile).catch(() => undefined);
    throw err;
  }
  return attachment;
}

/** DELs every network in reverse, removes the namespace and the state file; nothing to do if there is no file. */
export async function teardownNetwork(stateFile: string): Promise<void> {
  const attachment = await readAttachment(stateFile);
  if (attachment) await teardownAttachment(attachment, stateFile);
}

/**
 * podman network connect of a running container: network `name` ADDed into
 * the namespace its attachment holds, on the first free ethN, and kept in
 * the attachment. Resolves to the attachment as it is now.
 */
export async function connectNetwork(stateFile: string, name: string, options: { configDir: string; defaults?: BridgeNetworkOptions }): Promise<NetworkAttachment> {
  const attachment = await attachmentOf(stateFile);
  const config = await findNetwork(options.configDir, name, options.defaults);
  const taken = new Set(attachment.networks.map((entry) => entry.ifName));
  let index = 0;
  while (taken.has(`eth${index}`)) index++;
  const entry = { name: config.name, ifName: `eth${index}`, config, result: { cniVersion: config.cniVersion } as CniResult };
  entry.result = await runChain('ADD', attachment, entry);
  attachment.networks.push(entry);
  try {
    await saveAttachment(stateFile, attachment);
  } catch (err) {
    // Not kept: nothing would DEL it later.
    await runChain('DEL', attachment, entry).catch(() => undefined);
    throw err;
  }
  return attachment;
}

/** podman network disconnect of a running container: network `name` DELeted from its namespace and its attachment. */
export async function disconnectNetwork(stateFile: string, name: string): Promise<NetworkAttachment> {
  const attachment = await attachmentOf(stateFile);
  const entry = attachment.networks.find((candidate) => candidate.name === name);
  if (!entry) throw new NetworkError('not-connected', `container ${attachment.containerId} is not connected to network ${name}`, { network: name });
  await runChain('DEL', attachment, entry);
  attachment.networks = attachment.networks.filter((candidate) => candidate !== entry);
  await saveAttachment(stateFile, attachment);
  return attachment;
}

async function attachmentOf(stateFile: string): Promise<NetworkAttachment> {
  const attachment = await readAttachment(stateFile);
  if (!attachment) throw new NetworkError('not-connected', `no network namespace of Berth's is set up for this container (${stateFile})`, { stateFile });
  return attachment;
}

/** The persisted attachment, or undefined when the container has none. */
export async function readAttachment(stateFile: string): Promise<NetworkAttachment | undefined> {
  try {
    return JSON.parse(readFileSync(stateFile, 'utf8')) as NetworkAttachment;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function teardownAttachment(attachment: NetworkAttachment, stateFile: string): Promise<void> {
  let firstError: unknown;
  for (const entry of [...attachment.networks].reverse()) {
    await runChain('DEL', attachment, entry).catch((err) => { firstError ??= err; });
  }
  await removeNetns(attachment.netns).catch((err) => { firstError ??= err; });
  if (firstError !== undefined) throw firstError;
  removeFile(stateFile);
}

/**
 * ADD runs the plugins in order, each given the previous one's result; DEL
 * runs them in reverse, each given the whole ADD's result (CNI 0.4.0+).
 * A DEL keeps going past a failing plugin so the others still release what
 * they hold (leases, iptables chains); the first error is thrown at the end.
 */
async function runChain(command: CniCommand, attachment: NetworkAttachment, entry: NetworkAttachment['networks'][number]): Promise<CniResult> {
  const plugins = command === 'DEL' ? [...entry.config.plugins].reverse() : entry.config.plugins;
  let result: CniResult | undefined = command === 'DEL' && entry.result.ips ? entry.result : undefined;
  let firstError: unknown;
  for (const plugin of plugins) {
    const invocation = {
      command, containerId: attachment.containerId, netns: attachment.netns, ifName: entry.ifName,
      pluginDirs: attachment.pluginDirs, networkName: entry.name, cniVersion: entry.config.cniVersion,
      plugin, prevResult: result, cniArgs: entry.cniArgs, containerName: attachment.containerName,
      capabilityArgs: { portMappings: attachment.portMappings, aliases: { [entry.name]: attachment.aliases ?? [] } },
    };
    if (command !== 'DEL') {
      result = await invokePlugin(invocation) ?? result;
      continue;
    }
    // A plugin that is not installed cannot hold anything to release.
    await invokePlugin(invocation).catch((err) => { if (!isNetworkError(err, 'plugin-missing')) firstError ??= err; });
  }
  if (firstError !== undefined) throw firstError;
  return result ?? entry.result;
}

async function saveAttachment(stateFile: string, attachment: NetworkAttachment): Promise<void> {
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileAtomicSync(stateFile, JSON.stringify(attachment));
}
