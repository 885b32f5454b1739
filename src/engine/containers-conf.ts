// containers.conf as podman reads it, for the settings that shape the
// containers Berth makes: $CONTAINERS_CONF alone when set, else
// /usr/share/containers/containers.conf, /etc/containers/containers.conf and
// /etc/containers/containers.conf.d/*.conf in that order, a later file's key
// replacing an earlier one's. Keys Berth has no use for are left alone, as
// the file is shared with podman, buildah and skopeo.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { isIpv4Cidr, isNetworkName } from '../network/index.js';
import { blankTomlCommentLines, fromHumanSize, isErrno } from '../util/index.js';
import { umaskOf, type LogDriver, type NamespaceMode } from '../oci/index.js';
import type { CreateOptions } from './engine.js';
import { zoneFileOf } from './container-files.js';
import { EngineError } from './errors.js';

export const CONTAINERS_CONF_FILES = ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf'];
export const CONTAINERS_CONF_DIR = '/etc/containers/containers.conf.d';

/** What containers.conf gives a container that its run options do not. */
export interface ContainerDefaults {
  /** [containers] default_capabilities: the set a container starts from (before --cap-add/--cap-drop). */
  capabilities?: string[];
  /** [containers] default_sysctls, `key=value`. */
  sysctls?: string[];
  /** [containers] default_ulimits, `type=soft:hard`. */
  ulimits?: string[];
  /** [containers] env: before the image's and the user's. */
  env?: string[];
  /** [containers] dns_servers, dns_searches, dns_options. */
  dnsServers?: string[];
  dnsSearches?: string[];
  dnsOptions?: string[];
  /** [containers] pids_limit (0 or less: none; podman's 2048 when no file sets it). */
  pidsLimit?: number;
  /** [containers] no_hosts: no /etc/hosts of Berth's. */
  noHosts?: boolean;
  /** [engine] stop_timeout, in seconds. */
  stopTimeout?: number;
  /** [engine] runtime: the runtime handler of a container that names none, unless berth.conf or `--runtime` chose one. */
  runtime?: string;
  /** [containers] env_host: containers get the caller's whole environment. */
  envHost?: boolean;
  /** [containers] init: an init runs each container's command as PID 1. */
  init?: boolean;
  /** [containers] init_path: the init binary on the host. */
  initPath?: string;
  /** [containers] http_proxy: whether containers get the host's proxy variables (podman's default: true). */
  httpProxy?: boolean;
  /** [containers] tz: the zone of a container's /etc/localtime (`local`: the host's); none: the image's. */
  timezone?: string;
  /** [containers] umask (octal in the file). */
  umask?: number;
  /** [containers] pidns, ipcns, utsns, cgroupns: `host` or the container's own (`private`; ipcns also `shareable`). */
  namespaces?: Partial<Record<'pid' | 'ipc' | 'uts' | 'cgroupns', NamespaceMode>>;
  /** [containers] read_only: a read-only root filesystem by default. */
  readOnly?: boolean;
  /** [containers] log_driver: k8s-file or none (journald and passthrough are refused: Berth has neither). */
  logDriver?: LogDriver;
  /** [containers] log_size_max: bytes the log may reach before conmon truncates it (-1: no limit). */
  logSizeMax?: number;
  /** [containers] shm_size (decimal units, as podman reads it): /dev/shm's size in bytes. */
  shmSizeBytes?: number;
  /**
   * [containers] netns: the network of a container made without one, as `--network` names it
   * (private, none, host, bridge or a CNI network's name). Berth's `private` has loopback only,
   * where podman's rootful `private` is its bridge.
   */
  netns?: string;
}

/** containers.conf's `[network]` keys for CNI networks, where the files set them. */
export interface NetworkSettings {
  /** network_backend: podman's `cni`, `netavark`, or empty (whichever is installed). Berth speaks CNI. */
  networkBackend?: '' | 'cni' | 'netavark';
  /** default_network: the network `--network bridge` (and a published port) joins, made on first use. */
  defaultNetwork?: string;
  /** network_config_dir: the CNI conflists (podman's default for CNI as root: /etc/cni/net.d). */
  configDir?: string;
  /** cni_plugin_dirs: where the plugins are looked for, in order. */
  pluginDirs?: string[];
  /** default_subnet: the default network's subnet, when it is made. */
  defaultSubnet?: string;
  /** default_subnet_pools: where `network create` takes a free subnet from. */
  subnetPools?: Array<{ base: string; size: number }>;
}

