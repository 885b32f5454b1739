// The OCI runtime spec for a container, from its image's config and the
// user's options, with podman's defaults (mounts, capabilities, masked
// paths, a seccomp deny list) and this host's limits (rlimits clamped to the
// hard limits root may not raise without CAP_SYS_RESOURCE).

import { readFileSync, statSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import type { IDMap } from '../idmap/index.js';
import { colonRecordsInRoot } from '../util/index.js';
import { OciError } from './errors.js';
import type { BlockIoThrottle, OciLinux, OciLinuxResources, OciMount, OciSeccomp, OciSpec } from './spec-types.js';
import { DEFAULT_SECCOMP } from './seccomp.js';

/** The `config` object of an OCI image config (what `podman inspect` shows as Config). */
export interface ImageRunConfig {
  User?: string;
  Env?: string[];
  Entrypoint?: string[] | null;
  Cmd?: string[] | null;
  WorkingDir?: string;
  StopSignal?: string;
  Labels?: Record<string, string> | null;
  Volumes?: Record<string, unknown> | null;
  /** `port/proto` keys (EXPOSE): what podman's -P publishes. */
  ExposedPorts?: Record<string, unknown> | null;
  /** Docker's HEALTHCHECK (the test and its timing in nanoseconds); OCI configs have none. */
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; StartPeriod?: number; Retries?: number } | null;
}

export interface SpecOptions {
  id: string;
  /** The mounted root filesystem (its /etc/passwd and /etc/group are read for -u). */
  rootfs: string;
  /** Replaces the image's Cmd (and, with `entrypoint`, what runs). */
  command?: string[];
  /** Replaces the image's Entrypoint; `[]` clears it. */
  entrypoint?: string[];
  env?: string[];
  /** The host's proxy variables (podman's --http-proxy, on by default): after the defaults, before the image's. */
  proxyEnv?: string[];
  /** podman's --unsetenv: variables left out of the defaults and the image's (`env` still sets them; HOSTNAME and HOME stay, as podman's). */
  unsetEnv?: string[];
  /** podman's --unsetenv-all: none of the defaults nor the image's variables, only `env` (and HOSTNAME and HOME, as podman's). */
  unsetEnvAll?: boolean;
  workdir?: string;
  /** `name`, `uid`, `name:group`, `uid:gid`. */
  user?: string;
  hostname?: string;
  terminal?: boolean;
  readOnly?: boolean;
  /** podman's --read-only-tmpfs (default true): with `readOnly`, writable tmpfs on /run, /tmp and /var/tmp. */
  readOnlyTmpfs?: boolean;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  /** Bind mounts: `source:destination[:options]`. */
  volumes?: string[];
  /** `destination[:options]`. */
  tmpfs?: string[];
  /** Mounts made beforehand (named volumes), after the binds. */
  mounts?: OciMount[];
  network?: 'private' | 'none' | 'host';
  /** The PID, IPC and UTS namespaces: the container's own (the default) or the host's (podman's --pid, --ipc, --uts host). */
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  uts?: NamespaceMode;
  /** podman's --cgroupns: its own cgroup namespace (the default here), or the host's. */
  cgroupns?: NamespaceMode;
  /** podman's --umask: the process's file mode creation mask (default 0022). */
  umask?: number;
  /** A network namespace made beforehand (CNI): joined instead of a new one. */
  networkNamespacePath?: string;
  /** Namespaces of another container's, joined by their paths (`/proc/PID/ns/TYPE`) instead of new ones. */
  joinedNamespacePaths?: Partial<Record<JoinableNamespace, string>>;
  memoryBytes?: number;
  /** CPUs (1.5 = 150000 quota per 100000 period). */
  cpus?: number;
  pidsLimit?: number;
  sysctls?: Record<string, string>;
  /** `type=soft:hard` as podman's --ulimit. */
  ulimits?: string[];
  /** Host devices: `/dev/x[:/dev/in-container[:rwm]]`. */
  devices?: string[];
  /** podman's --device-read-bps, --device-write-bps, --device-read-iops, --device-write-iops: a block device's path and its rate. */
  blockIoThrottles?: Partial<Record<BlockIoThrottle, Array<{ path: string; rate: number }>>>;
  /** podman's --device-cgroup-rule: `TYPE MAJOR:MINOR ACCESS` (`c 1:3 rwm`, `*` for any number) allowed in the devices cgroup. */
  deviceCgroupRules?: string[];
  /** podman's --env-merge: `KEY=…${VAR}…`, set from the image's and the defaults' variables (before the user's -e). */
  envMerge?: string[];
  annotations?: Record<string, string>;
  /** Absolute; default `/berth/berth-<id>`. */
  cgroupsPath?: string;
  /** The container's ID maps (its store container's): a user namespace with them. */
  idMaps?: { uidMap: IDMap[]; gidMap: IDMap[] };
  /** `--group-add`: more groups for the process, by GID or by name in the image's /etc/group. */
  groupAdd?: string[];
  /** `--security-opt seccomp=`: the default profile, none (`unconfined`), or a profile of the user's (OCI LinuxSeccomp). */
  seccomp?: 'default' | 'unconfined' | OciSeccomp;
  /** `--security-opt no-new-privileges` turns it on (off by default, as podman's: setuid programs work). */
  noNewPrivileges?: boolean;
  /** `--security-opt mask=` paths, masked besides the default ones. */
  mask?: string[];
  /** `--security-opt unmask=`: default masked or read-only paths left open (`ALL` for every one). */
  unmask?: string[];
  /** `--shm-size`: /dev/shm's size in bytes (default DEFAULT_SHM_SIZE_BYTES). */
  shmSizeBytes?: number;
  cpuShares?: number;
  /** CFS period and quota in microseconds (podman's --cpu-period, --cpu-quota); not with `cpus`, which sets both. */
  cpuPeriod?: number;
  cpuQuota?: number;
  cpusetCpus?: string;
  cpusetMems?: string;
  /** Memory plus swap (-1: unlimited swap). */
  memorySwapBytes?: number;
  memoryReservationBytes?: number;
  /** 0-100: how readily the kernel swaps the container's memory out. */
  memorySwappiness?: number;
  /** The memory cgroup's OOM killer off: a process that would be killed waits for memory instead. */
  oomKillDisable?: boolean;
  /** -1000 to 1000: the OOM killer's bias for the container's processes. */
  oomScoreAdj?: number;
  /** The capabilities --cap-add and --cap-drop start from (containers.conf default_capabilities; default podman's eleven). */
  defaultCapabilities?: string[];
  /** Variables before the image's and the user's (containers.conf env; default podman's PATH and TERM=xterm). */
  defaultEnv?: string[];
  /** podman's --personality: LINUX32 (uname says i686 on x86_64) or LINUX. */
  personality?: 'LINUX' | 'LINUX32';
  /** podman's --init: this host binary (catatonit) is bound read-only at CONTAINER_INIT_PATH and runs the command as PID 1. */
  initBinary?: string;
}

