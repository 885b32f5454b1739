// `top` of a container as podman's (psgo's) descriptors show it: each of its
// processes read from the host's /proc, with PIDs as its PID namespace
// numbers them and users and groups as its own /etc/passwd and /etc/group
// name them (the h… descriptors: as the host sees them).

import { readFileSync } from 'node:fs';
import { idToContainer, type IDMap } from '../idmap/index.js';
import { colonRecordsInRoot, goDuration } from '../util/index.js';
import { EngineError } from './errors.js';

/** psgo's default, `ps -ef`'s columns. */
export const DEFAULT_TOP_DESCRIPTORS = ['user', 'pid', 'ppid', 'pcpu', 'etime', 'tty', 'time', 'args'];

/** The header row and a row of text per process, ordered by PID in the container. */
export interface TopTable {
  headers: string[];
  rows: string[][];
}

/** What the descriptors need to know of the container. */
export interface TopContext {
  /** Its mounted root filesystem: its /etc/passwd and /etc/group name its users and groups. */
  rootfs: string;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
}

interface Proc {
  hostPid: number;
  pid: number;
  stat: string[];
  comm: string;
  status: Map<string, string[]>;
  cmdline: string[];
}

interface Names {
  containerUsers: Map<number, string>;
  containerGroups: Map<number, string>;
  hostUsers: Map<number, string>;
  hostGroups: Map<number, string>;
  /** Host PID → PID in the container, for its parents and process groups. */
  inContainer: Map<number, number>;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  now: number;
  bootTime: number;
}

type Describe = (proc: Proc, names: Names) => string;

interface Descriptor {
  name: string;
  code?: string;
  header: string;
  describe: Describe;
}

const CLOCK_TICKS = 100;
/** Every capability this kernel knows (psgo's FullCAPs): printed as `full`. */
const FULL_CAPS = 0x1ffffffffffn;
const CAPABILITIES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
  'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
  'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
  'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/** psgo's descriptors: normal name, AIX code, header, and how each is read. */