/** The files podman would read, in order (those that do not exist are skipped when read). */
export function containersConfFiles(env: NodeJS.ProcessEnv): string[] {
  if (env['CONTAINERS_CONF']) return [env['CONTAINERS_CONF']];
  let dropIns: string[] = [];
  try {
    dropIns = readdirSync(CONTAINERS_CONF_DIR).filter((name) => name.endsWith('.conf')).sort().map((name) => join(CONTAINERS_CONF_DIR, name));
  } catch (err) {
    if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
  }
  return [...CONTAINERS_CONF_FILES, ...dropIns];
}

/** containers.conf as read: each file's parsed document, in podman's order. */
export type ContainersConf = ReadonlyArray<{ file: string; doc: Record<string, unknown> }>;

/**
 * `files` (default: those podman reads), each read and parsed once, for the
 * container defaults and the network settings alike. A file that does not
 * exist is skipped, except $CONTAINERS_CONF, which podman requires; malformed
 * TOML is a typed error naming the file.
 */
export function readContainersConf(env: NodeJS.ProcessEnv = process.env, files = containersConfFiles(env)): ContainersConf {
  const read: Array<{ file: string; doc: Record<string, unknown> }> = [];
  for (const file of files) {
    const doc = readConf(file, file === env['CONTAINERS_CONF']);
    if (doc) read.push({ file, doc });
  }
  return read;
}

/** What `conf` gives the containers Berth makes; a value of the wrong type is a typed error naming its file. */
export function containerDefaultsOf(conf: ContainersConf): ContainerDefaults {
  return merged(conf, defaultsIn);
}

/** The `[network]` settings of `conf`, checked as containerDefaultsOf checks its keys. */
export function networkSettingsOf(conf: ContainersConf): NetworkSettings {
  return merged(conf, networkSettingsIn);
}

/** What `pick` finds in each file, a later file's keys over an earlier one's. */
function merged<T extends object>(conf: ContainersConf, pick: (doc: Record<string, unknown>, file: string) => T): T {
  const found = {} as T;
  for (const { file, doc } of conf) Object.assign(found, definedOnly(pick(doc, file)));
  return found;
}