/** Where podman's --init binds the init binary in a container: PID 1 runs it with `--` and the command. */
export const CONTAINER_INIT_PATH = '/run/podman-init';

/** The mount of `initBinary` at CONTAINER_INIT_PATH, as podman makes it. */
function initMount(initBinary: string): OciMount {
  return { destination: CONTAINER_INIT_PATH, type: 'bind', source: initBinary, options: ['bind', 'ro', 'rprivate'] };
}

/** Whether the spec runs its command under podman's --init (the init bound, and run with `--` before the command). */
export function runsInit(spec: Pick<OciSpec, 'process' | 'mounts'>): boolean {
  const { args } = spec.process;
  return args[0] === CONTAINER_INIT_PATH && args[1] === '--' && spec.mounts.some((m) => m.destination === CONTAINER_INIT_PATH);
}

/** The command the spec runs, without the init that --init puts before it (what ps, inspect's Cmd and commit show). */
export function commandOf(spec: Pick<OciSpec, 'process' | 'mounts'>): string[] {
  return runsInit(spec) ? spec.process.args.slice(2) : spec.process.args;
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** containers.conf's env when no file sets it (podman's compiled default). */
const DEFAULT_ENV = [DEFAULT_PATH, 'TERM=xterm'];

/** podman's default capability set (containers.conf default_capabilities). */
export const DEFAULT_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_NET_BIND_SERVICE',
  'CAP_SETFCAP', 'CAP_SETGID', 'CAP_SETPCAP', 'CAP_SETUID', 'CAP_SYS_CHROOT',
];

/** Every capability, in the order of their bits (CAP_CHOWN is bit 0). */
const ALL_CAPABILITIES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID',
  'CAP_SETUID', 'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN',
  'CAP_NET_RAW', 'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT', 'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ',
  'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

/**
 * What --privileged and --cap-add ALL give, as podman's: every capability this process's bounding
 * set holds (a runtime cannot grant one the caller lacks: root here has no CAP_SYS_RESOURCE).
 */
