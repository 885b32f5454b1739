// A container as the oci layer knows it (seed 000's Container and
// ContainerState): what it was made from, where its files are, and its
// state, persisted atomically in its persist directory on every change.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getLockFile, releaseLockFile, type LockFile } from '../lock/index.js';
import { isErrno, writeFileAtomicSync } from '../util/index.js';
import { OciError } from './errors.js';
import type { PortMapping, StaticAddresses } from '../network/index.js';
import type { ExitCommand } from './conmon.js';
import type { BlockIoThrottle, OciSpec } from './spec-types.js';
import type { JoinableNamespace } from './spec.js';

export const ContainerStatus = {
  Created: 'created',
  Running: 'running',
  Paused: 'paused',
  Stopped: 'stopped',
} as const;
export type ContainerStatus = (typeof ContainerStatus)[keyof typeof ContainerStatus];

/** What a container is made of; fixed once it is created. */
export interface ContainerConfig {
  id: string;
  name: string;
  /** The runtime handler (runc, crun, …) that runs it. */
  runtimeHandler: string;
  /** Holds config.json; conmon's cwd. */
  bundlePath: string;
  /** Survives restarts: state.json, exit and oom files, the log. */
  persistDir: string;
  logPath: string;
  /** Image ID and the name the user asked for. */
  imageId?: string;
  imageName?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Signal number that asks the container to stop (image STOPSIGNAL, default 15). */
  stopSignal: number;
  /** Seconds `stop` waits before SIGKILL. */
  stopTimeout: number;
  /** The OCI runtime spec it runs with. */
  spec: OciSpec;
  /** RFC 3339. */
  createdAt: string;
  /** `--log-size-max`; -1: no limit. */
  logSizeMax: number;
  /** podman's --secret: the secrets mounted as files. */
  secrets?: ContainerSecret[];
  /** The variables --secret type=env set: inspect leaves them out, as podman's does. */
  secretEnv?: string[];
  /** podman's --pidfile: where the runtime writes its PID at each start, instead of `pidfile` in the bundle. */
  pidFile?: string;
  /** podman's --conmon-pidfile: where conmon writes its PID at each start, instead of `conmon-pidfile` in the bundle. */
  conmonPidFile?: string;
  /** podman's --log-driver none: conmon keeps no log (`logs` refuses; a foreground run attaches); absent: k8s-file at logPath. */
  logDriver?: 'none';
  /** podman's --timeout: seconds after each start at which conmon kills the container; absent: never. */
  timeout?: number;
  /** podman's --tz: the zone whose file is its /etc/localtime (`local`: the host's). */
  timezone?: string;
  /** The containers whose namespaces it joins (podman's `--network container:ID` and the like), by namespace. */
  joined?: Partial<Record<JoinableNamespace, string>>;
  /** podman's --rootfs: the host directory it runs in (and writes into), instead of a layer of the store. */
  rootfs?: string;
  /** podman's --requires: the containers (IDs) started before it at each of its starts. */
  requires?: string[];
  /** The containers that join its namespaces or require it: it is not removed while one of them exists. */
  dependents?: string[];
  /** Keep stdin open for attach clients (conmon `-i`); a terminal always has input. */
  stdin?: boolean;
  /**
   * Run by conmon after each exit (podman's cleanup process), whoever started
   * the container; how long conmon waits before it is chosen by each start.
   */
  exitCommand?: ExitCommand;
  /** podman's --rm: removed once it has exited (by its exit command, or by the caller that followed the run). */
  autoRemove?: boolean;
  /** CNI networks it joins and the ports it publishes on them, set up again for each run after the cleanup tore them down. */
  networks?: string[];
  portMappings?: PortMapping[];
  /** podman's --ip and --mac-address on its network, asked for again at each run. */
  staticAddresses?: StaticAddresses;
  /** podman's --network-alias: more names it has on its networks with DNS. */
  networkAliases?: string[];
  /** The named and anonymous volumes it mounts (podman's NamedVolumes): a volume they name is in use. */
  volumes?: ContainerVolume[];
  /** podman's --volumes-from, as given: the containers whose volumes and binds it took (inspect's HostConfig.VolumesFrom). */
  volumesFrom?: string[];
  /** podman's --restart: what its cleanup does when it exits (none: it stays exited). */
  restartPolicy?: RestartPolicy;
  /** --add-host, --dns…, --no-hosts: what its /etc/hosts and /etc/resolv.conf are made of again at each run. */
  hostsAndDns?: HostsAndDns;
  /** Its health check (the image's HEALTHCHECK or --health-cmd), when it has one. */
  healthCheck?: HealthCheck;
  /** podman's --health-on-failure: what an unhealthy check result does to it (absent: none). */
  healthOnFailure?: HealthOnFailure;
  /** Run options podman's inspect shows as they were given (HostConfig), when any was. */
  hostOptions?: HostOptions;
  /** The user it runs as, as given (-u, else the image's USER), when either named one. */
  user?: string;
  /** The command line that made it (podman's CreateCommand). */
  createCommand?: string[];
  /** The entrypoint its process's arguments start with (--entrypoint, else the image's), when it has one. */
  entrypoint?: string[];
}

