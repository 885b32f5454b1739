// podman's network verbs on a CNI config dir (its CNI backend): networks
// made as podman writes them (<name>.conflist, a free cni-podmanN bridge, a
// free subnet of containers.conf's default_subnet_pools, 10.89.N.0/24 first,
// labels in args.podman_labels), listed and inspected with podman's fields,
// and removed with their bridge.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { bridgeConflist, DEFAULT_BRIDGE, DEFAULT_SUBNET, defaultNetworkName, loadNetworks, writeConflist, type NetworkConfigList, type PluginConfig } from './conflist.js';
import { NetworkError } from './errors.js';

/** A network as podman's `network inspect` shows it. */
export interface NetworkInfo {
  name: string;
  id: string;
  driver: string;
  network_interface: string;
  created: string;
  subnets: Array<{ subnet: string; gateway?: string; lease_range?: { start_ip: string; end_ip: string } }>;
  ipv6_enabled: boolean;
  internal: boolean;
  dns_enabled: boolean;
  labels?: Record<string, string>;
  ipam_options: { driver: string };
}

export interface NetworkCreateOptions {
  /** podman's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; default the first free podmanN. */
  name?: string;
  /** Only `bridge`. */
  driver?: string;
  /** IPv4 CIDR; default the first free one of the subnet pools. */
  subnet?: string;
  gateway?: string;
  /** The bridge's name; default the first free cni-podmanN. */
  interfaceName?: string;
  labels?: Record<string, string>;
  /** No gateway and no masquerading: containers reach each other only. */
  internal?: boolean;
  /** podman's --ip-range: an IPv4 CIDR inside the subnet whose addresses alone are leased (host-local's rangeStart/rangeEnd). */
  ipRange?: string;
  /** podman's DNS for the network (where the dnsname plugin is installed, unless --disable-dns): its containers resolve each other's names. */
  dnsname?: boolean;
}

/** The domain of the names the dnsname plugin serves, podman's. */
export const DNSNAME_DOMAIN = 'dns.podman';

/** containers.conf's [network] choices for the networks podman makes itself; its defaults where unset. */
export interface NetworkDefaults {
  /** default_network: the default network's name (podman's `podman`), made on first use with default_subnet. */
  name?: string;
  /** default_subnet: the default network's, when it is made (podman's 10.88.0.0/16). */
  subnet?: string;
  /** default_subnet_pools: where `network create` takes a free subnet from, in order. */
  subnetPools?: SubnetPool[];
}

/** A range of subnets: every /size block of base. */
export interface SubnetPool {
  base: string;
  size: number;
}

/** podman's default_subnet_pools (containers/common's built-in list). */
const DEFAULT_SUBNET_POOLS: SubnetPool[] = [
  { base: '10.89.0.0/16', size: 24 }, { base: '10.90.0.0/15', size: 24 }, { base: '10.92.0.0/14', size: 24 },
  { base: '10.96.0.0/11', size: 24 }, { base: '10.128.0.0/9', size: 24 },
];

const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const INTERFACE_NAME = /^[a-zA-Z0-9_.-]{1,15}$/;

/** Whether `name` is one podman takes for a network. */
export function isNetworkName(name: string): boolean {
  return NETWORK_NAME.test(name);
}