const DESCRIPTORS: Descriptor[] = [
  { name: 'pcpu', code: '%C', header: '%CPU', describe: (p, n) => ((100 * cpuSeconds(p)) / Math.max(elapsedSeconds(p, n), 1e-9)).toFixed(3) },
  { name: 'group', code: '%G', header: 'GROUP', describe: (p, n) => containerGroup(field(p, 'Gid', 1), n) },
  { name: 'groups', header: 'GROUPS', describe: (p, n) => (p.status.get('Groups') ?? []).map((g) => containerGroup(g, n)).join(',') },
  { name: 'ppid', code: '%P', header: 'PPID', describe: (p, n) => String(n.inContainer.get(Number(field(p, 'PPid', 0))) ?? 0) },
  { name: 'user', code: '%U', header: 'USER', describe: (p, n) => containerUser(field(p, 'Uid', 1), n) },
  { name: 'uid', header: 'UID', describe: (p, n) => String(idToContainer(Number(field(p, 'Uid', 1)), n.uidMap)) },
  { name: 'args', code: '%a', header: 'COMMAND', describe: (p) => (p.cmdline[0] ? p.cmdline.join(' ') : `[${field(p, 'Name', 0)}]`) },
  { name: 'comm', code: '%c', header: 'COMMAND', describe: (p) => p.comm },
  { name: 'rgroup', code: '%g', header: 'RGROUP', describe: (p, n) => containerGroup(field(p, 'Gid', 0), n) },
  { name: 'nice', code: '%n', header: 'NI', describe: (p) => p.stat[16] ?? '' },
  { name: 'pid', code: '%p', header: 'PID', describe: (p) => String(p.pid) },
  { name: 'pgid', code: '%r', header: 'PGID', describe: (p, n) => String(n.inContainer.get(Number(p.stat[2])) ?? 0) },
  { name: 'etime', code: '%t', header: 'ELAPSED', describe: (p, n) => goDuration(elapsedSeconds(p, n) * 1e9) },
  { name: 'ruser', code: '%u', header: 'RUSER', describe: (p, n) => containerUser(field(p, 'Uid', 0), n) },
  { name: 'time', code: '%x', header: 'TIME', describe: (p) => goDuration(cpuSeconds(p) * 1e9) },
  { name: 'tty', code: '%y', header: 'TTY', describe: (p) => ttyName(Number(p.stat[4])) },
  { name: 'vsz', code: '%z', header: 'VSZ', describe: (p) => String(Math.floor(Number(p.stat[20]) / 1024)) },
  { name: 'capamb', header: 'AMBIENT CAPS', describe: (p) => capabilityNames(field(p, 'CapAmb', 0)) },
  { name: 'capinh', header: 'INHERITED CAPS', describe: (p) => capabilityNames(field(p, 'CapInh', 0)) },
  { name: 'capprm', header: 'PERMITTED CAPS', describe: (p) => capabilityNames(field(p, 'CapPrm', 0)) },
  { name: 'capeff', header: 'EFFECTIVE CAPS', describe: (p) => capabilityNames(field(p, 'CapEff', 0)) },
  { name: 'capbnd', header: 'BOUNDING CAPS', describe: (p) => capabilityNames(field(p, 'CapBnd', 0)) },
  { name: 'seccomp', header: 'SECCOMP', describe: (p) => ({ 0: 'disabled', 1: 'strict', 2: 'filter' } as Record<string, string>)[field(p, 'Seccomp', 0)] ?? '?' },
  { name: 'label', header: 'LABEL', describe: (p) => securityLabel(p.hostPid) },
  { name: 'hpid', header: 'HPID', describe: (p) => String(p.hostPid) },
  { name: 'huser', header: 'HUSER', describe: (p, n) => named(n.hostUsers, field(p, 'Uid', 1)) },
  { name: 'huid', header: 'HUID', describe: (p) => field(p, 'Uid', 1) },
  { name: 'hgroup', header: 'HGROUP', describe: (p, n) => named(n.hostGroups, field(p, 'Gid', 1)) },
  { name: 'hgroups', header: 'HGROUPS', describe: (p) => (p.status.get('Groups') ?? []).join(',') },
  { name: 'rss', header: 'RSS', describe: (p) => field(p, 'VmRSS', 0) || '0' },
  { name: 'state', header: 'STATE', describe: (p) => field(p, 'State', 0) },
  { name: 'stime', header: 'STIME', describe: (p, n) => goTimeText(n.bootTime + Math.floor(Number(p.stat[19]) / CLOCK_TICKS)) },
];

/**
 * The descriptors asked for (names or AIX codes, each argument possibly a
 * comma-separated list; none: the default), checked before any process is
 * read.
 */
export function topDescriptors(requested: readonly string[]): string[] {
  const wanted = requested.flatMap((arg) => arg.split(',')).map((d) => d.trim()).filter(Boolean);
  return (wanted.length ? wanted : DEFAULT_TOP_DESCRIPTORS).map((d) => {
    const found = DESCRIPTORS.find((known) => known.name === d || known.code === d);
    if (!found) throw new EngineError('invalid-option', `unknown descriptor: ${d}: top takes ${DESCRIPTORS.map((known) => known.name).join(', ')}`, { descriptor: d });
    return found.name;
  });
}

/** The table of `hostPids` (the container's cgroup's members) under `descriptors` (from topDescriptors). */
export function topTable(hostPids: readonly number[], descriptors: readonly string[], context: TopContext): TopTable {
  const procs = hostPids.map(readProc).filter((p): p is Proc => p !== undefined).sort((a, b) => a.pid - b.pid);
  const names: Names = {
    containerUsers: namesById(colonRecordsInRoot(context.rootfs, '/etc/passwd')),
    containerGroups: namesById(colonRecordsInRoot(context.rootfs, '/etc/group')),
    hostUsers: namesById(colonRecordsInRoot('/', '/etc/passwd')),
    hostGroups: namesById(colonRecordsInRoot('/', '/etc/group')),
    inContainer: new Map(procs.map((p) => [p.hostPid, p.pid])),
    uidMap: context.uidMap,
    gidMap: context.gidMap,
    now: Date.now() / 1000,
    bootTime: bootTime(),
  };
  const chosen = descriptors.map((name) => DESCRIPTORS.find((d) => d.name === name)!);
  return { headers: chosen.map((d) => d.header), rows: procs.map((p) => chosen.map((d) => d.describe(p, names))) };
}