/** --cap-add and --cap-drop (as `CAP_…` names), --privileged, --group-add, --device. */
export interface HostOptions {
  capAdd: string[];
  capDrop: string[];
  privileged: boolean;
  groupAdd: string[];
  /** --device's host paths and paths in the container (inspect's HostConfig.Devices); written when given. */
  devices?: Array<{ pathOnHost: string; pathInContainer: string }>;
  /** -P: its exposed ports were published on free host ports; written when given. */
  publishAll?: boolean;
  /** --device-read-bps and its kin, by the device paths given (inspect's HostConfig.BlkioDevice…); written when given. */
  blockIoThrottles?: Partial<Record<BlockIoThrottle, Array<{ path: string; rate: number }>>>;
}

/** podman's HealthConfig: the test (`CMD …`, `CMD-SHELL …`) and its timing, durations in nanoseconds as Go's. */
export interface HealthCheck {
  test: string[];
  intervalNs: number;
  timeoutNs: number;
  /** Failures within this time after a start do not count. */
  startPeriodNs: number;
  /** Failures in a row that make it unhealthy. */
  retries: number;
}

/** podman's health-on-failure actions, besides `none`. */
export type HealthOnFailure = 'kill' | 'restart' | 'stop';

/** podman's HealthCheckResults: the status, the failures in a row and the last results. */
export interface HealthState {
  status: 'starting' | 'healthy' | 'unhealthy';
  failingStreak: number;
  log: Array<{ start: string; end: string; exitCode: number; output: string }>;
}

/** The run options behind a container's /etc/hosts and /etc/resolv.conf. */
export interface HostsAndDns {
  addHosts?: string[];
  dnsServers?: string[];
  dnsSearch?: string[];
  dnsOptions?: string[];
  noHosts?: boolean;
}

/** podman's restart policies; `maxRetries` (on-failure:N) bounds on-failure's restarts, 0 for none. */
export interface RestartPolicy {
  name: 'no' | 'on-failure' | 'always' | 'unless-stopped';
  maxRetries?: number;
}

/** A secret mounted in a container (podman's Config.Secrets): its name and ID, and its file's owner and mode there. */
export interface ContainerSecret {
  name: string;
  id: string;
  uid: number;
  gid: number;
  mode: number;
}

/** A volume a container mounts, by name; `anonymous`: made for it, and removed with it by `rm -v` and `--rm`. */
export interface ContainerVolume {
  name: string;
  destination: string;
  anonymous?: boolean;
}

/** Seed 000's ContainerState: the OCI state plus what the manager learned. */
export interface ContainerState {
  status: ContainerStatus;
  /** PID of the init process while it lives; 0 after it exited. */
  pid: number;
  /** The init PID and its /proc start time, kept after exit: a reused PID never passes for it. */
  initPid: number;
  initStartTime?: string;
  conmonPid?: number;
  conmonStartTime?: string;
  created: string;
  started?: string;
  finished?: string;
  exitCode?: number;
  oomKilled: boolean;
  /** Why the last operation on it failed, if it did. */
  error?: string;
  /** PIDs of execs in flight. */
  execPids: number[];
  /** Restarts by its restart policy since it was last started by hand. */
  restartCount?: number;
  /** The exit (its `finished` time) whose died event is recorded: a second cleanup of the same exit records none. */
  diedEventFor?: string;
  /** The results of its health check, once it has been checked (a container with a check starts as `starting`). */
  health?: HealthState;
}

const CONFIG_FILE = 'berth-container.json';
const STATE_FILE = 'state.json';
/** Held while a process reads, changes and writes state.json. */
const STATE_LOCK_FILE = 'state.lock';

/** Lets go of this process's descriptor of the state lock of the container whose records were in `persistDir` (removed). */
export function releaseStateLock(persistDir: string): void {
  releaseLockFile(join(persistDir, STATE_LOCK_FILE));
}

export class Container {
  readonly config: ContainerConfig;
  #state: ContainerState;

  constructor(config: ContainerConfig, state?: ContainerState) {
    this.config = config;
    this.#state = state ?? { status: ContainerStatus.Created, pid: 0, initPid: 0, created: config.createdAt, oomKilled: false, execPids: [] };
  }