/** Every network of the dir, podman's default one included when no file defines it, by name. */
export async function listNetworks(dir: string, defaults: NetworkDefaults = {}): Promise<NetworkInfo[]> {
  const networks = await loadNetworks(dir);
  const infos = await Promise.all([...networks.values()].map(networkInfo));
  if (!networks.has(defaultNetworkName(defaults))) infos.push(defaultNetworkInfo(defaults));
  return infos.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** A network by name, or by ID or unique ID prefix, as podman finds one. */
export async function inspectNetwork(dir: string, ref: string, defaults: NetworkDefaults = {}): Promise<NetworkInfo> {
  const all = await listNetworks(dir, defaults);
  const found = all.find((n) => n.name === ref) ?? uniquePrefix(all, ref);
  if (!found) throw new NetworkError('network-unknown', `unable to find network with name or ID ${ref}: network not found`, { network: ref });
  return found;
}

/** Writes `<name>.conflist` as podman's CNI backend does; a taken name or subnet is refused. */
export async function createNetwork(dir: string, options: NetworkCreateOptions, defaults: NetworkDefaults = {}): Promise<NetworkInfo> {
  if (options.driver !== undefined && options.driver !== 'bridge') {
    throw new NetworkError('config-invalid', `unsupported driver ${options.driver}: only bridge`, { driver: options.driver });
  }
  const existing = await loadNetworks(dir);
  const taken = [...existing.values()];
  const defaultName = defaultNetworkName(defaults);
  const name = options.name ?? firstFree((n) => `podman${n}`, (candidate) => !existing.has(candidate) && candidate !== defaultName, 1);
  if (!isNetworkName(name)) throw new NetworkError('config-invalid', `network name ${JSON.stringify(name)} must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`, { network: name });
  if (existing.has(name) || name === defaultName) throw new NetworkError('network-exists', `network name ${name} already used: network already exists`, { network: name });
  const bridges = new Set([DEFAULT_BRIDGE, ...taken.map(bridgeOf).filter((b): b is string => b !== undefined)]);
  const bridge = options.interfaceName ?? firstFree((n) => `cni-podman${n}`, (candidate) => !bridges.has(candidate), 1);
  if (!INTERFACE_NAME.test(bridge)) throw new NetworkError('config-invalid', `interface name ${JSON.stringify(bridge)} is not a valid Linux interface name`, { interfaceName: bridge });
  if (options.interfaceName !== undefined && bridges.has(bridge)) throw new NetworkError('network-exists', `bridge name ${bridge} already in use`, { interfaceName: bridge });
  const used = [defaults.subnet ?? DEFAULT_SUBNET, ...taken.flatMap(subnetsOf)].map(parseCidr);
  const subnet = options.subnet === undefined ? firstFreeSubnet(defaults.subnetPools ?? DEFAULT_SUBNET_POOLS, used) : checkedSubnet(options.subnet, used);
  if (options.gateway !== undefined && !overlaps(parseCidr(`${options.gateway}/32`), parseCidr(subnet))) {
    throw new NetworkError('config-invalid', `gateway ${options.gateway} is not in subnet ${subnet}`, { gateway: options.gateway, subnet });
  }
  if (options.ipRange !== undefined && options.subnet === undefined) {
    throw new NetworkError('config-invalid', 'cannot set gateway or range without subnet', { ipRange: options.ipRange });
  }
  const list = bridgeConflist({ name, bridge, subnet, gateway: options.gateway });
  const bridgePlugin = list.plugins[0]!;
  if (options.ipRange !== undefined) withLeaseRange(bridgePlugin, subnet, options.ipRange);
  bridgePlugin['capabilities'] = { ips: true };
  if (options.internal) {
    bridgePlugin['isGateway'] = false;
    delete bridgePlugin['ipMasq'];
  }
  const firewall = list.plugins.find((p) => p.type === 'firewall');
  if (firewall) firewall['backend'] = '';
  if (options.dnsname) list.plugins.push({ type: 'dnsname', domainName: DNSNAME_DOMAIN, capabilities: { aliases: true } });
  const labels = options.labels && Object.keys(options.labels).length ? { args: { podman_labels: options.labels } } : {};
  return networkInfo(await writeConflist(dir, `${name}.conflist`, { ...list, ...labels }));
}

/**
 * podman's --ip-range in host-local's range: the range's addresses from its second to its last
 * (rangeStart, rangeEnd), between the subnet and the gateway as podman orders the keys; a range whose
 * start is outside the subnet is refused as podman refuses it.
 */
function withLeaseRange(bridge: PluginConfig, subnet: string, ipRange: string): void {
  const range = parseCidr(ipRange);
  const start = formatAddress(range.base + 1);
  const end = formatAddress(range.base + 2 ** (32 - range.bits) - 1);
  if (!overlaps(parseCidr(subnet), parseCidr(`${start}/32`))) {
    throw new NetworkError('config-invalid', `lease range start ip ${start} not in subnet ${subnet}`, { ipRange, subnet });
  }
  const ipam = bridge['ipam'] as { ranges: IpamRange[][] };
  const [first] = ipam.ranges[0]!;
  ipam.ranges = [[{ subnet: first!.subnet, rangeStart: start, rangeEnd: end, ...(first!.gateway ? { gateway: first!.gateway } : {}) }]];
}

/** Removes the network's conflist and, if it exists, its bridge (as podman does); the default network cannot go. */
export async function removeNetwork(dir: string, name: string, defaults: NetworkDefaults = {}): Promise<void> {
  if (name === defaultNetworkName(defaults)) throw new NetworkError('config-invalid', `default network ${name} cannot be removed`, { network: name });
  const list = (await loadNetworks(dir)).get(name);
  if (!list) throw new NetworkError('network-unknown', `unable to find network with name or ID ${name}: network not found`, { network: name });
  await rm(list.file, { force: true });
  const bridge = bridgeOf(list);
  if (!bridge) return;
  try {
    execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' });
  } catch {
    // Never made (no container joined the network yet), or gone already.
  }
}

async function networkInfo(list: NetworkConfigList): Promise<NetworkInfo> {
  const bridge = list.plugins.find((p) => p.type === 'bridge');
  const ipam = bridge?.['ipam'] as { type?: string } | undefined;
  const labels = list.args?.['podman_labels'] as Record<string, string> | undefined;
  return {
    name: list.name,
    id: networkId(list.name),
    driver: bridge ? 'bridge' : list.plugins[0]!.type,
    network_interface: bridgeOf(list) ?? '',
    created: (await stat(list.file)).mtime.toISOString(),
    subnets: rangesOf(list).map(({ subnet, gateway, rangeStart, rangeEnd }) => ({
      subnet, ...(gateway ? { gateway } : {}), ...(rangeStart && rangeEnd ? { lease_range: { start_ip: rangeStart, end_ip: rangeEnd } } : {}),
    })),
    ipv6_enabled: subnetsOf(list).some((s) => s.includes(':')),
    internal: bridge !== undefined && bridge['isGateway'] !== true,
    dns_enabled: list.plugins.some((p) => p.type === 'dnsname'),
    ...(labels && Object.keys(labels).length ? { labels } : {}),
    ipam_options: { driver: ipam?.type ?? '' },
  };
}

/** podman's default network as it shows it without a conflist (made on its first use, on default_subnet). */
function defaultNetworkInfo(defaults: NetworkDefaults): NetworkInfo {
  const [{ subnet, gateway }] = rangesOf({ plugins: bridgeConflist({ subnet: defaults.subnet }).plugins } as NetworkConfigList);
  const name = defaultNetworkName(defaults);
  return {
    name, id: networkId(name), driver: 'bridge', network_interface: DEFAULT_BRIDGE, created: new Date().toISOString(),
    subnets: [{ subnet: subnet!, gateway }], ipv6_enabled: false, internal: false, dns_enabled: false, ipam_options: { driver: 'host-local' },
  };
}

/** podman's CNI network ID: the sha256 of the name. */
function networkId(name: string): string {
  return createHash('sha256').update(name).digest('hex');
}

function uniquePrefix(all: NetworkInfo[], ref: string): NetworkInfo | undefined {
  const matches = /^[0-9a-f]+$/.test(ref) ? all.filter((n) => n.id.startsWith(ref)) : [];
  return matches.length === 1 ? matches[0] : undefined;
}

function bridgeOf(list: NetworkConfigList): string | undefined {
  const bridge = list.plugins.find((p: PluginConfig) => p.type === 'bridge')?.['bridge'];
  return typeof bridge === 'string' ? bridge : undefined;
}

/** A range of host-local's `ranges`: its subnet, gateway and, with --ip-range, the addresses it leases. */
interface IpamRange {
  subnet?: string;
  gateway?: string;
  rangeStart?: string;
  rangeEnd?: string;
}

/** host-local's ranges (or its older single `subnet`) of the bridge plugin. */
function rangesOf(list: NetworkConfigList): Array<IpamRange & { subnet: string }> {
  const ipam = list.plugins.find((p) => p.type === 'bridge')?.['ipam'] as { ranges?: IpamRange[][]; subnet?: string; gateway?: string } | undefined;
  if (!ipam) return [];
  const ranges: IpamRange[] = ipam.ranges?.flat() ?? (ipam.subnet ? [{ subnet: ipam.subnet, gateway: ipam.gateway }] : []);
  return ranges.filter((r): r is IpamRange & { subnet: string } => typeof r.subnet === 'string');
}

/** Whether the IPv4 address `ip` is in one of the network's subnets (podman's check of a static --ip). */
export function hasAddressInSubnet(list: NetworkConfigList, ip: string): boolean {
  const address = cidrOf(`${ip}/32`);
  return address !== undefined && subnetsOf(list).some((subnet) => overlaps(parseCidr(subnet), address));
}

function subnetsOf(list: NetworkConfigList): string[] {
  return rangesOf(list).map((r) => r.subnet).filter((s) => !s.includes(':'));
}

function firstFree(candidate: (n: number) => string, free: (name: string) => boolean, from: number): string {
  for (let n = from; n <= 10_000; n++) if (free(candidate(n))) return candidate(n);
  throw new NetworkError('config-invalid', 'no free name, bridge or subnet is left for a new network', {});
}

/** The first /size block of the pools, in order, that overlaps no used subnet. */
function firstFreeSubnet(pools: SubnetPool[], used: Cidr[]): string {
  for (const pool of pools) {
    const range = parseCidr(pool.base);
    if (!Number.isInteger(pool.size) || pool.size < range.bits || pool.size > 30) {
      throw new NetworkError('config-invalid', `subnet pool ${pool.base} with size ${pool.size}: the size must be from ${range.bits} to 30`, { subnet: pool.base, size: pool.size });
    }
    const block = 2 ** (32 - pool.size);
    for (let base = range.base; base < range.base + 2 ** (32 - range.bits); base += block) {
      const candidate = { base, bits: pool.size };
      if (!used.some((u) => overlaps(u, candidate))) return formatCidr(candidate);
    }
  }
  throw new NetworkError('config-invalid', `no free subnet is left in the subnet pools (${pools.map((p) => `${p.base}/${p.size}`).join(', ')})`, {});
}

interface Cidr { base: number; bits: number }

function formatCidr({ base, bits }: Cidr): string {
  return `${formatAddress(base)}/${bits}`;
}

function formatAddress(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join('.');
}

/** Whether `text` is an IPv4 CIDR (`10.89.7.0/24`), the only subnets podman's CNI backend takes. */
export function isIpv4Cidr(text: string): boolean {
  return cidrOf(text) !== undefined;
}

function parseCidr(text: string): Cidr {
  const cidr = cidrOf(text);
  if (!cidr) throw new NetworkError('config-invalid', `invalid subnet ${JSON.stringify(text)}: want an IPv4 CIDR such as 10.89.7.0/24`, { subnet: text });
  return cidr;
}

function cidrOf(text: string): Cidr | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  const octets = match?.slice(1, 5).map(Number);
  const bits = Number(match?.[5]);
  if (!match || octets!.some((o) => o > 255) || bits > 32) return undefined;
  const address = octets!.reduce((value, octet) => value * 256 + octet, 0);
  const size = 2 ** (32 - bits);
  return { base: address - (address % size), bits };
}

function overlaps(a: Cidr, b: Cidr): boolean {
  const aEnd = a.base + 2 ** (32 - a.bits);
  const bEnd = b.base + 2 ** (32 - b.bits);
  return a.base < bEnd && b.base < aEnd;
}

function checkedSubnet(subnet: string, used: Cidr[]): string {
  const wanted = parseCidr(subnet);
  if (used.some((u) => overlaps(u, wanted))) throw new NetworkError('network-exists', `subnet ${subnet} is already used on the host or by another config`, { subnet });
  return subnet;
}