/** A process of the container as /proc tells it; undefined when it exited meanwhile. */
function readProc(hostPid: number): Proc | undefined {
  try {
    const statText = readFileSync(`/proc/${hostPid}/stat`, 'latin1');
    const status = new Map<string, string[]>();
    for (const line of readFileSync(`/proc/${hostPid}/status`, 'latin1').split('\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) status.set(line.slice(0, colon), line.slice(colon + 1).trim().split(/\s+/).filter(Boolean));
    }
    const nsPids = status.get('NSpid') ?? [String(hostPid)];
    return {
      hostPid,
      pid: Number(nsPids[nsPids.length - 1]),
      // From the state on (the fields after the command name, which may hold spaces and parentheses).
      stat: statText.slice(statText.lastIndexOf(')') + 2).trim().split(' '),
      comm: statText.slice(statText.indexOf('(') + 1, statText.lastIndexOf(')')),
      status,
      cmdline: readFileSync(`/proc/${hostPid}/cmdline`, 'utf8').split('\0'),
    };
  } catch {
    return undefined;
  }
}

function field(proc: Proc, key: string, index: number): string {
  return proc.status.get(key)?.[index] ?? '';
}

function cpuSeconds(proc: Proc): number {
  return (Number(proc.stat[11]) + Number(proc.stat[12])) / CLOCK_TICKS;
}

function elapsedSeconds(proc: Proc, names: Names): number {
  return names.now - (names.bootTime + Number(proc.stat[19]) / CLOCK_TICKS);
}

function containerUser(hostId: string, names: Names): string {
  return named(names.containerUsers, String(idToContainer(Number(hostId), names.uidMap)));
}

function containerGroup(hostId: string, names: Names): string {
  return named(names.containerGroups, String(idToContainer(Number(hostId), names.gidMap)));
}

function named(database: Map<number, string>, id: string): string {
  return database.get(Number(id)) ?? id;
}

/** The first name each numeric ID has in a passwd or group file's records. */
function namesById(records: string[][]): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, , id] of records) {
    if (name && id !== undefined && /^\d+$/.test(id) && !names.has(Number(id))) names.set(Number(id), name);
  }
  return names;
}

function bootTime(): number {
  return Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'latin1'))?.[1] ?? 0);
}

/** The controlling terminal from stat's tty_nr: a pseudo-terminal as `pts/N`, none as `?`. */
function ttyName(ttyNr: number): string {
  if (!ttyNr) return '?';
  const major = (ttyNr >> 8) & 0xfff;
  const minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
  if (major >= 136 && major <= 143) return `pts/${(major - 136) * 256 + minor}`;
  if (major === 4 && minor < 64) return `tty${minor}`;
  return '?';
}

/** A status capability mask as psgo names it: `full`, `none`, or the names without CAP_, sorted. */
function capabilityNames(hex: string): string {
  const mask = BigInt(`0x${hex || '0'}`);
  if (mask === FULL_CAPS) return 'full';
  const names: string[] = [];
  for (let bit = 0n; bit < 64n; bit++) if ((mask >> bit) & 1n) names.push(CAPABILITIES[Number(bit)] ?? 'unknown');
  return names.length ? names.sort().join(',') : 'none';
}

/** /proc/PID/attr/current (SELinux or AppArmor), or `?` where the host has no labels. */
function securityLabel(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/attr/current`, 'utf8').replace(/\n+$/, '').replace(/\0+$/, '');
  } catch {
    return '?';
  }
}

/** Go's time.Time String in UTC, to the second as psgo reckons a start time: `2026-12-05 03:40:01 +0000 UTC`. */
function goTimeText(epochSeconds: number): string {
  const iso = new Date(Math.floor(epochSeconds) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