export function hostCapabilities(status = readFileSync('/proc/self/status', 'utf8')): string[] {
  const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`);
  return ALL_CAPABILITIES.filter((_, bit) => (bounding >> BigInt(bit)) & 1n);
}

const MASKED_PATHS = [
  '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats',
  '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/fs/selinux', '/sys/dev/block',
];
const READONLY_PATHS = ['/proc/asound', '/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A namespace of the container's own, or the host's. */
export type NamespaceMode = 'private' | 'host';

/** The namespaces a container can share with another container (podman's `container:ID` modes). */
export type JoinableNamespace = 'network' | 'pid' | 'ipc' | 'uts';

/**
 * The container's hostname as its processes see it: `--hostname`, else the
 * host's where it shares the host's UTS namespace or network (podman's), else
 * its ID's first 12 characters.
 */
export function containerHostname(options: Pick<SpecOptions, 'id' | 'hostname' | 'network' | 'uts'>): string {
  return options.hostname ?? (options.uts === 'host' || options.network === 'host' ? osHostname() : options.id.slice(0, 12));
}

export function generateSpec(image: ImageRunConfig, options: SpecOptions): OciSpec {
  const command = processArgs(image, options);
  const args = options.initBinary ? [CONTAINER_INIT_PATH, '--', ...command] : command;
  const user = resolveUser(options.rootfs, options.user ?? image.User ?? '');
  const defaults = defaultEnv(image, options);
  const env = mergeEnv([...defaults, ...mergedEnv(options.envMerge ?? [], mergeEnv(defaults)), ...(options.env ?? [])]);
  // As podman: the user's home from the image's passwd only when no variable set HOME.
  if (!env.some((entry) => entry.startsWith('HOME='))) env.push(`HOME=${user.home}`);
  const capabilities = options.privileged ? hostCapabilities() : capabilitySet(options.defaultCapabilities ?? DEFAULT_CAPABILITIES, options.capAdd ?? [], options.capDrop ?? []);
  const userMounts = [...volumeMounts(options.volumes ?? []), ...(options.mounts ?? []), ...tmpfsMounts(options.tmpfs ?? [])];
  const spec: OciSpec = {
    ociVersion: '1.0.2-dev',
    process: {
      terminal: options.terminal === true,
      user: { uid: user.uid, gid: user.gid, ...additionalGidsOf(user.additionalGids, options.groupAdd ?? [], options.rootfs), ...(options.umask !== undefined ? { umask: checkedUmask(options.umask) } : {}) },
      args,
      env,
      cwd: options.workdir || image.WorkingDir || '/',
      capabilities: { bounding: capabilities, effective: capabilities, permitted: capabilities },
      rlimits: clampRlimits(options.ulimits ?? []),
      noNewPrivileges: !options.privileged && options.noNewPrivileges === true,
      ...(options.oomScoreAdj !== undefined ? { oomScoreAdj: inRange(options.oomScoreAdj, 'oom score adj', -1000, 1000) } : {}),
    },
    root: { path: options.rootfs, readonly: options.readOnly === true },
    // None to set in the host's UTS namespace; on the host's network, a namespace of its own with the host's name unless given one.
    // Nor in another container's, whose name it shares.
    hostname: options.uts === 'host' || options.joinedNamespacePaths?.uts !== undefined || (options.network === 'host' && options.hostname === undefined) ? undefined : containerHostname(options),
    // The init last: over a read-only root's /run tmpfs, not under it.
    mounts: [...defaultMounts(options), ...readOnlyTmpfsMounts(options, userMounts), ...userMounts, ...(options.initBinary ? [initMount(options.initBinary)] : [])],
    annotations: options.annotations,
    linux: {
      namespaces: namespaces(options),
      ...(options.idMaps ? { uidMappings: ociIdMaps(options.idMaps.uidMap), gidMappings: ociIdMaps(options.idMaps.gidMap) } : {}),
      resources: resources(options),
      devices: options.devices?.length ? options.devices.map(deviceNode) : undefined,
      cgroupsPath: options.cgroupsPath ?? `/berth/berth-${options.id}`,
      sysctl: options.sysctls,
      ...(options.personality ? { personality: { domain: options.personality } } : {}),
      ...(options.privileged ? {} : confinement(options)),
    },
  };
  return spec;
}

/** The entrypoint the process's arguments start with: --entrypoint, else the image's. */
export function entrypointOf(image: ImageRunConfig, options: Pick<SpecOptions, 'entrypoint'>): string[] {
  return options.entrypoint ?? image.Entrypoint ?? [];
}

/** Docker's rule: Entrypoint + Cmd; a user command replaces Cmd; a user entrypoint also drops the image's Cmd. */
function processArgs(image: ImageRunConfig, options: SpecOptions): string[] {
  const entrypoint = entrypointOf(image, options);
  const cmd = options.command && options.command.length > 0 ? options.command : options.entrypoint ? [] : image.Cmd ?? [];
  const args = [...entrypoint, ...cmd];
  if (args.length === 0) {
    throw new OciError('invalid-spec', 'no command specified: the image has no Entrypoint or Cmd and none was given', { id: options.id });
  }
  return args;
}

/** Later entries win by variable name, order of first appearance kept. */
/**
 * The variables before the user's: containers.conf's (or podman's PATH and TERM), TERM with a
 * terminal, `container` (podman's `container=podman`, which systemd and others read to learn they
 * run in a container: here the manager's name), the host's proxy variables, HOSTNAME, then the
 * image's (its HOSTNAME wins);
 * less --unsetenv's, or none with --unsetenv-all, but for HOSTNAME (podman sets it after those
 * options have had their say).
 */
function defaultEnv(image: ImageRunConfig, options: SpecOptions): string[] {
  const hostname = `HOSTNAME=${containerHostname(options)}`;
  if (options.unsetEnvAll) return [hostname];
  const unset = new Set(options.unsetEnv ?? []);
  const kept = (entries: string[]): string[] => entries.filter((entry) => !unset.has(variableName(entry)));
  return [...kept([DEFAULT_PATH, ...(options.defaultEnv ?? DEFAULT_ENV), ...(options.terminal ? ['TERM=xterm'] : []), 'container=berth', ...(options.proxyEnv ?? [])]), hostname, ...kept(image.Env ?? [])];
}

/** --env-merge's entries with `${VAR}` and `$VAR` replaced by `env`'s values (an unset one by nothing), as podman expands them. */
function mergedEnv(entries: readonly string[], env: readonly string[]): string[] {
  const values = new Map(env.map((entry) => [variableName(entry), entry.slice(variableName(entry).length + 1)]));
  return entries.map((entry) => {
    if (!entry.includes('=')) throw new OciError('invalid-spec', `--env-merge ${JSON.stringify(entry)}: want KEY=VALUE`, { envMerge: entry });
    return entry.replace(/\$\{(\w+)\}|\$(\w+)/g, (_whole, braced: string | undefined, bare: string | undefined) => values.get(braced ?? bare!) ?? '');
  });
}

/** `entries` with one per name, the last given winning, in the order names first came. */
function mergeEnv(entries: string[]): string[] {
  const byName = new Map<string, string>();
  for (const entry of entries) byName.set(variableName(entry), entry);
  return [...byName.values()];
}

/** `NAME` of `NAME=value` (or of a bare `NAME`). */
function variableName(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From the passwd entry; `/` without one (libcontainer's default, which podman uses). */
  home: string;
}

/** `user[:group]` against the image's /etc/passwd and /etc/group, as podman resolves it. */
export function resolveUser(rootfs: string, spec: string): ResolvedUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const passwd = colonRecordsInRoot(rootfs, '/etc/passwd');
  const groups = colonRecordsInRoot(rootfs, '/etc/group');
  let uid = 0;
  let gid = 0;
  let name: string | undefined;
  let home: string | undefined;
  if (userPart === '' || /^\d+$/.test(userPart)) {
    uid = userPart === '' ? 0 : Number(userPart);
    const entry = passwd.find((fields) => Number(fields[2]) === uid);
    if (entry) ({ gid, name, home } = { gid: Number(entry[3]), name: entry[0], home: entry[5] });
  } else {
    const entry = passwd.find((fields) => fields[0] === userPart);
    if (!entry) throw new OciError('invalid-spec', `unable to find user ${userPart}: no matching entries in passwd file`, { user: spec });
    ({ uid, gid, name, home } = { uid: Number(entry[2]), gid: Number(entry[3]), name: entry[0], home: entry[5] });
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const entry = groups.find((fields) => fields[0] === groupPart);
      if (!entry) throw new OciError('invalid-spec', `unable to find group ${groupPart}: no matching entries in group file`, { user: spec });
      gid = Number(entry[2]);
    }
  }
  const additionalGids = name === undefined ? [] : groups.filter((g) => (g[3] ?? '').split(',').includes(name!) && Number(g[2]) !== gid).map((g) => Number(g[2]));
  return { uid, gid, additionalGids, home: home || '/' };
}

/** A capability as the spec names it (`net_admin` → `CAP_NET_ADMIN`). */
export function capabilityName(name: string): string {
  return name.toUpperCase().startsWith('CAP_') ? name.toUpperCase() : `CAP_${name.toUpperCase()}`;
}

function capabilitySet(base: readonly string[], add: string[], drop: string[]): string[] {
  let set = new Set(base.map((cap) => {
    const name = capabilityName(cap);
    if (!ALL_CAPABILITIES.includes(name)) throw new OciError('invalid-spec', `unknown capability ${JSON.stringify(cap)} in the default set`, { capability: cap });
    return name;
  }));
  for (const cap of drop) {
    if (cap.toUpperCase() === 'ALL') set = new Set();
    else set.delete(capabilityName(cap));
  }
  for (const cap of add) {
    if (cap.toUpperCase() === 'ALL') hostCapabilities().forEach((c) => set.add(c));
    else {
      const name = capabilityName(cap);
      if (!ALL_CAPABILITIES.includes(name)) throw new OciError('invalid-spec', `unknown capability ${JSON.stringify(cap)}`, { capability: cap });
      set.add(name);
    }
  }
  return [...set];
}

/**
 * podman's /dev/shm without --shm-size: containers.conf's `shm_size = "65536k"`, which it
 * reads in decimal units (go-units FromHumanSize): 65,536,000 bytes, as its inspect shows.
 */
const DEFAULT_SHM_SIZE_BYTES = 65_536_000;

function defaultMounts(options: SpecOptions): OciMount[] {
  const sysOptions = ['nosuid', 'noexec', 'nodev', 'ro'];
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
    // An mqueue file system shows the queues of the mounter's IPC namespace: the host's ones in the host's.
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    // There, the host's shared memory too, as podman binds it.
    options.ipc === 'host'
      ? { destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'nosuid', 'noexec', 'nodev'] }
      : { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${Math.ceil((options.shmSizeBytes ?? DEFAULT_SHM_SIZE_BYTES) / 1024)}k`] },
    options.network === 'host'
      ? { destination: '/sys', type: 'bind', source: '/sys', options: ['rbind', ...sysOptions] }
      : { destination: '/sys', type: 'sysfs', source: 'sysfs', options: sysOptions },
    { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
  ];
}