function readConf(file: string, mustExist: boolean): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!mustExist && isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
    throw new EngineError('config-invalid', `reading ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  try {
    return parseToml(blankTomlCommentLines(text)) as Record<string, unknown>;
  } catch (err) {
    throw new EngineError('config-invalid', `parsing ${file}: ${(err as Error).message.split('\n')[0]}`, { file }, { cause: err });
  }
}

/** The keys Berth uses from one file; only those the file sets. */
function defaultsIn(doc: Record<string, unknown>, file: string): ContainerDefaults {
  const containers = section(doc, 'containers', file);
  const engine = section(doc, 'engine', file);
  const found: ContainerDefaults = {
    capabilities: strings(containers, 'default_capabilities', file),
    sysctls: strings(containers, 'default_sysctls', file),
    ulimits: strings(containers, 'default_ulimits', file),
    env: strings(containers, 'env', file),
    dnsServers: strings(containers, 'dns_servers', file),
    dnsSearches: strings(containers, 'dns_searches', file),
    dnsOptions: strings(containers, 'dns_options', file),
    pidsLimit: integer(containers, 'pids_limit', file),
    noHosts: boolean(containers, 'no_hosts', file),
    netns: netns(text(containers, 'netns', file), file),
    httpProxy: boolean(containers, 'http_proxy', file),
    envHost: boolean(containers, 'env_host', file),
    init: boolean(containers, 'init', file),
    initPath: text(containers, 'init_path', file) || undefined,
    timezone: zone(text(containers, 'tz', file), file),
    umask: umask(text(containers, 'umask', file), file),
    namespaces: namespaceModes(containers, file),
    readOnly: boolean(containers, 'read_only', file),
    logSizeMax: integer(containers, 'log_size_max', file),
    logDriver: logDriver(text(containers, 'log_driver', file), file),
    shmSizeBytes: humanSize(text(containers, 'shm_size', file), 'shm_size', file),
    stopTimeout: integer(engine, 'stop_timeout', file),
    runtime: text(engine, 'runtime', file),
  };
  return found;
}

function networkSettingsIn(doc: Record<string, unknown>, file: string): NetworkSettings {
  const network = section(doc, 'network', file);
  return {
    networkBackend: networkBackend(text(network, 'network_backend', file), file),
    defaultNetwork: networkName(text(network, 'default_network', file), 'default_network', file),
    configDir: text(network, 'network_config_dir', file),
    pluginDirs: strings(network, 'cni_plugin_dirs', file),
    defaultSubnet: ipv4Cidr(text(network, 'default_subnet', file), 'default_subnet', file),
    subnetPools: subnetPools(network, 'default_subnet_pools', file),
  };
}

/** An array of `{base = "CIDR", size = N}` tables. */
function subnetPools(table: Record<string, unknown>, key: string, file: string): NetworkSettings['subnetPools'] {
  const value = table[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw invalid(file, key, 'an array of {base, size} tables');
  return value.map((pool: unknown) => {
    if (typeof pool !== 'object' || pool === null || Array.isArray(pool)) throw invalid(file, key, 'an array of {base, size} tables');
    const entry = pool as Record<string, unknown>;
    const base = ipv4Cidr(text(entry, 'base', file), key, file);
    const size = integer(entry, 'size', file);
    if (base === undefined || size === undefined) throw invalid(file, key, 'an array of tables that each have a base and a size');
    return { base, size };
  });
}

/** `value` when it is an IPv4 CIDR (podman's CNI backend takes IPv4 subnets only). */
function ipv4Cidr(value: string | undefined, key: string, file: string): string | undefined {
  if (value !== undefined && !isIpv4Cidr(value)) throw invalid(file, key, 'an IPv4 CIDR such as 10.88.0.0/16');
  return value;
}

/** `value` when it is one of podman's network backends. */
function networkBackend(value: string | undefined, file: string): NetworkSettings['networkBackend'] {
  if (value !== undefined && value !== '' && value !== 'cni' && value !== 'netavark') throw invalid(file, 'network_backend', '"cni", "netavark" or ""');
  return value;
}

/**
 * `value` when it is what `--network` takes. podman's rootless modes (slirp4netns, pasta) and
 * its `ns:PATH` and `container:ID` are not Berth's: refused here, with the file's name, rather
 * than taken for a CNI network that no run would find.
 */
function netns(value: string | undefined, file: string): string | undefined {
  if (value === undefined || NETWORK_MODES.has(value)) return value;
  if (value === 'slirp4netns' || value === 'pasta' || !isNetworkName(value)) throw invalid(file, 'netns', '"private", "none", "host", "bridge" or a CNI network\'s name');
  return value;
}

/** A size as podman reads the file's (go-units' FromHumanSize: `65536k` is 65,536,000 bytes). */
function humanSize(value: string | undefined, key: string, file: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return fromHumanSize(value);
  } catch {
    throw invalid(file, key, 'a size such as "64m"');
  }
}

/** The file's log_driver, as --log-driver takes it (podman's empty value: the default). */
function logDriver(value: string | undefined, file: string): LogDriver | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return checkedLogDriver(value);
  } catch (err) {
    throw invalid(file, 'log_driver', `"k8s-file" or "none" (${(err as Error).message})`);
  }
}

/** podman's --log-driver values Berth runs: k8s-file and none; journald and passthrough are podman's too, but not Berth's. */
export function checkedLogDriver(value: string): LogDriver {
  if (value === 'k8s-file' || value === 'none') return value;
  if (value === 'journald' || value === 'passthrough') {
    throw new EngineError('invalid-option', `log driver ${value} is not supported by Berth: k8s-file (the default) or none`, { logDriver: value });
  }
  throw new EngineError('invalid-option', `running container create option: invalid log driver ${JSON.stringify(value)}: invalid argument`, { logDriver: value });
}

/** The file's tz, checked here so that a bad one names the file rather than --tz. */
function zone(value: string | undefined, file: string): string | undefined {
  if (!value) return undefined;
  try {
    zoneFileOf(value);
  } catch {
    throw invalid(file, 'tz', 'a zone of /usr/share/zoneinfo (Area/City), or local');
  }
  return value;
}

/** The file's umask, an octal string such as "0022". */
function umask(value: string | undefined, file: string): number | undefined {
  if (value === undefined) return undefined;
  const mask = umaskOf(value);
  if (mask === undefined) throw invalid(file, 'umask', 'an octal mask such as "0022"');
  return mask;
}

/** pidns, ipcns, utsns, cgroupns: the modes Berth takes (podman's container: and ns: are not). */
function namespaceModes(table: Record<string, unknown>, file: string): ContainerDefaults['namespaces'] {
  const modes: NonNullable<ContainerDefaults['namespaces']> = {};
  for (const [key, type] of [['pidns', 'pid'], ['ipcns', 'ipc'], ['utsns', 'uts'], ['cgroupns', 'cgroupns']] as const) {
    const value = text(table, key, file);
    if (value === undefined || value === '') continue;
    if (value === 'host') modes[type] = 'host';
    else if (value === 'private' || (type === 'ipc' && value === 'shareable')) modes[type] = 'private';
    else throw invalid(file, key, type === 'ipc' ? '"host", "private" or "shareable"' : '"host" or "private"');
  }
  return Object.keys(modes).length ? modes : undefined;
}

/** `value` when it is a name podman takes for a network. */
function networkName(value: string | undefined, key: string, file: string): string | undefined {
  if (value !== undefined && !isNetworkName(value)) throw invalid(file, key, 'a network name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)');
  return value;
}

/** Only the keys a file sets: an unset one must not hide an earlier file's. */
function definedOnly<T extends object>(found: T): Partial<T> {
  return Object.fromEntries(Object.entries(found).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function section(doc: Record<string, unknown>, name: string, file: string): Record<string, unknown> {
  const value = doc[name];
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid(file, name, 'a table');
  return value as Record<string, unknown>;
}

function strings(table: Record<string, unknown>, key: string, file: string): string[] | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw invalid(file, key, 'an array of strings');
  return value as string[];
}

function text(table: Record<string, unknown>, key: string, file: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalid(file, key, 'a string');
  return value;
}

function integer(table: Record<string, unknown>, key: string, file: string): number | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  const number = typeof value === 'bigint' ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number)) throw invalid(file, key, 'an integer');
  return number;
}

function boolean(table: Record<string, unknown>, key: string, file: string): boolean | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalid(file, key, 'true or false');
  return value;
}

function invalid(file: string, key: string, what: string): EngineError {
  return new EngineError('config-invalid', `${file}: ${key} must be ${what}`, { file, key });
}

/** The network modes that are namespaces made without CNI. */
const NETWORK_MODES = new Set(['private', 'none', 'host']);

/**
 * What a `--network` value (or containers.conf's netns) means: none, host and
 * private are namespaces without CNI; bridge joins the default network
 * (`defaultNetwork()`'s name); anything else is a CNI network's name.
 */
export function networkMode(value: string, defaultNetwork: () => string): Pick<CreateOptions, 'network' | 'networks'> {
  if (NETWORK_MODES.has(value)) return { network: value as 'private' | 'none' | 'host' };
  return { network: 'private', networks: [value === 'bridge' ? defaultNetwork() : value] };
}

/**
 * `options` with what containers.conf gives where they leave it open, as
 * podman merges them: the user's ulimits and sysctls win per name, its DNS
 * settings as a whole; network sysctls are left out for a container on the
 * host's network, and for one in a user namespace on CNI networks (its
 * namespace, made before the container, belongs to the host's user
 * namespace, where the container may not write them); IPC and UTS ones for
 * a container in the host's IPC or UTS namespace.
 */
export function withContainerDefaults(given: CreateOptions, defaults: ContainerDefaults, defaultNetwork: () => string): CreateOptions {
  // The sysctls, DNS and /dev/shm below depend on the namespaces, the file's among them.
  const options = withNamespaceDefaults(given, defaults, defaultNetwork);
  const ulimitType = (ulimit: string): string => ulimit.slice(0, ulimit.indexOf('='));
  const userUlimits = new Set((options.ulimits ?? []).map(ulimitType));
  const sysctls: Record<string, string> = {};
  for (const entry of defaults.sysctls ?? []) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new EngineError('config-invalid', `containers.conf: default_sysctls entry ${JSON.stringify(entry)} is not key=value`, { sysctl: entry });
    const key = entry.slice(0, eq);
    // The host's network is not the container's to tune; nor is a namespace Berth made outside the container's user namespace.
    const foreignNetwork = options.network === 'host' || (Boolean(options.networks?.length) && hasUserNamespace(options));
    if (foreignNetwork && key.startsWith('net.')) continue;
    if (options.ipc === 'host' && isIpcSysctl(key)) continue;
    if (options.uts === 'host' && UTS_SYSCTLS.has(key)) continue;
    sysctls[key] = entry.slice(eq + 1);
  }
  const dns = options.hostsAndDns ?? {};
  // Only a container with a resolver of its own gets the file's: one with loopback alone has no resolv.conf.
  const resolves = options.network === 'host' || Boolean(options.networks?.length);
  const hostsAndDns = {
    ...dns,
    ...(resolves && !dns.dnsServers && defaults.dnsServers?.length ? { dnsServers: defaults.dnsServers } : {}),
    ...(resolves && !dns.dnsSearch && defaults.dnsSearches?.length ? { dnsSearch: defaults.dnsSearches } : {}),
    ...(resolves && !dns.dnsOptions && defaults.dnsOptions?.length ? { dnsOptions: defaults.dnsOptions } : {}),
    ...(dns.noHosts === undefined && defaults.noHosts ? { noHosts: true } : {}),
  };
  // The run's --pids-limit, else the file's, else podman's compiled default; 0 or less is no limit.
  const pidsLimit = options.pidsLimit ?? defaults.pidsLimit ?? DEFAULT_PIDS_LIMIT;
  const httpProxy = options.httpProxy ?? defaults.httpProxy ?? true;
  const envHost = options.envHost ?? defaults.envHost ?? false;
  return {
    ...options,
    // The caller's environment first: the run's -e and --env-file win over it.
    env: envHost ? [...hostEnvironment(process.env), ...(options.env ?? [])] : options.env,
    init: options.init ?? defaults.init,
    initPath: options.initPath ?? defaults.initPath,
    // The file's /dev/shm size for a /dev/shm of the container's own only (not the host's).
    shmSizeBytes: options.shmSizeBytes ?? (options.ipc !== 'host' ? defaults.shmSizeBytes : undefined),
    timezone: options.timezone ?? defaults.timezone,
    umask: options.umask ?? defaults.umask,
    readOnly: options.readOnly ?? defaults.readOnly,
    logSizeMax: options.logSizeMax ?? defaults.logSizeMax,
    logDriver: options.logDriver ?? defaults.logDriver,
    proxyEnv: httpProxy ? proxyVariables(process.env) : undefined,
    ulimits: [...(defaults.ulimits ?? []).filter((ulimit) => !userUlimits.has(ulimitType(ulimit))), ...(options.ulimits ?? [])],
    sysctls: { ...sysctls, ...options.sysctls },
    ...(Object.keys(hostsAndDns).length ? { hostsAndDns } : {}),
    pidsLimit: pidsLimit > 0 ? pidsLimit : undefined,
    stopTimeout: options.stopTimeout ?? defaults.stopTimeout,
    defaultCapabilities: options.defaultCapabilities ?? defaults.capabilities,
    defaultEnv: options.defaultEnv ?? defaults.env,
  };
}

/**
 * `given` with the file's netns, pidns, ipcns, utsns and cgroupns where the
 * run gave no mode of its own (nor joins another container's namespace).
 */
function withNamespaceDefaults(given: CreateOptions, defaults: ContainerDefaults, defaultNetwork: () => string): CreateOptions {
  const joins = given.joinContainers ?? {};
  const modes = defaults.namespaces ?? {};
  const networkGiven = given.network !== undefined || Boolean(given.networks?.length) || joins.network !== undefined;
  return {
    ...given,
    ...(!networkGiven && defaults.netns !== undefined ? networkMode(defaults.netns, defaultNetwork) : {}),
    pid: given.pid ?? (joins.pid === undefined ? modes.pid : undefined),
    ipc: given.ipc ?? (joins.ipc === undefined ? modes.ipc : undefined),
    uts: given.uts ?? (joins.uts === undefined ? modes.uts : undefined),
    cgroupns: given.cgroupns ?? modes.cgroupns,
  };
}

/** podman's env_host (--env-host): the caller's environment as KEY=VALUE entries. */
function hostEnvironment(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined).map(([key, value]) => `${key}=${value}`);
}

/** The proxy variables podman passes on, lower and upper case, as this process has them. */
function proxyVariables(env: NodeJS.ProcessEnv): string[] | undefined {
  const found = PROXY_VARIABLES.filter((name) => env[name] !== undefined).map((name) => `${name}=${env[name]}`);
  return found.length ? found : undefined;
}

const PROXY_VARIABLES = ['http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'ftp_proxy', 'FTP_PROXY', 'no_proxy', 'NO_PROXY'];

/** The sysctls of the IPC namespace (kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*): the host's own where it shares it. */
function isIpcSysctl(key: string): boolean {
  return /^kernel\.(msg|shm)/.test(key) || key === 'kernel.sem' || key.startsWith('fs.mqueue.');
}

/** The sysctls of the UTS namespace. */
const UTS_SYSCTLS = new Set(['kernel.hostname', 'kernel.domainname']);

/** containers.conf's pids_limit when no file sets it (podman's compiled default). */
const DEFAULT_PIDS_LIMIT = 2048;

function hasUserNamespace(options: CreateOptions): boolean {
  return Boolean(options.uidMap?.length || options.gidMap?.length || options.autoUserNs);
}
