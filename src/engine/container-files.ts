// The files podman bind-mounts into every container, written into its run
// directory: /etc/hosts (the host's entries, --add-host's, the container's
// own name, host.containers.internal), /etc/resolv.conf (the host's, without
// loopback nameservers a container's own network cannot reach, or --dns's),
// /etc/hostname and /run/.containerenv; with --tz, /etc/localtime.

import { readFileSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import type { OciMount } from '../oci/index.js';
import { writeFileAtomicSync } from '../util/index.js';
import { EngineError } from './errors.js';

export interface ContainerFilesOptions {
  /** The container's run directory (its bundle), where the files go. */
  dir: string;
  id: string;
  name: string;
  hostname: string;
  /** How it is networked: its own namespace with CNI networks, one with loopback only (private, none), or the host's. */
  network: 'cni' | 'private' | 'none' | 'host';
  /** Its addresses and their gateway on its CNI networks. */
  ips?: Array<{ address: string; gateway?: string }>;
  /** `--add-host NAME:IP`. */
  addHosts?: string[];
  /** `--dns`, `--dns-search`, `--dns-option`. */
  dnsServers?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  /** `--no-hosts`: the image's own /etc/hosts stays. */
  noHosts?: boolean;
  /** The gateways of its networks with DNS (dnsname's dnsmasq listens there), asked first, and their search domain, as podman's. */
  networkDns?: { servers: string[]; search: string[] };
  /** `--tz`: the zone (`Area/City`, or `local` for the host's) whose file becomes its /etc/localtime. */
  timezone?: string;
}

/** podman's fallback when the host has only loopback nameservers, which a container's own network cannot reach. */
const FALLBACK_NAMESERVERS = ['8.8.8.8', '8.8.4.4'];

/** Checks the --add-host and --dns values before anything is made: each a clear error. */
export function checkNetworkFileOptions(options: Pick<ContainerFilesOptions, 'addHosts' | 'dnsServers' | 'dnsSearch' | 'dnsOptions'>, network: ContainerFilesOptions['network']): void {
  // As podman refuses them with --network none: a namespace with loopback alone has no resolv.conf to put them in.
  if ((network === 'none' || network === 'private') && (options.dnsServers?.length || options.dnsSearch?.length || options.dnsOptions?.length)) {
    throw new EngineError('invalid-option', `conflicting options: dns and the network mode: ${network}`, { network });
  }
  for (const entry of options.addHosts ?? []) {
    const colon = entry.indexOf(':');
    if (colon <= 0 || isIP(entry.slice(colon + 1)) === 0) throw new EngineError('invalid-option', `invalid --add-host ${JSON.stringify(entry)}: want HOST:IP`, { addHost: entry });
  }
  for (const server of options.dnsServers ?? []) {
    if (isIP(server) === 0) throw new EngineError('invalid-option', `invalid --dns ${JSON.stringify(server)}: want an IP address`, { dns: server });
  }
}

/**
 * The host's file of zone `timezone`: `local` is the host's own /etc/localtime,
 * anything else a file under /usr/share/zoneinfo; a name that is not one (or
 * that would leave that directory) is refused.
 */
export function zoneFileOf(timezone: string): string {
  const file = timezone === 'local' ? '/etc/localtime' : join(ZONEINFO, timezone);
  if (timezone !== 'local' && (!/^[A-Za-z0-9_+-]+(\/[A-Za-z0-9_+-]+)*$/.test(timezone) || !statSync(file, { throwIfNoEntry: false })?.isFile())) {
    throw new EngineError('invalid-option', `--tz ${JSON.stringify(timezone)}: not a time zone of ${ZONEINFO} (Area/City, or local)`, { timezone });
  }
  return file;
}

const ZONEINFO = '/usr/share/zoneinfo';

/** Writes the files (without fsync: they are made again for each run) and returns their mounts, as podman's: bind, rprivate. */
export function writeContainerFiles(options: ContainerFilesOptions): OciMount[] {
  const files: Array<[string, string, string | Buffer]> = [];
  if (!options.noHosts) files.push(['hosts', '/etc/hosts', hostsText(options)]);
  const resolv = resolvText(options);
  if (resolv !== undefined) files.push(['resolv.conf', '/etc/resolv.conf', resolv]);
  files.push(['hostname', '/etc/hostname', options.hostname]);
  // As podman's for a container that is not privileged: present and empty, so that programs can tell they run in one.
  files.push(['.containerenv', '/run/.containerenv', '']);
  // A copy, as podman's: the host's zone file may change or go while the container runs.
  if (options.timezone !== undefined) files.push(['localtime', '/etc/localtime', readFileSync(zoneFileOf(options.timezone))]);
  return files.map(([name, destination, text]) => {
    const source = join(options.dir, name);
    writeFileAtomicSync(source, text, { mode: 0o644, noSync: true });
    return { destination, type: 'bind', source, options: ['bind', 'rprivate'] };
  });
}

/** podman's /etc/hosts: --add-host's entries, the host's, host.containers.internal, then the container's own name. */
function hostsText(options: ContainerFilesOptions): string {
  const lines = (options.addHosts ?? []).map((entry) => {
    const colon = entry.indexOf(':');
    return `${entry.slice(colon + 1)}\t${entry.slice(0, colon)}`;
  });
  lines.push(...hostEntries());
  // The host as the container reaches it: the CNI gateway, or with the host's network its first address.
  // In a namespace with loopback only the host cannot be reached, so podman's entry for it there is left out.
  const hostAddress = options.network === 'cni' ? options.ips?.find((ip) => ip.gateway)?.gateway
    : options.network === 'host' ? firstHostAddress() : undefined;
  if (hostAddress) lines.push(`${hostAddress}\thost.containers.internal`);
  const names = [...new Set([options.hostname, options.name])].join(' ');
  if (options.network === 'cni') {
    for (const ip of options.ips ?? []) lines.push(`${ip.address.split('/')[0]}\t${names}`);
  } else if (options.network !== 'host') {
    lines.push(`127.0.0.1\t${names}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}

/** The host's /etc/hosts entries as `IP\tnames`, comments and blank lines dropped. */
function hostEntries(): string[] {
  let text: string;
  try {
    text = readFileSync('/etc/hosts', 'utf8');
  } catch {
    return ['127.0.0.1\tlocalhost', '::1\tlocalhost'];
  }
  return text.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean).map((line) => {
    const [ip, ...names] = line.split(/\s+/);
    return `${ip}\t${names.join(' ')}`;
  });
}

/**
 * podman's /etc/resolv.conf: none in a namespace with loopback only; the
 * host's as it is for the host's network; for a CNI network the host's
 * without loopback nameservers (or podman's fallback when none is left),
 * and --dns, --dns-search and --dns-option in place of the host's.
 */
function resolvText(options: ContainerFilesOptions): string | undefined {
  if (options.network === 'private' || options.network === 'none') return undefined;
  let host = '';
  try {
    host = readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    // No resolver configured on the host: the options given, or the fallback.
  }
  const lines = host.split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#') && !line.startsWith(';'));
  const values = (key: string): string[] => lines.filter((line) => line.split(/\s+/)[0] === key).flatMap((line) => line.split(/\s+/).slice(1));
  let servers = options.dnsServers?.length ? options.dnsServers : values('nameserver');
  if (options.network === 'cni' && !options.dnsServers?.length) {
    servers = servers.filter((server) => !/^127\./.test(server) && server !== '::1');
    if (servers.length === 0) servers = FALLBACK_NAMESERVERS;
    servers = [...(options.networkDns?.servers ?? []), ...servers];
  }
  const search = options.dnsSearch?.length ? options.dnsSearch : [...(options.networkDns?.search ?? []), ...values('search')];
  const resolverOptions = options.dnsOptions?.length ? options.dnsOptions : values('options');
  return [
    ...(search.length ? [`search ${search.join(' ')}`] : []),
    ...servers.map((server) => `nameserver ${server}`),
    ...(resolverOptions.length ? [`options ${resolverOptions.join(' ')}`] : []),
  ].map((line) => `${line}\n`).join('');
}

/** The host's first IPv4 address outside loopback (podman's host.containers.internal on the host's network). */
function firstHostAddress(): string | undefined {
  for (const addresses of Object.values(networkInterfaces())) {
    const found = addresses?.find((a) => a.family === 'IPv4' && !a.internal);
    if (found) return found.address;
  }
  return undefined;
}