/** `-v source:destination[:ro|rw|…]`; the source must exist (podman refuses a missing one too). */
function volumeMounts(volumes: string[]): OciMount[] {
  return volumes.map((volume) => {
    const [source = '', destination, flags] = volume.split(':');
    if (!source.startsWith('/') || !destination?.startsWith('/')) {
      throw new OciError('invalid-spec', `volume ${JSON.stringify(volume)}: want /host/path:/container/path[:options]`, { volume });
    }
    let isDir: boolean;
    try {
      isDir = statSync(source).isDirectory();
    } catch (err) {
      throw new OciError('invalid-spec', `volume ${JSON.stringify(volume)}: source ${source} does not exist`, { volume }, { cause: err });
    }
    const options = (flags ?? '').split(',').filter(Boolean);
    return { destination, type: 'bind', source, options: [isDir ? 'rbind' : 'bind', ...(options.length ? options : ['rw'])] };
  });
}

/** Where a read-only container still gets to write, as podman's --read-only-tmpfs mounts them. */
const READ_ONLY_TMPFS = ['/run', '/tmp', '/var/tmp'];

/**
 * For a read-only root filesystem (unless --read-only-tmpfs=false), a tmpfs on each of
 * READ_ONLY_TMPFS that none of `userMounts` covers, holding a copy of what the image has there
 * (tmpcopyup).
 */