  get id(): string {
    return this.config.id;
  }
  get name(): string {
    return this.config.name;
  }
  /** A copy: changes go through setState, which persists them. */
  get state(): ContainerState {
    return structuredClone(this.#state);
  }
  get exitFile(): string {
    return join(this.config.persistDir, 'exit');
  }
  get oomFile(): string {
    return join(this.config.bundlePath, 'oom');
  }
  get statePath(): string {
    return join(this.config.persistDir, STATE_FILE);
  }

  /**
   * Applies `change` to the state as state.json holds it and writes it back
   * atomically (temp file + rename) before returning. Several processes
   * update one container (its cleanup, a status refresh in `ps`, a verb):
   * under the state's lock each reads the file afresh, so a field this
   * process did not change (a restart count another process raised) is never
   * written back from an older copy. Without fsync: a state change happens
   * several times per run, a crash of the process still leaves the old or the
   * new file, and after a power loss the state is found again from conmon's
   * exit files and the runtime, which is what recovery trusts anyway.
   */
  async setState(change: Partial<ContainerState>): Promise<void> {
    await this.#updateOnDisk((current) => ({ ...current, ...change }));
  }

  /** Applies the change `update` makes from the state as state.json holds it, under the state's lock (as setState); resolves to the new state. */
  async updateState(update: (current: ContainerState) => Partial<ContainerState>): Promise<ContainerState> {
    await this.#updateOnDisk((current) => ({ ...current, ...update(current) }));
    return this.state;
  }

  /**
   * Records what a status refresh learned (`change`) about the run this
   * object describes (its status and init process), unless the state on disk
   * has moved on since this process read it: another process may have
   * recorded the exit already, or run the container again (a restart
   * policy), and an observation of the old run written over that would mark
   * a running container stopped. Resolves to false when it did not apply;
   * this object then holds the state on disk.
   */
  async recordObserved(change: Partial<ContainerState>): Promise<boolean> {
    const seen = this.#state;
    let applied = false;
    await this.#updateOnDisk((current) => {
      if (!sameRun(current, seen)) return undefined;
      applied = true;
      return { ...current, ...change };
    });
    return applied;
  }

  /**
   * Whether state.json now tells of another run or status than this object
   * (another process moved the container on); if so, this object takes it.
   * A look without the lock, for a refresh that waits on a run that may be over.
   */
  movedOn(): boolean {
    const current = readState(this.config.persistDir);
    if (!current || sameRun(current, this.#state)) return false;
    this.#state = current;
    return true;
  }

  /**
   * Under the state's lock, `update` of state.json's content (this object's
   * own state if the file is missing) is written and kept; when it gives
   * undefined, the content read is kept and nothing is written. The lock
   * lives beside state.json and is never made with its directory: a
   * container removed meanwhile fails here rather than leave a directory.
   */
  async #updateOnDisk(update: (current: ContainerState) => ContainerState | undefined): Promise<void> {
    let lock: LockFile;
    try {
      lock = getLockFile(join(this.config.persistDir, STATE_LOCK_FILE), { createDirectory: false });
    } catch (err) {
      throw new OciError('container-not-found', `container ${this.id}: its records are gone (${this.config.persistDir})`, { id: this.id }, { cause: err });
    }
    await lock.withLock(() => {
      const current = readState(this.config.persistDir) ?? this.#state;
      const next = update(current);
      if (next) writeFileAtomicSync(this.statePath, JSON.stringify(next), { noSync: true });
      this.#state = next ?? current;
    });
  }

  /**
   * Writes the config (once, at creation) and the initial state. The config
   * of an auto-removed container is not synced either: its store records are
   * volatile (podman's --rm), so after a power loss it is gone as a whole.
   */
  async save(): Promise<void> {
    writeFileAtomicSync(join(this.config.persistDir, CONFIG_FILE), JSON.stringify(this.config), { noSync: this.config.autoRemove === true });
    writeFileAtomicSync(this.statePath, JSON.stringify(this.#state), { noSync: true });
  }

  /**
   * Changes what the container is made of after its creation (network
   * connect and disconnect): the config written again atomically. The caller
   * keeps other writers of the config out.
   */
  updateConfig(change: Partial<ContainerConfig>): void {
    Object.assign(this.config, change);
    writeFileAtomicSync(join(this.config.persistDir, CONFIG_FILE), JSON.stringify(this.config), { noSync: this.config.autoRemove === true });
  }

  /** A container saved in `persistDir` by save(); undefined when none was. */
  static fromDisk(persistDir: string): Container | undefined {
    let configText: string;
    try {
      configText = readFileSync(join(persistDir, CONFIG_FILE), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
    try {
      const config = JSON.parse(configText) as ContainerConfig;
      const state = readState(persistDir);
      if (!state) throw new Error(`${STATE_FILE} is missing`);
      return new Container(config, state);
    } catch (err) {
      throw new OciError('state-corrupt', `container record in ${persistDir}: ${(err as Error).message}`, { persistDir }, { cause: err });
    }
  }
}

/** Whether two states tell of the same run (init process) in the same status. */
function sameRun(a: ContainerState, b: ContainerState): boolean {
  return a.status === b.status && a.initPid === b.initPid && a.initStartTime === b.initStartTime;
}

/** state.json in `persistDir`; undefined when there is none. */
function readState(persistDir: string): ContainerState | undefined {
  let text: string;
  try {
    text = readFileSync(join(persistDir, STATE_FILE), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
  return JSON.parse(text) as ContainerState;
}

/** Seed 000's ContainerStorer: the containers one process holds, by ID. */
export class ContainerStorer {
  readonly #byId = new Map<string, Container>();

  add(container: Container): void {
    this.#byId.set(container.id, container);
  }
  get(id: string): Container | undefined {
    return this.#byId.get(id);
  }
  delete(id: string): void {
    this.#byId.delete(id);
  }
  list(): Container[] {
    return [...this.#byId.values()];
  }
}