function readOnlyTmpfsMounts(options: SpecOptions, userMounts: OciMount[]): OciMount[] {
  if (!options.readOnly || options.readOnlyTmpfs === false) return [];
  const taken = new Set(userMounts.map((m) => m.destination));
  return READ_ONLY_TMPFS.filter((destination) => !taken.has(destination))
    .map((destination) => ({ destination, type: 'tmpfs', source: 'tmpfs', options: ['rw', 'rprivate', 'nosuid', 'nodev', 'tmpcopyup'] }));
}

function tmpfsMounts(entries: string[]): OciMount[] {
  return entries.map((entry) => {
    const [destination = '', flags] = entry.split(':', 2);
    if (!destination.startsWith('/')) throw new OciError('invalid-spec', `tmpfs ${JSON.stringify(entry)}: the destination must be absolute`, { tmpfs: entry });
    return { destination, type: 'tmpfs', source: 'tmpfs', options: flags ? flags.split(',') : ['rw', 'noexec', 'nosuid', 'nodev'] };
  });
}

function namespaces(options: SpecOptions): Array<{ type: string; path?: string }> {
  const joined = options.joinedNamespacePaths ?? {};
  const own = (type: JoinableNamespace, path = joined[type]): { type: string; path?: string } => (path ? { type, path } : { type });
  const list: Array<{ type: string; path?: string }> = [];
  if (options.pid !== 'host') list.push(own('pid'));
  if (options.network !== 'host') list.push(own('network', options.networkNamespacePath ?? joined.network));
  if (options.ipc !== 'host') list.push(own('ipc'));
  if (options.uts !== 'host') list.push(own('uts'));
  list.push({ type: 'mount' });
  if (options.cgroupns !== 'host') list.push({ type: 'cgroup' });
  if (options.idMaps !== undefined) list.push({ type: 'user' });
  return list;
}

function ociIdMaps(maps: readonly IDMap[]): Array<{ containerID: number; hostID: number; size: number }> {
  return maps.map((m) => ({ containerID: m.containerId, hostID: m.hostId, size: m.size }));
}

function resources(options: SpecOptions): OciLinuxResources {
  const out: OciLinuxResources = { devices: [{ allow: false, access: 'rwm' }, ...(options.devices ?? []).map(deviceRule), ...(options.deviceCgroupRules ?? []).map(deviceCgroupRule)] };
  const memory = {
    ...(options.memoryBytes !== undefined ? { limit: options.memoryBytes } : {}),
    ...(options.memoryReservationBytes !== undefined ? { reservation: options.memoryReservationBytes } : {}),
    ...(options.memorySwapBytes !== undefined ? { swap: options.memorySwapBytes } : {}),
    ...(options.memorySwappiness !== undefined ? { swappiness: inRange(options.memorySwappiness, 'memory swappiness', 0, 100) } : {}),
    ...(options.oomKillDisable ? { disableOOMKiller: true } : {}),
  };
  if (memory.swap !== undefined && memory.swap !== -1 && (memory.limit === undefined || memory.swap < memory.limit)) {
    throw new OciError('invalid-spec', 'the memory swap limit must be set with a memory limit and be at least that large (-1: unlimited)', { memorySwap: memory.swap, memory: memory.limit });
  }
  if (Object.keys(memory).length) out.memory = memory;
  for (const [given, flag] of [[options.cpuPeriod, '--cpu-period'], [options.cpuQuota, '--cpu-quota']] as const) {
    if (given !== undefined && options.cpus !== undefined) throw new OciError('invalid-spec', `${flag} and --cpus cannot be set together`, { cpus: options.cpus });
  }
  const cpu = {
    ...(options.cpus !== undefined ? { quota: Math.round(options.cpus * 100_000), period: 100_000 } : {}),
    ...(options.cpuPeriod !== undefined ? { period: options.cpuPeriod } : {}),
    ...(options.cpuQuota !== undefined ? { quota: options.cpuQuota } : {}),
    ...(options.cpuShares !== undefined ? { shares: options.cpuShares } : {}),
    ...(options.cpusetCpus !== undefined ? { cpus: checkedCpuList(options.cpusetCpus, 'cpuset-cpus') } : {}),
    ...(options.cpusetMems !== undefined ? { mems: checkedCpuList(options.cpusetMems, 'cpuset-mems') } : {}),
  };
  if (Object.keys(cpu).length) out.cpu = cpu;
  if (options.pidsLimit !== undefined) out.pids = { limit: options.pidsLimit };
  const throttles = Object.entries(options.blockIoThrottles ?? {}) as Array<[BlockIoThrottle, Array<{ path: string; rate: number }>]>;
  if (throttles.length) out.blockIO = Object.fromEntries(throttles.map(([kind, entries]) => [kind, entries.map(({ path, rate }) => ({ ...blockDeviceNumbers(path), rate }))]));
  return out;
}

/** The umask an octal text such as `0022` names (podman's --umask and containers.conf's umask), or undefined when it names none. */
export function umaskOf(text: string): number | undefined {
  return /^0?[0-7]{1,3}$/.test(text) ? parseInt(text, 8) : undefined;
}

/** A umask: permission bits only. */
function checkedUmask(umask: number): number {
  if (!Number.isInteger(umask) || umask < 0 || umask > 0o777) throw new OciError('invalid-spec', `umask ${umask.toString(8)} is not a file mode mask (0 to 0777)`, { umask });
  return umask;
}

/** `value` when it is a whole number from `min` to `max`. */
function inRange(value: number, what: string, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new OciError('invalid-spec', `invalid value: ${value}, valid ${what} range is ${min}-${max}`, { [what]: value });
  return value;
}

/** podman's --device-cgroup-rule `c 1:3 rwm` (`*`: any major or minor) as the devices cgroup's allow rule. */
function deviceCgroupRule(rule: string): NonNullable<OciLinuxResources['devices']>[number] {
  const match = /^([abc]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!match) throw new OciError('invalid-spec', `invalid device cgroup rule requires type, major:Minor, and access rules: ${JSON.stringify(rule)}`, { deviceCgroupRule: rule });
  const [, type, major, minor, access] = match;
  return { allow: true, type: type as 'a' | 'b' | 'c', ...(major !== '*' ? { major: Number(major) } : {}), ...(minor !== '*' ? { minor: Number(minor) } : {}), access };
}

/** `0-3,5`: a list of CPUs or memory nodes as cpuset takes it. */
export function checkedCpuList(list: string, flag: string): string {
  if (!/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(list)) throw new OciError('invalid-spec', `--${flag} ${JSON.stringify(list)}: want a list such as 0-2,4`, { [flag]: list });
  return list;
}

/** Seccomp, masked and read-only paths for a container that is not privileged, with --security-opt's changes. */
function confinement(options: SpecOptions): Pick<OciLinux, 'seccomp' | 'maskedPaths' | 'readonlyPaths'> {
  const unmask = new Set(options.unmask ?? []);
  const open = (path: string): boolean => unmask.has('ALL') || unmask.has(path);
  const seccomp = options.seccomp === 'unconfined' ? undefined : options.seccomp === undefined || options.seccomp === 'default' ? DEFAULT_SECCOMP : options.seccomp;
  return {
    ...(seccomp ? { seccomp } : {}),
    maskedPaths: [...MASKED_PATHS.filter((path) => !open(path)), ...(options.mask ?? [])],
    readonlyPaths: READONLY_PATHS.filter((path) => !open(path)),
  };
}

/** The user's own supplementary groups and --group-add's (a GID, or a group name the image's /etc/group knows). */
function additionalGidsOf(own: number[], added: string[], rootfs: string): { additionalGids?: number[] } {
  const groups = added.length ? colonRecordsInRoot(rootfs, '/etc/group') : [];
  const gids = [...own, ...added.map((group) => {
    if (/^\d+$/.test(group)) return Number(group);
    const entry = groups.find((fields) => fields[0] === group);
    if (!entry) throw new OciError('invalid-spec', `--group-add ${group}: no group of that name in the image's /etc/group`, { group });
    return Number(entry[2]);
  })];
  const unique = [...new Set(gids)];
  return unique.length ? { additionalGids: unique } : {};
}

interface DeviceSpec {
  hostPath: string;
  path: string;
  access: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  mode: number;
}

/** A `--device` value's host path and its path in the container (`/dev/x[:/dev/y[:rwm]]`; `/dev/x:rwm` keeps the path). */
export function devicePaths(spec: string): { hostPath: string; path: string } {
  const [hostPath = '', second] = spec.split(':');
  return { hostPath, path: second && second.startsWith('/') ? second : hostPath };
}

/** A throttled block device's numbers, as podman reads them (its error when the path is none). */
function blockDeviceNumbers(path: string): { major: number; minor: number } {
  let info;
  try {
    info = statSync(path);
  } catch (err) {
    throw new OciError('invalid-spec', `could not parse throttle device at ${path}: no such file or directory`, { device: path }, { cause: err });
  }
  if (!info.isBlockDevice()) throw new OciError('invalid-spec', `could not parse throttle device at ${path}: not a block device`, { device: path });
  return deviceNumbers(info.rdev);
}

/** Linux's major and minor numbers of a device's rdev. */
function deviceNumbers(rdev: number): { major: number; minor: number } {
  return {
    major: Number((BigInt(rdev) >> 8n) & 0xfffn) | Number((BigInt(rdev) >> 32n) & ~0xfffn),
    minor: Number(BigInt(rdev) & 0xffn) | Number((BigInt(rdev) >> 12n) & ~0xffn),
  };
}

/** `--device /dev/x[:/dev/y[:rwm]]` against the host's device node. */
function parseDevice(spec: string): DeviceSpec {
  const { hostPath, path } = devicePaths(spec);
  const [, second, third] = spec.split(':');
  const access = third ?? (second && !second.startsWith('/') ? second : 'rwm');
  if (!/^[rwm]+$/.test(access)) throw new OciError('invalid-spec', `device ${JSON.stringify(spec)}: access must be made of r, w and m`, { device: spec });
  let info;
  try {
    info = statSync(hostPath);
  } catch (err) {
    throw new OciError('invalid-spec', `device ${JSON.stringify(spec)}: ${hostPath} does not exist`, { device: spec }, { cause: err });
  }
  if (!info.isCharacterDevice() && !info.isBlockDevice()) throw new OciError('invalid-spec', `device ${JSON.stringify(spec)}: ${hostPath} is not a device node`, { device: spec });
  return { hostPath, path, access, type: info.isCharacterDevice() ? 'c' : 'b', ...deviceNumbers(info.rdev), mode: info.mode & 0o777 };
}

function deviceNode(spec: string): NonNullable<OciSpec['linux']['devices']>[number] {
  const d = parseDevice(spec);
  return { path: d.path, type: d.type, major: d.major, minor: d.minor, fileMode: d.mode, uid: 0, gid: 0 };
}

function deviceRule(spec: string): { allow: boolean; type: string; major: number; minor: number; access: string } {
  const d = parseDevice(spec);
  return { allow: true, type: d.type, major: d.major, minor: d.minor, access: d.access };
}

const RLIMIT_NAMES: Record<string, string> = {
  'Max cpu time': 'RLIMIT_CPU', 'Max file size': 'RLIMIT_FSIZE', 'Max data size': 'RLIMIT_DATA', 'Max stack size': 'RLIMIT_STACK',
  'Max core file size': 'RLIMIT_CORE', 'Max resident set': 'RLIMIT_RSS', 'Max processes': 'RLIMIT_NPROC',
  'Max open files': 'RLIMIT_NOFILE', 'Max locked memory': 'RLIMIT_MEMLOCK', 'Max address space': 'RLIMIT_AS',
  'Max file locks': 'RLIMIT_LOCKS', 'Max pending signals': 'RLIMIT_SIGPENDING', 'Max msgqueue size': 'RLIMIT_MSGQUEUE',
  'Max nice priority': 'RLIMIT_NICE', 'Max realtime priority': 'RLIMIT_RTPRIO', 'Max realtime timeout': 'RLIMIT_RTTIME',
};

/** This process's hard limits from /proc/self/limits (Infinity for "unlimited"). */
export function hostHardLimits(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync('/proc/self/limits', 'utf8').split('\n').slice(1)) {
    const name = Object.keys(RLIMIT_NAMES).find((key) => line.startsWith(key));
    if (!name) continue;
    const hard = line.slice(26).trim().split(/\s+/)[1];
    out[RLIMIT_NAMES[name]!] = hard === 'unlimited' ? Infinity : Number(hard);
  }
  return out;
}

/**
 * podman's defaults (nofile 1048576, nproc 4194304) and the user's
 * `--ulimit`s, each clamped to the host's hard limit: root without
 * CAP_SYS_RESOURCE cannot raise it, and the runtime would fail with EPERM.
 */
function clampRlimits(ulimits: string[]): Array<{ type: string; hard: number; soft: number }> {
  const wanted = new Map<string, { soft: number; hard: number }>([
    ['RLIMIT_NOFILE', { soft: 1_048_576, hard: 1_048_576 }],
    ['RLIMIT_NPROC', { soft: 4_194_304, hard: 4_194_304 }],
  ]);
  for (const ulimit of ulimits) {
    const match = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(ulimit);
    if (!match) throw new OciError('invalid-spec', `ulimit ${JSON.stringify(ulimit)}: want type=soft[:hard]`, { ulimit });
    const soft = Number(match[2]);
    wanted.set(`RLIMIT_${match[1]!.toUpperCase()}`, { soft, hard: match[3] === undefined ? soft : Number(match[3]) });
  }
  const host = hostHardLimits();
  return [...wanted].map(([type, limit]) => {
    const ceiling = host[type] ?? Infinity;
    const hard = Math.min(limit.hard < 0 ? ceiling : limit.hard, ceiling);
    return { type, hard: capped(hard), soft: capped(Math.min(limit.soft < 0 ? hard : limit.soft, hard)) };
  });
}

/** JSON has no Infinity: an unlimited limit is RLIM_INFINITY, which the runtimes read as uint64 max. */
function capped(value: number): number {
  return Number.isFinite(value) ? value : 18446744073709551615;
}
