// The podman-like container engine: a container is a store container (its
// RW layer on the image's top layer, mounted through the store) plus an oci
// Container run by conmon and runc/crun, its records in the store
// container's directories. Daemonless: every process finds the containers
// again from those records, the exit files and the runtime.

import { existsSync, mkdirSync, statSync, type Stats } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { join } from 'node:path';
import { idToHost } from '../idmap/index.js';
import { getLockFile, releaseLockFile, type LockFile } from '../lock/index.js';
import type { Change } from '../archive/index.js';
import type { CommitOptions } from './commit.js';
import { isStorageError, type Container as StoreContainer, type IDMap, type Image, type Store } from '../storage/index.js';
import { generateRandomId, goTimeNow, isErrno, isoTime, splitOnce, nameMatchingShortName, removeFile, removeTree, writeFileAtomicSync } from '../util/index.js';
import {
  Container, ContainerStatus, ExecSyncError, capabilityName, commandOf, containerHostname, devicePaths, entrypointOf, Runtime, formatRuntimeConfig, generateSpec, parseSignal, releaseStateLock, resolveUser, runtimeHandler,
  type HealthState, type HealthOnFailure, type AttachSession, type AttachStreams, type ContainerStats, type HostOptions, type HostsAndDns, type OciMount, type PendingConmon, type RestartPolicy, type ExecSyncResult, type ExitCommand, type LogRecord, type OciLinuxResources, type RuntimeConfig, type SpecOptions, type JoinableNamespace, type ImageRunConfig, type LogDriver,
} from '../oci/index.js';
import { EngineError, isEngineError } from './errors.js';
import { berthExitCommand, execExitCommand, type ExitCleanup } from './exit-command.js';
import { imageRunConfig } from './image-config.js';
import { readLog, type LogReadOptions } from './logs.js';
import { containerMetadata } from './metadata.js';
import type { TopTable } from './top.js';
import { prepareUserNamespaceDirs } from './userns.js';
import { checkNetworkFileOptions, writeContainerFiles, zoneFileOf } from './container-files.js';
import { EventLog } from '../events/index.js';
import { clearExecSessions, execSessionIds, recordExecSession } from './exec-sessions.js';
import { withContainerDefaults, type ContainerDefaults } from './containers-conf.js';
import { checkNoDependents, joinedNamespacePath, joinedNamespacePaths, rejoinedSpec, sharedNetworkFileMounts, type JoinedContainers } from './joined-namespaces.js';
import { healthAfter, healthCheckOf, healthCommand, startingHealth, type HealthCheckOptions } from './health.js';
import { hasVolumes, type ImageVolumeMode } from './volume-specs.js';
import { userMountsOf, volumeNamesOf } from './user-mounts.js';
import type { AttachedVolumes, InheritedMounts, VolumeVerbs } from './volumes.js';
import type { SecretRequest } from './container-secrets.js';
import { connectNetwork, defaultNetworkName, DNSNAME_DOMAIN, isIpv4Cidr, disconnectNetwork, inspectNetwork, parseExposed, publishedOnFreePorts, readAttachment, setupNetwork, teardownNetwork, type NetworkAttachment, type NetworkDefaults, type PortMapping, type StaticAddresses } from '../network/index.js';

export interface EngineOptions {
  store: Store;
  runtimeConfig: RuntimeConfig;
  /** The cgroup every container's own cgroup goes under (podman's --cgroup-parent); default `/berth`. */
  cgroupParent?: string;
  /**
   * CNI conflists and plugins for containers created with `networks` and the network verbs;
   * given as a reader, it is read once, when first needed (the CLI's reads containers.conf).
   */
  cni?: CniSettings | (() => CniSettings);
  /**
   * What conmon runs once a container this engine creates has exited
   * (podman's cleanup process), given its ID and whether it is to be
   * removed. Default: this package's `berth container cleanup` (see
   * berthExitCommand) on this engine's store, with a berth.conf of this
   * engine's runtime handlers written beside the container's records, so
   * that a container nobody waits for is cleaned up (with autoRemove
   * removed) by a process that knows its runtime.
   */
  exitCommand?: (id: string, cleanup: ExitCleanup) => ExitCommand;
  /**
   * What containers.conf gives the containers this engine creates (see
   * containerDefaultsOf), or a function that reads it when the first is
   * created (the verbs that create none never read it). Default: none, the
   * built-in defaults.
   */
  containerDefaults?: ContainerDefaults | (() => ContainerDefaults);
}

export interface CreateOptions extends Omit<SpecOptions, 'id' | 'rootfs' | 'idMaps' | 'initBinary'> {
  /** podman's --init: an init (catatonit) runs the command as PID 1, forwarding signals and reaping orphans (default: containers.conf's init). */
  init?: boolean;
  /** podman's --init-path: the init binary on the host (default: containers.conf's init_path, else DEFAULT_INIT_PATH). */
  initPath?: string;
  /** podman's --env-host: the caller's whole environment, before `env` (default: containers.conf's env_host). */
  envHost?: boolean;
  /** podman's --passwd (default true): a numeric user the image's /etc/passwd lacks gets an entry there. */
  passwd?: boolean;
  /** podman's --passwd-entry: that entry's template ($USERNAME, $UID, $GID, $NAME, $HOME). */
  passwdEntry?: string;
  /** podman's --requires: containers (names or IDs) started before it at each start, and not removed while it exists. */
  requires?: string[];
  /** podman's --volumes-from: `CONTAINER[:ro|rw|z,…]`, whose volumes and binds it mounts too, where its own mounts leave room. */
  volumesFrom?: string[];
  /** The container's ID maps (podman's --uidmap/--gidmap): its files and a user namespace. */
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /** podman's --userns=auto: maps from the store's automatic user namespaces. */
  autoUserNs?: boolean;
  /** `--userns=auto:size=N`: that many IDs instead of what the image needs. */
  autoUserNsSize?: number;
  /** Image name, ID or ID prefix in the store (unused with `rootfs`). */
  image: string;
  /** podman's --rootfs: an absolute host directory it runs in and writes into, instead of an image (its store container has an empty layer of its own). */
  rootfs?: string;
  name?: string;
  /** Runtime handler; default: the configured default. */
  runtime?: string;
  labels?: Record<string, string>;
  /** Signal name or number; default: the image's STOPSIGNAL, else SIGTERM. */
  stopSignal?: string;
  /** Seconds before SIGKILL on stop; default 10. */
  stopTimeout?: number;
  logSizeMax?: number;
  /** podman's --secret: secrets of the store as files (default /run/secrets/NAME) or variables. */
  secrets?: SecretRequest[];
  /** podman's --pidfile: an absolute path where the runtime writes the container's PID at each start. */
  pidFile?: string;
  /** podman's --conmon-pidfile: an absolute path where conmon writes its PID at each start. */
  conmonPidFile?: string;
  /** podman's --log-driver: k8s-file (the default, else containers.conf's log_driver) or none. */
  logDriver?: LogDriver;
  /** podman's --timeout: seconds after each start at which conmon kills the container (its exit code -1); 0 or absent: never. */
  timeout?: number;
  /** podman's --http-proxy: the host's proxy variables in its environment (default: containers.conf's http_proxy, else true). */
  httpProxy?: boolean;
  /** podman's --rmi (with autoRemove): its exit command removes its image too, once it has removed the container. */
  removeImage?: boolean;
  /** podman's --tz: the zone (`Area/City`, or `local`) whose file becomes its /etc/localtime. */
  timezone?: string;
  /** podman's `--network container:REF` and the like: the running containers whose namespaces it joins, by namespace. */
  joinContainers?: Partial<Record<JoinableNamespace, string>>;
  /** Keep stdin open for an attach client (podman's -i). */
  interactive?: boolean;
  /**
   * CNI networks to attach (podman's --network bridge|NAME); none: no CNI. With neither this
   * nor `network`, containers.conf's netns chooses (networkMode), else a private namespace.
   */
  networks?: string[];
  /** Published ports (-p), given to portmap. */
  portMappings?: PortMapping[];
  /** podman's --ip and --mac-address: its address and MAC on its one CNI network. */
  staticAddresses?: StaticAddresses;
  /** podman's --network-alias: more names it has on its networks with DNS. */
  networkAliases?: string[];
  /** podman's -P: also publish the image's exposed ports and `expose`'s, each on a host port free at the create. */
  publishAll?: boolean;
  /** podman's --expose: `port[/proto]` or `first-last[/proto]`, published by `publishAll`. */
  expose?: string[];
  /** podman's --rm: the exit command removes the container once it has exited. */
  autoRemove?: boolean;
  /** podman's --cgroup-parent: the cgroup its own goes under, instead of the engine's. */
  cgroupParent?: string;
  /**
   * Seconds conmon waits before it runs the exit command after the first run
   * (conmon is spawned here): a foreground run cleans up itself, and its exit
   * command, only there for when that process dies, should not compete with
   * it for the CPU. A later start of the exited container chooses its own
   * (start's `exitCommandDelay`).
   */
  exitCommandDelay?: number;
  /** podman's --image-volume for the image's VOLUMEs: anonymous volumes (`bind`, the default), tmpfs, or none. */
  imageVolumes?: ImageVolumeMode;
  /** podman's --restart: run again by its cleanup when it exits (not with autoRemove). */
  restartPolicy?: RestartPolicy;
  /** --add-host, --dns, --dns-search, --dns-option, --no-hosts. */
  hostsAndDns?: HostsAndDns;
  /** --health-cmd and its flags, over the image's HEALTHCHECK; `disabled`: --no-healthcheck. */
  healthCheck?: HealthCheckOptions;
  /** podman's --health-on-failure: what an unhealthy result of `healthcheck run` does to the container. */
  healthOnFailure?: HealthOnFailure;
  /** The command line that made it, as podman's inspect shows it (Config.CreateCommand). */
  createCommand?: string[];
}

export interface StartOptions {
  /**
   * For an exited container, whose start spawns a new conmon: seconds that
   * conmon waits before the exit command, for a caller that follows this run
   * and cleans up itself (finishRun). Default none: a detached start is
   * cleaned up at once after the exit. A created container's conmon was
   * spawned by create, with create's delay.
   */
  exitCommandDelay?: number;
}

/** A container as `ps` and `inspect` show it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  /** `storage`: a container of the store that another tool made (podman ps --external). */
  status: ContainerStatus | 'storage';
  exitCode?: number;
  oomKilled: boolean;
  pid: number;
  created: string;
  started?: string;
  finished?: string;
  runtime: string;
  logPath: string;
  labels: Record<string, string>;
  /** Where the user's binds and volumes are mounted (podman ps's Mounts). */
  mounts: string[];
  /** The named and anonymous volumes it mounts. */
  volumes: string[];
  /** The CNI networks it joins. */
  networks: string[];
  /** Its health (starting, healthy, unhealthy) when it has a health check. */
  health?: string;
}

/** Where the CNI network configs are, the dirs searched for their plugins (CNI_PATH), and the default subnets. */
export interface CniSettings {
  configDir: string;
  pluginDirs: string[];
  defaults?: NetworkDefaults;
}

export class ContainerEngine {
  readonly store: Store;
  readonly runtime: Runtime;
  readonly cgroupParent: string;
  #cni: EngineOptions['cni'];
  readonly #exitCommand: EngineOptions['exitCommand'];
  #containerDefaults: ContainerDefaults | (() => ContainerDefaults) | undefined;
  readonly #lockDir: string;
  /**
   * Runtime deletes started by run() for a --rm container that has exited, by
   * its ID, for the removal that follows (finishRun) to finish instead of starting
   * its own.
   */
  readonly #runtimeDeletes = new Map<string, Promise<void>>();
  /** podman's events of this store's containers and volumes (its file logger's format). */
  readonly events: EventLog;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.cgroupParent = checkedCgroupParent(options.cgroupParent ?? '/berth');
    this.#cni = options.cni;
    this.#exitCommand = options.exitCommand;
    this.#containerDefaults = options.containerDefaults;
    const base = join(options.store.runRoot, 'berth');
    this.runtime = new Runtime({ config: options.runtimeConfig, exitDir: join(base, 'exits'), socketDir: join(base, 'socket') });
    this.#lockDir = join(base, 'locks');
    this.events = new EventLog(options.store.runRoot);
  }

  /**
   * The store container (named, with CRI-O's metadata), its mount, the spec
   * and bundle, and `runtime create` under conmon. Anything made is removed
   * again if a later step fails.
   */
  async create(given: CreateOptions): Promise<Container> {
    return this.#create(given, generateRandomId(), false);
  }

  /**
   * podman's run without an attach (which must come before the start): the
   * container created and started in one go, `runtime start` following
   * conmon's report at once, then `follow` with it under watch()'s lock,
   * taken before the start, so that the container's exit command cannot
   * clean up after it before `follow` is done. An error of `follow` leaves
   * the container as it is.
   */
  async run<T>(given: CreateOptions, follow: (container: Container) => Promise<T>): Promise<T> {
    const id = generateRandomId();
    const lock = this.#lock(id);
    let created = false;
    try {
      return await lock.withRLock(async () => {
        const container = await this.#create(given, id, true);
        created = true;
        const result = await follow(container);
        if (given.autoRemove) await this.#startRuntimeDeleteIfExited(container);
        return result;
      });
    } finally {
      // A create that failed leaves no container, nor its lock file.
      if (!created) this.#removeLockFile(id);
    }
  }

  /**
   * A --rm container that `follow` saw to its exit is removed next
   * (finishRun): its runtime delete (crun 1.8: ~13 ms here, most of what
   * the removal waits for) starts now rather than after the removal has
   * taken the container's lock and read it again. Nothing else can start it
   * meanwhile: the run holds its lock, and a restart policy is refused with
   * --rm. One that runs on (detached) is left alone.
   */
  async #startRuntimeDeleteIfExited(container: Container): Promise<void> {
    // A follower that waited on this object has seen the exit already.
    if (container.state.status !== ContainerStatus.Stopped) await this.runtime.updateContainerStatus(container);
    if (container.state.status !== ContainerStatus.Stopped) return;
    const deleting = this.runtime.deleteContainer(container);
    // Its error is the removal's, should one come; none is left unhandled if no removal follows.
    deleting.catch(() => undefined);
    this.#runtimeDeletes.set(container.id, deleting);
  }

  /** The runtime's delete of the container: the one run() started, or a new one. */
  #deleteInRuntime(container: Container): Promise<void> {
    const started = this.#runtimeDeletes.get(container.id);
    this.#runtimeDeletes.delete(container.id);
    return started ?? this.runtime.deleteContainer(container);
  }

  /** create() with its ID chosen by the caller (the name and metadata go into the store's one record write); `start`: run's. */
  async #create(given: CreateOptions, id: string, start: boolean): Promise<Container> {
    const defaults = this.#defaults();
    checkJoinOptions(given);
    const joined = await this.#joinedContainers(given.joinContainers);
    // In another container's UTS namespace, its name is this one's too.
    const named = joined.uts ? { ...given, hostname: joined.uts.config.spec.hostname ?? osHostname() } : given;
    const options = withContainerDefaults(named, defaults, () => defaultNetworkName(this.cni?.defaults));
    const { config } = this.runtime;
    const handler = runtimeHandler(config, options.runtime ?? (config.defaultRuntimeChosen ? undefined : defaults.runtime));
    if (options.autoRemove && options.restartPolicy && options.restartPolicy.name !== 'no') {
      throw new EngineError('invalid-option', 'the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"', { restart: options.restartPolicy.name });
    }
    const cgroupParent = options.cgroupParent === undefined ? this.cgroupParent : checkedCgroupParent(options.cgroupParent);
    if (options.hostsAndDns) checkNetworkFileOptions(options.hostsAndDns, options.networks?.length ? 'cni' : options.network ?? 'private');
    checkHostNamespaceOptions(options);
    if (options.staticAddresses) checkStaticAddresses(options.staticAddresses, options.networks ?? []);
    if (options.timezone !== undefined) zoneFileOf(options.timezone);
    const initBinary = options.init ? checkedInitBinary(options.initPath ?? DEFAULT_INIT_PATH) : undefined;
    const inherited = options.volumesFrom?.length ? await this.#volumesFrom(options.volumesFrom) : undefined;
    const requires = options.requires?.length ? await this.#requiredIds(options.requires) : undefined;
    // A run starts what it requires first, as its start would.
    if (start) for (const required of requires ?? []) await this.#startIfStopped(required);
    if (options.rootfs !== undefined) checkRootfs(options);
    const image = options.rootfs === undefined ? await this.findImage(options.image) : undefined;
    const imageConfig: ImageRunConfig = image ? await imageRunConfig(this.store, image) : {};
    const portMappings = await this.#portMappings(options, imageConfig);
    const stopSignal = parseSignal(options.stopSignal ?? imageConfig.StopSignal ?? 'SIGTERM');
    const healthCheck = healthCheckOf(imageConfig.Healthcheck ?? undefined, options.healthCheck);
    const entrypoint = entrypointOf(imageConfig, options);
    const created = new Date();
    const name = options.name === undefined ? `berth-${id.slice(0, 12)}` : checkedContainerName(options.name);
    let idMaps: SpecOptions['idMaps'];
    let dirs: { persistDir: string; bundlePath: string } | undefined;
    let madeVolumes: string[] = [];
    try {
      const made = await this.store.createContainer({
        id,
        image: image?.id,
        names: [name],
        metadata: JSON.stringify(containerMetadata({ name, imageName: image ? options.image : '', imageId: image?.id ?? '', created })),
        uidMap: options.uidMap,
        gidMap: options.gidMap,
        autoUserNs: options.autoUserNs,
        autoUserNsOpts: options.autoUserNsSize ? { size: options.autoUserNsSize } : undefined,
        // As podman does for --rm (and CRI-O for every container): a container that will not outlive
        // its run is not worth an fsync. Its records go to the volatile files, written without one,
        // and its overlay is mounted `volatile`, so that its unmount does not sync the upper's disk.
        volatile: options.autoRemove === true,
      });
      if (made.uidMap?.length || made.gidMap?.length) idMaps = { uidMap: made.uidMap ?? [], gidMap: made.gidMap ?? [] };
    } catch (err) {
      if (isStorageError(err, 'duplicate-name')) {
        throw nameInUse(name, err);
      }
      throw err;
    }
    let monitor: PendingConmon | undefined;
    const joinedIds = Object.keys(joined).length ? mapValues(joined, (target) => target.id) : undefined;
    const dependencies = dependenciesOf({ joined: joinedIds, requires });
    try {
      const persistDir = await this.store.containerDirectory(id);
      const bundlePath = await this.store.containerRunDirectory(id);
      dirs = { persistDir, bundlePath };
      const logPath = join(persistDir, 'ctr.log');
      const logSizeMax = options.logSizeMax ?? -1;
      const logDriver = options.logDriver === 'none' ? 'none' : undefined;
      const stdin = options.interactive === true;
      const timeout = options.timeout || undefined;
      const exitCommand = await this.#exitCommandFor(id, persistDir, { remove: options.autoRemove === true, removeImage: options.removeImage === true });
      // conmon's own start (~10 ms here) goes on while the root filesystem, the spec and the records are made.
      monitor = this.runtime.spawnMonitor(
        { id, name, runtimeHandler: handler.name, bundlePath, persistDir, logPath, logDriver, pidFile: options.pidFile, conmonPidFile: options.conmonPidFile, logSizeMax, timeout, stdin, exitCommand, terminal: options.terminal === true },
        { exitDelaySeconds: options.exitCommandDelay },
      );
      const rootfs = options.rootfs ?? await this.store.mount(id);
      if (idMaps) prepareUserNamespaceDirs({ rootfs, persistDir, bundlePath }, idMaps);
      const user = options.user ?? imageConfig.User ?? '';
      if (options.passwd !== false && /^\d/.test(user)) (await import('./passwd-entry.js')).addPasswdEntry(rootfs, user, options.passwdEntry);
      const attachment = options.networks?.length ? await this.#setupNetwork(id, persistDir, { name, networks: options.networks, portMappings, staticAddresses: options.staticAddresses, networkAliases: options.networkAliases }) : undefined;
      const netns = attachment?.netns;
      const secrets = options.secrets?.length ? await (await import('./container-secrets.js')).attachSecrets(this.store.graphRoot, options.secrets, dirs, idMaps) : undefined;
      const fileMounts = [...newContainerFileMounts(options, { id, name, bundlePath }, attachment, joined.network), ...(secrets?.mounts ?? [])];
      // The spec and the record, with the mounts of the container's volumes when it has any.
      const record = async (attached?: AttachedVolumes): Promise<Container> => {
        const mounts = attached ? { volumes: attached.binds, tmpfs: attached.tmpfs, mounts: [...fileMounts, ...attached.mounts] } : { mounts: fileMounts };
        const spec = generateSpec(imageConfig, {
          cgroupsPath: `${cgroupParent}/berth-${id}`, ...options, ...mounts, ...(secrets?.env.length ? { env: [...(options.env ?? []), ...secrets.env] } : {}), id, rootfs, networkNamespacePath: netns, joinedNamespacePaths: joinedNamespacePaths(joined), idMaps, initBinary,
        });
        const made = new Container({
          id,
          name,
          runtimeHandler: handler.name,
          bundlePath,
          persistDir,
          logPath,
          ...(image ? { imageId: image.id, imageName: options.image } : { rootfs }),
          labels: { ...(imageConfig.Labels ?? {}), ...(options.labels ?? {}) },
          annotations: options.annotations ?? {},
          stopSignal,
          stopTimeout: options.stopTimeout ?? 10,
          spec,
          createdAt: isoTime(created.getTime()),
          logSizeMax,
          ...(logDriver ? { logDriver } : {}),
          ...(options.pidFile ? { pidFile: options.pidFile } : {}),
          ...(options.conmonPidFile ? { conmonPidFile: options.conmonPidFile } : {}),
          ...(secrets?.records.length ? { secrets: secrets.records } : {}),
          ...(secrets?.envNames.length ? { secretEnv: secrets.envNames } : {}),
          ...(timeout ? { timeout } : {}),
          ...(joinedIds ? { joined: joinedIds } : {}),
          ...(requires ? { requires } : {}),
          ...(options.timezone !== undefined ? { timezone: options.timezone } : {}),
          stdin,
          exitCommand,
          autoRemove: options.autoRemove === true,
          ...(options.networks?.length ? { networks: options.networks, portMappings } : {}),
          ...(options.networks?.length && options.staticAddresses ? { staticAddresses: options.staticAddresses } : {}),
          ...(options.networks?.length && options.networkAliases?.length ? { networkAliases: options.networkAliases } : {}),
          ...(attached?.volumes.length ? { volumes: attached.volumes } : {}),
          ...(options.volumesFrom?.length ? { volumesFrom: options.volumesFrom } : {}),
          ...(options.restartPolicy && options.restartPolicy.name !== 'no' ? { restartPolicy: options.restartPolicy } : {}),
          ...(options.hostsAndDns ? { hostsAndDns: options.hostsAndDns } : {}),
          ...(healthCheck ? { healthCheck } : {}),
          ...(healthCheck && options.healthOnFailure ? { healthOnFailure: options.healthOnFailure } : {}),
          ...(hostOptionsOf(options) ?? {}),
          ...(user ? { user } : {}),
          ...(options.createCommand ? { createCommand: options.createCommand } : {}),
          ...(entrypoint.length ? { entrypoint } : {}),
        });
        madeVolumes = attached?.made ?? [];
        await made.save();
        return made;
      };
      const imageVolumes = options.imageVolumes ?? 'bind';
      const container = inherited || hasVolumes(options.volumes ?? [], imageConfig, imageVolumes)
        ? await (await import('./volumes.js')).withVolumesAttached(this.store.graphRoot, this.events, {
          specs: options.volumes ?? [], tmpfs: options.tmpfs ?? [], image: imageConfig, imageVolumes, inherited, rootfs, user, idMaps,
        }, record)
        : await record();
      await this.#addDependent(id, dependencies);
      await this.runtime.createContainer(container, { start, monitor });
      // podman's create and init: Berth's create makes the runtime's container too.
      this.#event(container, 'create');
      this.#event(container, 'init');
      if (start) this.#event(container, 'start');
      return container;
    } catch (err) {
      await monitor?.abandon();
      await this.#dropDependent(id, dependencies);
      await this.#removeStoreContainer(id, dirs);
      await this.#removeVolumes(madeVolumes);
      throw err;
    }
  }

  /**
   * The died event of the container's last exit, once: the caller holds its
   * lock, and a second cleanup of the same exit (a foreground run's, then
   * its exit command's) finds it recorded. A container about to be removed
   * needs no note of it (no second cleanup finds it).
   */
  async #recordDied(container: Container, note: boolean): Promise<void> {
    const { finished, exitCode, diedEventFor } = container.state;
    if (finished !== undefined && diedEventFor === finished) return;
    this.#event(container, 'died', { ContainerExitCode: exitCode ?? 0 });
    if (note) await container.setState({ diedEventFor: finished });
  }

  /** Records a container's event, with podman's attributes (its labels) and its image and name. */
  #event(container: Container, status: string, extra: { ContainerExitCode?: number; health_status?: string } = {}): void {
    this.events.record({ ID: container.id, Image: container.config.imageName ?? '', Name: container.name, Status: status, Type: 'container', Attributes: container.config.labels, ...extra });
  }

  /** The log driver of a container made with `options`: theirs, else containers.conf's, else k8s-file (a foreground run attaches to one without a log). */
  logDriverOf(options: Pick<CreateOptions, 'logDriver'>): LogDriver {
    return options.logDriver ?? this.#defaults().logDriver ?? 'k8s-file';
  }

  /** The CNI settings, read once when given as a reader; undefined when the engine has none. */
  get cni(): CniSettings | undefined {
    if (typeof this.#cni === 'function') this.#cni = this.#cni();
    return this.#cni;
  }

  /** containers.conf's defaults, read once (at the first create) when given as a reader. */
  #defaults(): ContainerDefaults {
    if (typeof this.#containerDefaults === 'function') this.#containerDefaults = this.#containerDefaults();
    return this.#containerDefaults ?? {};
  }

  /** The given exit command, or the default one with the engine's runtime handlers in a berth.conf in `persistDir`. */
  async #exitCommandFor(id: string, persistDir: string, cleanup: ExitCleanup): Promise<ExitCommand> {
    if (this.#exitCommand) return this.#exitCommand(id, cleanup);
    const berthConf = join(persistDir, 'berth.conf');
    writeFileAtomicSync(berthConf, formatRuntimeConfig(this.runtime.config), { noSync: true });
    return berthExitCommand(this.store, id, cleanup, { env: process.env, berthConf });
  }

  /**
   * An image in the store by ID, ID prefix or name; a short name (`busybox`,
   * `busybox:1`) matches a stored name with any registry and path before it,
   * as podman resolves short names against local images first.
   */
  async findImage(ref: string): Promise<Image> {
    try {
      return await this.store.image(ref);
    } catch (err) {
      if (!isStorageError(err, 'image-unknown')) throw err;
    }
    const matches = (await this.store.images()).filter((image) => nameMatchingShortName(image.names, ref) !== undefined);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new EngineError('image-unknown', `short name ${JSON.stringify(ref)} matches several images: ${matches.map((m) => m.names[0]).join(', ')}`, { image: ref });
    }
    throw new EngineError('image-unknown', `image ${JSON.stringify(ref)} is not in the store`, { image: ref });
  }

  /** Starts a created container; an exited one runs again from the same record (as podman start does). */
  async start(ref: string, options: StartOptions = {}): Promise<Container> {
    const container = await this.get(ref);
    // What it requires runs first (podman's --requires), also before a rerun.
    for (const required of container.config.requires ?? []) await this.#startIfStopped(required);
    if (container.state.status === ContainerStatus.Stopped) return this.#rerun(container.id, options);
    await startedByHand(container);
    await this.runtime.startContainer(container);
    this.#event(container, 'start');
    return container;
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<Container> {
    const container = await this.get(ref);
    if (container.state.status !== ContainerStatus.Stopped && container.state.status !== ContainerStatus.Created) {
      await this.#stopByUser(container, { timeoutSeconds });
    }
    const restarted = container.state.status === ContainerStatus.Stopped ? await this.#rerun(container.id) : await this.#startCreated(container);
    this.#event(restarted, 'restart');
    return restarted;
  }

  async #startCreated(container: Container): Promise<Container> {
    await startedByHand(container);
    await this.runtime.startContainer(container);
    this.#event(container, 'start');
    return container;
  }

  /**
   * An exited container started again: its root filesystem mounted, the
   * runtime's container made anew. Under its lock, so that the cleanup
   * process of its last run cannot unmount it midway (it comes after and
   * finds it running, or before and leaves it for this to mount).
   */
  async #rerun(id: string, options: StartOptions = {}): Promise<Container> {
    return this.#lock(id).withLock(async () => {
      const container = await this.#load(id);
      if (container.state.status === ContainerStatus.Stopped) {
        await this.#prepareRerun(container);
        await this.runtime.recreateContainer(container, { exitDelaySeconds: options.exitCommandDelay });
        this.#event(container, 'init');
      }
      return this.#startCreated(container);
    });
  }

  /** What its cleanup undid: the root filesystem mounted, the CNI networks set up again (in the namespace its spec names); its health starting again. */
  async #prepareRerun(container: Container): Promise<void> {
    // The last run's detached exec sessions are no longer listed, as podman drops them at a start.
    clearExecSessions(container.config.persistDir);
    // The namespaces of the containers it joins, as their inits have them now (for this run's config.json);
    // one that does not run is started first, as podman starts a container's dependencies.
    const { joined } = container.config;
    if (joined) {
      for (const target of new Set(Object.values(joined))) await this.#startIfStopped(target);
      Object.assign(container.config, { spec: rejoinedSpec(container.config.spec, await this.#joinedContainers(joined)) });
    }
    if (!container.config.rootfs) await this.store.mount(container.id);
    if (container.config.healthCheck) await container.updateState((current) => ({ health: startingHealth(current.health) }));
    const { networks, persistDir, spec, bundlePath, hostsAndDns, timezone } = container.config;
    if (container.config.secrets?.length) (await import('./container-secrets.js')).prepareSecretsMountDir(bundlePath, spec.mounts);
    // A container made on CNI networks keeps its own namespace, also after it has left all of them (disconnect).
    let attachment = networks ? await readAttachment(networkStateFile(persistDir)) : undefined;
    if (networks && !attachment) attachment = await this.#setupNetwork(container.id, persistDir, container.config);
    // Written again: a new run may have new addresses (and a run directory on tmpfs is gone after a reboot).
    const ownNetwork = spec.linux.namespaces.some((ns) => ns.type === 'network');
    containerFileMounts({ id: container.id, name: container.name, hostname: spec.hostname ?? osHostname(), bundlePath, network: ownNetwork ? 'private' : 'host', networks, hostsAndDns, timezone }, attachment);
  }

  /**
   * An exited container's cleanup (its exit command's, or after a refused
   * restore): the runtime's container deleted, and its cgroup with it, as
   * podman's cleanupRuntime does (a start makes it anew), the CNI networks
   * torn down, the root filesystem unmounted (podman too unmounts before
   * the delete).
   */
  async #cleanUpExited(container: Container): Promise<void> {
    const release = async (): Promise<void> => {
      await teardownNetwork(networkStateFile(container.config.persistDir));
      await this.#unmount(container.id);
    };
    await this.#deleteInRuntimeWith(container, release);
  }

  /**
   * The runtime's delete and `undo` (what the container holds outside the
   * runtime). For an exited container they run at once: nothing of it runs
   * any more, and the runtime's delete (crun 1.8: two execs of itself and a
   * freeze of the empty cgroup, ~13-20 ms here) reads only the runtime's own
   * state, not the bundle or the root filesystem. A container that may still
   * run (created, or removed by force) is deleted first, its processes killed
   * with it. Should the delete fail once `undo` is done, the error is still
   * the caller's.
   */
  async #deleteInRuntimeWith(container: Container, undo: () => Promise<void>): Promise<void> {
    if (container.state.status !== ContainerStatus.Stopped) {
      await this.#deleteInRuntime(container);
      return undo();
    }
    const [deleted, undone] = await Promise.allSettled([this.#deleteInRuntime(container), undo()]);
    if (deleted.status === 'rejected') throw deleted.reason;
    if (undone.status === 'rejected') throw undone.reason;
  }

  /** The container by name, ID or unique ID prefix, its state brought up to date. */
  async get(ref: string): Promise<Container> {
    return this.#load(await this.#idOf(ref));
  }

  /**
   * The container `ref` names, read as get() reads it; or `ref` itself, a
   * container as run() hands it to its follower, which is followed without
   * being read again.
   */
  #given(ref: string | Container): Promise<Container> {
    return typeof ref === 'string' ? this.get(ref) : Promise.resolve(ref);
  }

  /**
   * podman ps --external: the store's containers that Berth did not make (podman's, buildah's, the Go
   * tool's), as ps lists them: their names, image and creation, with the status `storage`.
   */
  async externalContainers(): Promise<ContainerInfo[]> {
    const external: ContainerInfo[] = [];
    for (const { stored, record } of await this.#storedRecords()) {
      if (record) continue;
      const image = stored.imageId ? await this.store.image(stored.imageId).catch(() => undefined) : undefined;
      external.push({
        id: stored.id, name: stored.names[0] ?? '', image: image?.names[0] ?? stored.imageId, imageId: stored.imageId, command: ['storage'],
        status: 'storage', oomKilled: false, pid: 0, created: stored.created, runtime: '', logPath: '', labels: {}, mounts: [], volumes: [], networks: [],
      });
    }
    return external;
  }

  /** Every container Berth made in this store, with its true state (one removed meanwhile is left out). */
  async list(): Promise<Container[]> {
    const found: Container[] = [];
    for (const stored of await this.store.containers()) {
      try {
        found.push(await this.#load(stored.id));
      } catch (err) {
        if (!isEngineError(err, 'container-unknown', 'not-berth')) throw err;
      }
    }
    return found;
  }

  async #idOf(ref: string): Promise<string> {
    try {
      return (await this.store.container(ref)).id;
    } catch (err) {
      if (isStorageError(err, 'container-unknown')) throw unknownContainer(ref, err);
      throw err;
    }
  }

  /**
   * The container's record with its state brought up to date. A failure
   * while another process removes the container (its files go from under
   * the read) is `container-unknown`, as the container is then.
   */
  async #load(id: string): Promise<Container> {
    let container: Container | undefined;
    try {
      container = Container.fromDisk(await this.store.containerDirectory(id));
      if (container) await this.runtime.updateContainerStatus(container);
    } catch (err) {
      if (isStorageError(err, 'container-unknown') || !(await this.store.exists(id))) throw unknownContainer(id, err);
      throw err;
    }
    if (!container) throw new EngineError('not-berth', `container ${id} was not made by berth (no runtime record)`, { id });
    return container;
  }

  /**
   * The lock that orders the ends of a container's life across processes:
   * its cleanup process, rm, a foreground run that removes it, a rerun. A
   * file per container beside the exit files; removing the container
   * removes it (a process still waiting for it then finds no container).
   */
  #lock(id: string): LockFile {
    return getLockFile(this.#lockPath(id));
  }

  #lockPath(id: string): string {
    return join(this.#lockDir, id);
  }

  /** A removed container's lock file, and this process's descriptor of it once the lock is let go. */
  #removeLockFile(id: string): void {
    const path = this.#lockPath(id);
    removeFile(path);
    releaseLockFile(path);
  }

  /**
   * Runs `fn` on the container (given its ID), a caller following it to its
   * exit (run, attach, wait, logs -f), with the container's lock shared: its
   * cleanup process waits until `fn` is done, so that the container, its log
   * and its exit code are still there for `fn` even with --rm. `fn` must not
   * take the lock itself (remove, cleanup, start of an exited container).
   */
  async watch<T>(ref: string, fn: (id: string) => Promise<T>): Promise<T> {
    const id = await this.#idOf(ref);
    return this.#lock(id).withRLock(() => fn(id));
  }

  /**
   * podman's `container cleanup`, what conmon's exit command runs once the
   * container has exited: the exit code recorded, the network torn down, the
   * root filesystem unmounted; with `remove`, the container removed as rm
   * does. Under the container's lock, so that of it and a concurrent rm,
   * foreground run or second cleanup, the second finds nothing to do.
   * `stoppedOnly` (the exit command's): a container already removed or
   * running again is nothing to do rather than an error. Resolves to the
   * container's ID, or undefined when there was nothing to do.
   */
  async cleanup(ref: string, options: { remove?: boolean; stoppedOnly?: boolean } = {}): Promise<string | undefined> {
    return (await this.#cleanup(ref, options))?.container.id;
  }

  /**
   * The end of a foreground run, once the container has exited: what its
   * exit command would do (cleanup, with `remove` the removal), done here,
   * and that command ended while conmon still delays it, so that it costs
   * nothing. Outside watch(): this takes the lock.
   */
  async finishRun(id: string, options: { remove?: boolean } = {}): Promise<void> {
    const done = await this.#cleanup(id, { remove: options.remove, stoppedOnly: true });
    // A container its restart policy ran again has a new conmon; the old one's command then finds it running.
    if (done && !done.restarted) this.runtime.cancelExitCommand(done.container);
  }

  async #cleanup(ref: string, options: { remove?: boolean; stoppedOnly?: boolean }): Promise<{ container: Container; restarted: boolean } | undefined> {
    const gone = (err: unknown): undefined => {
      if (options.stoppedOnly && isEngineError(err, 'container-unknown')) return undefined;
      throw err;
    };
    let id: string;
    try {
      id = await this.#idOf(ref);
    } catch (err) {
      return gone(err);
    }
    return this.#lock(id).withLock(async () => {
      let container: Container;
      try {
        container = await this.#load(id);
      } catch (err) {
        return gone(err);
      }
      const { status } = container.state;
      if (status !== ContainerStatus.Stopped) {
        if (options.stoppedOnly) return undefined;
        throw new EngineError('invalid-state', `container ${id} is ${status}, refusing to clean up: only an exited container is cleaned up`, { id, status });
      }
      await this.#recordDied(container, options.remove !== true);
      if (!options.remove && restartsAfter(container)) {
        await this.#restartByPolicy(container);
        return { container, restarted: true };
      }
      // podman's --rm takes the container's anonymous volumes with it.
      if (options.remove) await this.#removeLocked(container, { volumes: true });
      else await this.#cleanUpExited(container);
      return { container, restarted: false };
    });
  }

  /** podman's handleRestartPolicy: the exited container run again at once, its restart counted (the caller holds its lock). */
  async #restartByPolicy(container: Container): Promise<void> {
    await this.#prepareRerun(container);
    await this.runtime.recreateContainer(container);
    await container.setState({ restartCount: (container.state.restartCount ?? 0) + 1 });
    await this.runtime.startContainer(container);
    this.#event(container, 'restart');
  }

  /**
   * stop, kill, restart and rm -f. A container with a restart policy is
   * marked first (a file of its own: state.json is rewritten whole by every
   * process that updates it), so that its cleanup does not run it again;
   * and as its cleanup may have been running it again just then, it is
   * looked at once more after that cleanup (which holds its lock) is done.
   */
  async #stopByUser(container: Container, how: { timeoutSeconds?: number; signal?: number; locked?: boolean } = {}): Promise<void> {
    const halt = async (target: Container): Promise<void> => {
      if (how.signal === undefined) await this.runtime.stopContainer(target, how.timeoutSeconds);
      else await this.runtime.signalContainer(target, how.signal);
    };
    if (!container.config.restartPolicy) return halt(container);
    writeFileAtomicSync(stoppedByUserFile(container), '', { noSync: true });
    // Between two runs (exited, or made again by its cleanup and not yet started) the mark alone ends the restarts:
    // there is no process to signal, also when its process exits just as the signal goes.
    const stillRuns = async (target: Container): Promise<boolean> => {
      const { status } = (await this.#load(target.id)).state;
      return status === ContainerStatus.Running || status === ContainerStatus.Paused;
    };
    const haltIfRunning = async (target: Container): Promise<void> => {
      const { status } = target.state;
      if (status !== ContainerStatus.Running && status !== ContainerStatus.Paused) return;
      try {
        await halt(target);
      } catch (err) {
        if (await stillRuns(target)) throw err;
      }
    };
    await haltIfRunning(container);
    // Under its lock already (rm's second look), no cleanup can run it again meanwhile.
    if (how.locked) return;
    await this.#lock(container.id).withRLock(async () => haltIfRunning(await this.#load(container.id)));
  }

  /**
   * Waits for the exit; the root filesystem is unmounted once it exited,
   * unless `keepMounted` (a caller about to remove the container, which
   * unmounts it then, saves a second unmount and records write). `ref`: a
   * name or ID, or the container run() handed its follower.
   */
  async wait(ref: string | Container, options: { signal?: AbortSignal; keepMounted?: boolean } = {}): Promise<number> {
    const container = await this.#given(ref);
    const code = await this.runtime.waitContainer(container, options.signal);
    if (!options.keepMounted) await this.#unmount(container.id);
    return code;
  }

  /**
   * Waits until the container is in one of `statuses` (podman's wait
   * --condition), looking every `intervalMs`; resolves to its exit code
   * when that is exited, else to -1, as podman prints. A container removed
   * meanwhile is `container-unknown`.
   */
  async waitFor(ref: string, statuses: ReadonlySet<ContainerStatus>, intervalMs: number, signal?: AbortSignal): Promise<number> {
    const id = await this.#idOf(ref);
    for (;;) {
      const { status, exitCode } = (await this.#load(id)).state;
      if (statuses.has(status)) return status === ContainerStatus.Stopped ? exitCode ?? 0 : -1;
      signal?.throwIfAborted();
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /**
   * podman's `container init`: ready to start. An exited container gets its
   * root filesystem and runtime container again (as a start would, without
   * starting it); a created one has them already. A running or paused one
   * is refused, as podman refuses it.
   */
  async init(ref: string): Promise<Container> {
    const id = await this.#idOf(ref);
    return this.#lock(id).withLock(async () => {
      const container = await this.#load(id);
      const { status } = container.state;
      if (status === ContainerStatus.Running || status === ContainerStatus.Paused) {
        throw new EngineError('invalid-state', `container ${id} has already been created in runtime: container state improper`, { id, status });
      }
      if (status === ContainerStatus.Stopped) {
        await this.#prepareRerun(container);
        await this.runtime.recreateContainer(container);
        this.#event(container, 'init');
      }
      return container;
    });
  }

  /** podman's stop: a running or paused container stopped (its stop signal, then SIGKILL); a created one stays as it is, as podman leaves it. */
  async stop(ref: string, timeoutSeconds?: number): Promise<Container> {
    const container = await this.get(ref);
    if (container.state.status === ContainerStatus.Created) return container;
    await this.#stopByUser(container, { timeoutSeconds });
    await this.#unmount(container.id);
    this.#event(container, 'stop');
    return container;
  }

  async kill(ref: string, signal: string | number = 'SIGKILL'): Promise<Container> {
    const number = parseSignal(signal);
    const container = await this.get(ref);
    await this.#stopByUser(container, { signal: number });
    this.#event(container, 'kill');
    return container;
  }

  /** Attaches to a created or running container (see Runtime.attachContainer). */
  async attach(ref: string, streams: AttachStreams, size: { rows?: number; cols?: number } = {}): Promise<{ container: Container; session: AttachSession }> {
    const container = await this.get(ref);
    return { container, session: await this.runtime.attachContainer(container, streams, size) };
  }

  async resize(ref: string, rows: number, cols: number): Promise<void> {
    this.runtime.resizeContainer(await this.get(ref), rows, cols);
  }

  /** The container's processes (its cgroup's members, read from /proc). */
  /**
   * The container's processes under podman's descriptors (names or AIX
   * codes, comma-separated or not; none: the default), checked before
   * anything is read.
   */
  async top(ref: string, requested: readonly string[]): Promise<TopTable> {
    const { topDescriptors, topTable } = await import('./top.js');
    const descriptors = topDescriptors(requested);
    const container = await this.get(ref);
    const { root, linux } = container.config.spec;
    const idMap = (maps?: Array<{ containerID: number; hostID: number; size: number }>) => maps?.map((m) => ({ containerId: m.containerID, hostId: m.hostID, size: m.size }));
    return topTable(await this.runtime.containerProcesses(container), descriptors, { rootfs: root.path, uidMap: idMap(linux.uidMappings), gidMap: idMap(linux.gidMappings) });
  }

  /** conmon starts a new log file; the caller renamed the old one first (rotation). */
  async reopenLog(ref: string): Promise<void> {
    await this.runtime.reopenContainerLog(await this.get(ref));
  }

  /**
   * podman's cp: one side is `container:path`. The container's root is mounted for the copy (it may be
   * stopped) and unmounted after. Into a container, the copy's files belong to the container's user (on
   * the host side of its ID maps), unless `archive` is false (they keep the host's owners); `overwrite`
   * lets a directory and a file replace each other.
   */
  async copy(source: string, target: string, options: { archive?: boolean; overwrite?: boolean } = {}): Promise<void> {
    const [from, to] = [splitContainerPath(source), splitContainerPath(target)];
    if (Boolean(from) === Boolean(to)) {
      throw new EngineError('invalid-option', 'copying needs exactly one side of the form CONTAINER:PATH', { source, target });
    }
    const side = (from ?? to)!;
    await this.#withRootMounted(side.ref, async (root, container) => {
      // The archive code (zlib, zstd, the apply worker) loads only for a copy: every other verb would pay for it at start.
      const { copyIn, copyOut } = await import('./copy.js');
      if (from) await copyOut(root, from.path, target);
      else await copyIn(root, source, to!.path, { owner: options.archive === false ? undefined : await this.#hostOwner(container), overwrite: options.overwrite });
    });
  }

  /** The container's process user (uid and gid in its spec) as its files are owned on the host: through its ID maps. */
  async #hostOwner(container: Container): Promise<{ uid: number; gid: number }> {
    const { uidMap, gidMap } = await this.store.container(container.id);
    const { uid, gid } = container.config.spec.process.user;
    return { uid: idToHost(uid, uidMap), gid: idToHost(gid, gidMap) };
  }

  /**
   * `export`: the container's root filesystem as a tar, written to `output`.
   * The root is mounted for the export (the container may be stopped) and
   * unmounted after; `end: false` leaves `output` open (stdout).
   */
  async export(ref: string, output: NodeJS.WritableStream, options: { end?: boolean } = {}): Promise<void> {
    await this.#withRootMounted(ref, async (root, container) => {
      const stored = await this.store.container(container.id);
      // Loaded only for an export, as copy.js is for a copy.
      const { exportRoot } = await import('./export.js');
      await exportRoot(root, stored, output, options.end ?? true);
    });
  }

  /**
   * `fn` on the container's mounted root, with the container's lock shared:
   * the cleanup of a container that exits meanwhile (conmon's exit command
   * unmounts with force) waits until `fn` is done. `fn` gets the container as read under the lock.
   */
  async #withRootMounted(ref: string, fn: (root: string, container: Container) => Promise<void>): Promise<void> {
    const id = await this.#idOf(ref);
    await this.#lock(id).withRLock(async () => {
      const container = await this.#load(id);
      // A --rootfs container's root is its directory, never mounted.
      if (container.config.rootfs) return fn(container.config.rootfs, container);
      const root = await this.store.mount(container.id);
      try {
        await fn(root, container);
      } finally {
        await this.store.unmount(container.id);
      }
    });
  }

  /**
   * podman mount: the container's root mounted once more (the store counts
   * the mounts), and its path. The container's own cleanup, after it exits,
   * unmounts every mount of it.
   */
  async mount(ref: string): Promise<string> {
    const id = await this.#idOf(ref);
    return this.#lock(id).withRLock(async () => (await this.#load(id)).config.rootfs ?? this.store.mount(id));
  }

  /** podman unmount: one mount fewer (every one with force); whether the root is still mounted. */
  async unmount(ref: string, options: { force?: boolean } = {}): Promise<boolean> {
    const id = await this.#idOf(ref);
    return this.#lock(id).withRLock(() => this.store.unmount(id, { force: options.force }));
  }

  /** podman diff: what the container's layer changed against its image's (an image: its top layer against the one below). */
  async changes(ref: string): Promise<Change[]> {
    let layer: string | undefined;
    try {
      layer = (await this.store.container(ref)).layerId;
    } catch (err) {
      if (!isStorageError(err, 'container-unknown')) throw err;
      layer = (await this.findImage(ref).catch((cause: unknown) => {
        throw new EngineError('object-unknown', `no such object: ${JSON.stringify(ref)}`, { ref }, { cause });
      })).topLayer;
    }
    // podman leaves out the paths it mounts into every container, in an image's diff too.
    return layer ? (await this.store.changes(layer)).filter((change) => !CONTAINER_MOUNTS.has(change.path)) : [];
  }

  /**
   * podman commit: the container's root filesystem as a new image on its
   * image; the new image's ID. `pause` stops the container's processes while
   * its layer is read, so that the image holds one moment of it.
   */
  async commit(ref: string, options: CommitOptions & { pause?: boolean } = {}): Promise<string> {
    const container = await this.get(ref);
    if (container.config.rootfs) throw new EngineError('invalid-option', `container ${container.id} runs in the directory ${container.config.rootfs}, not on a layer of the store: nothing to commit`, { id: container.id });
    // Loaded only for a commit: the image copy code (as copy.js for a copy).
    const { commitContainer } = await import('./commit.js');
    const pause = options.pause === true && container.state.status === ContainerStatus.Running;
    if (pause) await this.pause(container.id);
    try {
      return await commitContainer(this.store, container, options);
    } finally {
      if (pause) await this.unpause(container.id);
    }
  }

  /** podman rename: the container's new name, in the store's names, its metadata and its record. */
  async rename(ref: string, newName: string): Promise<Container> {
    checkedContainerName(newName);
    const id = await this.#idOf(ref);
    return this.#lock(id).withLock(async () => {
      const container = await this.#load(id);
      // The store's SetNames takes a name from the container that has it, as Go's does: the
      // check is podman's own. (A container made with the name meanwhile by another process
      // would lose it; create, which refuses a taken name, does not have that window.)
      const holder = await this.store.container(newName).catch((err: unknown) => {
        if (isStorageError(err, 'container-unknown')) return undefined;
        throw err;
      });
      if (holder && holder.id !== id && holder.names.includes(newName)) {
        throw nameInUse(newName);
      }
      await this.store.setNames(id, [newName]);
      const metadata = JSON.parse(await this.store.metadata(id) || '{}') as Record<string, unknown>;
      await this.store.setMetadata(id, JSON.stringify({ ...metadata, name: newName, 'metadata-name': newName }));
      container.config.name = newName;
      await container.save();
      this.#event(container, 'rename');
      return container;
    });
  }

  async pause(ref: string): Promise<void> {
    const container = await this.get(ref);
    await this.runtime.pauseContainer(container);
    this.#event(container, 'pause');
  }

  async unpause(ref: string): Promise<void> {
    const container = await this.get(ref);
    await this.runtime.unpauseContainer(container);
    this.#event(container, 'unpause');
  }

  /**
   * Changes a running container's resources (the runtime's update) and
   * records them in its spec, so that inspect shows them and its next start
   * keeps them, as podman's update does.
   */
  async update(ref: string, resources: OciLinuxResources): Promise<void> {
    const id = await this.#idOf(ref);
    await this.#lock(id).withRLock(async () => {
      await this.runtime.updateContainer(await this.#load(id), resources);
      await this.#rewriteConfig(id, async (container) => {
        const { spec } = container.config;
        container.updateConfig({ spec: { ...spec, linux: { ...spec.linux, resources: mergedResources(spec.linux.resources, resources) } } });
      });
    });
  }

  /**
   * Runs `change` on the container as its records are now, under its config
   * lock, so that two rewrites of its config (an update, a network change, a
   * dependent's coming or going) do not lose one another's change.
   */
  async #rewriteConfig<T>(id: string, change: (container: Container) => Promise<T>): Promise<T> {
    const persistDir = await this.store.containerDirectory(id);
    return getLockFile(configLockPath(persistDir), { createDirectory: false }).withLock(async () => change(await this.#load(id)));
  }

  async stats(ref: string): Promise<ContainerStats> {
    return this.runtime.containerStats(await this.get(ref));
  }

  /** Runs `command` to completion under conmon; `user` is `name[:group]` or `uid[:gid]` as in the image. */
  async exec(ref: string, command: string[], options: { timeoutSeconds?: number; env?: string[]; cwd?: string; user?: string; privileged?: boolean } = {}): Promise<ExecSyncResult> {
    const container = await this.get(ref);
    const user = this.#user(container, options.user);
    return this.#withExecEvents(container, () => this.runtime.execSyncContainer(container, command, { ...options, user }), (result) => result.exitCode);
  }

  /**
   * podman's exec and exec_died events around an exec into a running
   * container, with its exit code when it ran to its end (a timeout or a
   * failure to run has none). In a container that is not running the
   * runtime refuses the exec: no session, no events.
   */
  async #withExecEvents<T>(container: Container, run: () => Promise<T>, exitCodeOf: (result: T) => number): Promise<T> {
    if (container.state.status !== ContainerStatus.Running) return run();
    this.#event(container, 'exec');
    let exitCode: number | undefined;
    try {
      const result = await run();
      exitCode = exitCodeOf(result);
      return result;
    } finally {
      this.#event(container, 'exec_died', exitCode === undefined ? {} : { ContainerExitCode: exitCode });
    }
  }

  #user(container: Container, user: string | undefined): { uid: number; gid: number } | undefined {
    if (user === undefined) return undefined;
    const { uid, gid } = resolveUser(container.config.spec.root.path, user);
    return { uid, gid };
  }

  /** The container's log records (CRI format), optionally followed until it exits; `ref` as wait() takes it. */
  async *logs(ref: string | Container, options: LogReadOptions = {}): AsyncGenerator<LogRecord> {
    const container = await this.#given(ref);
    if (container.config.logDriver === 'none') {
      throw new EngineError('invalid-state', 'this container is using the \'none\' log driver, cannot read logs: this container is not logging output', { id: container.id });
    }
    const exit = {
      exited: async (): Promise<boolean> => {
        await this.runtime.updateContainerStatus(container);
        return container.state.status === ContainerStatus.Stopped;
      },
      exitOrTimeout: (ms: number) => this.runtime.exitOrTimeout(container, ms, options.signal),
    };
    yield* readLog(container.config.logPath, exit, options);
  }

  /**
   * podman exec -d: the command started in the container, not waited for.
   * Resolves to its session's ID (listed by execSessions while the process
   * runs) and its PID (the host's).
   */
  async execDetached(ref: string, command: string[], options: { env?: string[]; cwd?: string; user?: string; privileged?: boolean } = {}): Promise<{ sessionId: string; pid: number }> {
    const container = await this.get(ref);
    const sessionId = generateRandomId();
    const exitCommand = container.config.exitCommand && execExitCommand(container.config.exitCommand, sessionId, container.id);
    const pid = await this.runtime.execDetachedContainer(container, sessionId, command, { ...options, user: this.#user(container, options.user), exitCommand });
    recordExecSession(container.config.persistDir, sessionId);
    this.#event(container, 'exec');
    return { sessionId, pid };
  }

  /**
   * podman's `container cleanup --exec`, what a detached exec session's conmon
   * runs once its process has exited: the exec_died event with its exit code,
   * and the session's files gone (its record stays listed until the container
   * runs again).
   * A container removed meanwhile, or a session already cleaned up, is nothing to do.
   */
  async cleanupExecSession(ref: string, sessionId: string): Promise<void> {
    // It names a directory: an exec session's ID is 64 hex digits, as execDetached makes it.
    if (!/^[0-9a-f]{64}$/.test(sessionId)) throw new EngineError('invalid-option', `invalid exec session ID ${JSON.stringify(sessionId)}`, { session: sessionId });
    let container: Container;
    try {
      container = await this.get(ref);
    } catch (err) {
      if (isEngineError(err, 'container-unknown')) return;
      throw err;
    }
    const exitCode = this.runtime.execSessionExit(container, sessionId);
    if (exitCode === undefined) return;
    // Its files go; its record stays, listed in ExecIDs as podman lists an exited session.
    removeTree(this.runtime.execSessionDir(container, sessionId));
    this.#event(container, 'exec_died', { ContainerExitCode: exitCode });
  }

  /**
   * podman's healthcheck run: the container's check run once in it (with the
   * check's timeout) and its result recorded in its health, as podman's
   * timers would run it. Resolves to the result and the health after it.
   */
  async healthCheck(ref: string): Promise<{ healthy: boolean; health: HealthState }> {
    const container = await this.get(ref);
    const check = container.config.healthCheck;
    if (!check) throw new EngineError('invalid-state', `container ${container.id} has no defined healthcheck`, { id: container.id });
    if (container.state.status !== ContainerStatus.Running) {
      throw new EngineError('invalid-state', `container ${container.id} is not running`, { id: container.id, status: container.state.status });
    }
    const start = goTimeNow();
    const startedMs = Date.parse(container.state.started ?? '') || 0;
    const inStartPeriod = Date.now() < startedMs + check.startPeriodNs / 1e6;
    let exitCode: number;
    let output: string;
    try {
      const result = await this.runtime.execSyncContainer(container, healthCommand(check.test), { timeoutSeconds: Math.max(1, Math.ceil(check.timeoutNs / 1e9)) });
      exitCode = result.exitCode;
      output = Buffer.concat([result.stdout, result.stderr]).toString();
    } catch (err) {
      if (!(err instanceof ExecSyncError)) throw err;
      // Timed out, or could not run: a failure, as podman counts it.
      exitCode = 1;
      output = err.message;
    }
    const { health } = await container.updateState((current) => ({ health: healthAfter(current.health, check, { start, exitCode, output, inStartPeriod }) }));
    this.#event(container, 'health_status', { health_status: health!.status });
    if (health!.status === 'unhealthy') await this.#actOnUnhealthy(container);
    return { healthy: exitCode === 0, health: health! };
  }

  /** podman's health-on-failure: an unhealthy container killed, stopped or restarted, as its --health-on-failure says. */
  async #actOnUnhealthy(container: Container): Promise<void> {
    switch (container.config.healthOnFailure) {
      case 'kill': await this.kill(container.id); break;
      case 'stop': await this.stop(container.id); break;
      case 'restart': await this.restart(container.id); break;
      default: break;
    }
  }

  /** The IDs of the container's detached exec sessions since it last started, running or exited (podman inspect's ExecIDs). */
  execSessions(container: Container): string[] {
    return execSessionIds(container.config.persistDir);
  }

  /** Exec with the caller's stdio (and a terminal with `tty`); resolves to the process's status. */
  async execInteractive(ref: string, command: string[], options: { tty?: boolean; env?: string[]; cwd?: string; user?: string; privileged?: boolean } = {}): Promise<number> {
    const container = await this.get(ref);
    const user = this.#user(container, options.user);
    return this.#withExecEvents(container, () => this.runtime.execContainer(container, command, { ...options, user }), (status) => status);
  }

  async checkpoint(ref: string, options: { leaveRunning?: boolean } = {}): Promise<void> {
    const container = await this.get(ref);
    const imagePath = join(container.config.persistDir, 'checkpoint');
    mkdirSync(imagePath, { recursive: true });
    await this.runtime.checkpointContainer(container, { imagePath, workPath: container.config.persistDir, leaveRunning: options.leaveRunning });
  }

  /**
   * Restores a stopped container from its checkpoint: a new run of it, so
   * under its lock as a rerun is (its cleanup process, rm or a second start
   * come before or after, not midway). A refused restore undoes what it
   * prepared: the root filesystem is unmounted and the network torn down again.
   */
  async restore(ref: string): Promise<void> {
    const id = await this.#idOf(ref);
    await this.#lock(id).withLock(async () => {
      const container = await this.#load(id);
      if (container.state.status !== ContainerStatus.Stopped) {
        throw new EngineError('invalid-option', `container ${id} is ${container.state.status}: only a stopped, checkpointed container can be restored`, { id });
      }
      await this.#prepareRerun(container);
      try {
        await this.runtime.restoreContainer(container, join(container.config.persistDir, 'checkpoint'));
      } catch (err) {
        await this.#cleanUpExited(container);
        throw err;
      }
    });
  }

  /**
   * Removes the container: refused while it runs unless `force` (then it is
   * stopped first as stop does: its stop signal, SIGKILL after
   * `timeoutSeconds`, by default its own stop timeout, as podman rm -f),
   * then the runtime's record, the mount, the store container.
   */
  async remove(ref: string, options: { force?: boolean; volumes?: boolean; timeoutSeconds?: number } = {}): Promise<string> {
    const found = await this.get(ref);
    // Before a stop: one that others join is refused whole, also with force (podman's).
    await checkNoDependents(found, (id) => this.store.exists(id));
    const { id } = await this.#stopForRemoval(found, options, false);
    await this.#lock(id).withLock(async () => {
      let container: Container;
      try {
        container = await this.#load(id);
      } catch (err) {
        // Its cleanup process removed it (run --rm) while this one waited for the lock.
        if (isEngineError(err, 'container-unknown')) return;
        throw err;
      }
      await this.#removeLocked(await this.#stopForRemoval(container, options, true), { volumes: options.volumes });
    });
    return id;
  }

  /**
   * podman's container prune: removes every container that is neither running nor paused (created ones
   * too), of those `chosen` takes (its --filter); resolves to their IDs.
   */
  async prune(chosen: (container: Container) => boolean = () => true): Promise<string[]> {
    const removed: string[] = [];
    for (const container of await this.list()) {
      const { status } = container.state;
      if (status === ContainerStatus.Running || status === ContainerStatus.Paused || !chosen(container)) continue;
      try {
        removed.push(await this.remove(container.id));
      } catch (err) {
        // Started meanwhile (a start, its restart policy), removed by another process, or joined by a container
        // that is still there (invalid-state): not for this prune.
        if (!isEngineError(err, 'container-running', 'container-unknown', 'invalid-state')) throw err;
      }
    }
    return removed;
  }

  /** Refuses a running or paused container, or with `force` stops it; done before the lock too (a foreground run holds it until the exit). */
  async #stopForRemoval(container: Container, options: { force?: boolean; timeoutSeconds?: number }, locked: boolean): Promise<Container> {
    const { status } = container.state;
    if (status !== ContainerStatus.Running && status !== ContainerStatus.Paused) return container;
    if (!options.force) {
      throw new EngineError('container-running', `cannot remove container ${container.id} as it is ${status} - running or paused containers cannot be removed without force`, { id: container.id, status });
    }
    await this.#stopByUser(container, { timeoutSeconds: options.timeoutSeconds, locked });
    return container;
  }

  /**
   * The runtime's container, and the store container with its network and
   * mount (at once, for an exited one), then the lock file; the caller holds
   * the lock.
   */
  async #removeLocked(container: Container, options: { volumes?: boolean }): Promise<void> {
    await checkNoDependents(container, (id) => this.store.exists(id));
    await this.#deleteInRuntimeWith(container, () => this.#removeStoreContainer(container.id, container.config));
    await this.#dropDependent(container.id, dependenciesOf(container.config));
    if (options.volumes) await this.#removeVolumes((container.config.volumes ?? []).filter((v) => v.anonymous).map((v) => v.name));
    this.#removeLockFile(container.id);
    this.#event(container, 'remove');
  }

  /** Volumes by name: a removed container's anonymous ones (`rm -v`, `--rm`; its named ones stay), or those a failed create made. */
  async #removeVolumes(names: string[]): Promise<void> {
    if (names.length > 0) await (await import('./volumes.js')).removeVolumes(this.store.graphRoot, names, this.events, () => this.#volumesInUse());
  }

  /** The volumes the store's containers mount, read from their records (a container removed meanwhile is passed by). */
  async #volumesInUse(): Promise<Set<string>> {
    const used = new Set<string>();
    for (const { record } of await this.#storedRecords()) {
      for (const name of record ? volumeNamesOf(record) : []) used.add(name);
    }
    return used;
  }

  /**
   * The store's containers, each with Berth's record read from its directory as it is (no state
   * refresh), undefined for one another tool made; one removed meanwhile is passed by.
   */
  async #storedRecords(): Promise<Array<{ stored: StoreContainer; record: Container | undefined }>> {
    const found: Array<{ stored: StoreContainer; record: Container | undefined }> = [];
    for (const stored of await this.store.containers()) {
      try {
        found.push({ stored, record: Container.fromDisk(await this.store.containerDirectory(stored.id)) });
      } catch (err) {
        if (!isStorageError(err, 'container-unknown')) throw err;
      }
    }
    return found;
  }

  /**
   * podman's --volumes-from: each named container's volumes (by name) and host binds, with their own mount
   * options, or all read-only (`:ro`) or writable (`:rw`); its tmpfs mounts are its own.
   */
  async #volumesFrom(specs: readonly string[]): Promise<InheritedMounts> {
    const inherited: InheritedMounts = { volumes: [], binds: [] };
    for (const spec of specs) {
      const [ref, flags] = splitOnce(spec, ':');
      let access: 'ro' | 'rw' | undefined;
      for (const flag of flags?.split(',') ?? []) {
        if (flag === 'ro' || flag === 'rw') access = flag;
        // SELinux relabelling: this host has none.
        else if (flag !== 'z') throw new EngineError('invalid-option', `invalid option ${JSON.stringify(flag)} specified - volumes from another container can only use z,ro,rw options`, { volumesFrom: spec });
      }
      let source: Container;
      try {
        source = await this.get(ref);
      } catch (err) {
        if (!isEngineError(err, 'container-unknown', 'not-berth')) throw err;
        throw new EngineError('container-unknown', `looking up container ${JSON.stringify(ref)} for volumes-from: no container with name or ID ${JSON.stringify(ref)} found: no such container`, { volumesFrom: spec }, { cause: err });
      }
      const volumes = new Map((source.config.volumes ?? []).map((volume) => [volume.destination, volume.name]));
      for (const mount of userMountsOf(source.config)) {
        const options = access ? withAccess(mount.options ?? [], access) : mount.options ?? [];
        const name = volumes.get(mount.destination);
        if (name === undefined) inherited.binds.push({ ...mount, options });
        else inherited.volumes.push({ name, destination: mount.destination, options });
      }
    }
    return inherited;
  }

  /** The containers `refs` names, by namespace: each one running (its namespace is joined at once, or refused). */
  async #joinedContainers(refs: Partial<Record<JoinableNamespace, string>> | undefined): Promise<JoinedContainers> {
    const joined: JoinedContainers = {};
    for (const [type, ref] of Object.entries(refs ?? {}) as Array<[JoinableNamespace, string]>) {
      const target = await this.get(ref);
      joinedNamespacePath(target, type);
      joined[type] = target;
    }
    return joined;
  }

  /** podman's --requires: the IDs of the containers named (each must exist; their state is the start's concern). */
  async #requiredIds(refs: readonly string[]): Promise<string[]> {
    const ids: string[] = [];
    for (const ref of refs) ids.push(await this.#idOf(ref));
    return [...new Set(ids)];
  }

  /** Starts container `id` unless it runs (or is paused). */
  async #startIfStopped(id: string): Promise<void> {
    const { status } = (await this.get(id)).state;
    if (status !== ContainerStatus.Running && status !== ContainerStatus.Paused) await this.start(id);
  }

  /** Records `id` among the dependents of each container it joins or requires. */
  async #addDependent(id: string, dependencies: readonly string[]): Promise<void> {
    for (const target of dependencies) {
      await this.#rewriteConfig(target, async (container) => container.updateConfig({ dependents: [...new Set([...(container.config.dependents ?? []), id])] }));
    }
  }

  /** Takes `id` off the dependents of the containers it joined or required (those still there). */
  async #dropDependent(id: string, dependencies: readonly string[]): Promise<void> {
    for (const target of dependencies) {
      await this.#rewriteConfig(target, async (container) => container.updateConfig({ dependents: (container.config.dependents ?? []).filter((d) => d !== id) }))
        .catch((err: unknown) => {
          if (!isEngineError(err, 'container-unknown') && !isStorageError(err, 'container-unknown')) throw err;
        });
    }
  }

  /** The volume verbs on this engine's store, aware of which of its containers use which volume. */
  async volumes(): Promise<VolumeVerbs> {
    const { VolumeVerbs } = await import('./volumes.js');
    return new VolumeVerbs(this.store.graphRoot, this.events, () => this.list(), (id, timeoutSeconds) => this.remove(id, { force: true, timeoutSeconds }));
  }

  info(container: Container): ContainerInfo {
    const state = container.state;
    return {
      id: container.id,
      name: container.name,
      image: container.config.imageName ?? '',
      imageId: container.config.imageId ?? '',
      command: commandOf(container.config.spec),
      status: state.status,
      exitCode: state.exitCode,
      oomKilled: state.oomKilled,
      pid: state.pid,
      created: state.created,
      started: state.started,
      finished: state.finished,
      runtime: container.config.runtimeHandler,
      logPath: container.config.logPath,
      labels: container.config.labels,
      mounts: userMountsOf(container.config).map((m) => m.destination),
      volumes: volumeNamesOf(container),
      networks: container.config.networks ?? [],
      ...(container.config.healthCheck ? { health: state.health?.status ?? 'starting' } : {}),
    };
  }

  /** The container's CNI attachment (namespace, IPs, published ports), if it has one. */
  async networkAttachment(container: Container): Promise<NetworkAttachment | undefined> {
    return readAttachment(networkStateFile(container.config.persistDir));
  }

  /**
   * podman network connect: the container joins CNI network `network`, at
   * once when its namespace is set up (created or running: the network is
   * ADDed on the next free ethN), and at each run from then on. Only a
   * container that is on CNI networks already can join another.
   */
  async connectNetwork(ref: string, network: string): Promise<void> {
    await this.#changeNetworks(ref, network, 'connect');
  }

  /** podman network disconnect: the container leaves `network` (DELeted from its namespace when set up). */
  async disconnectNetwork(ref: string, network: string): Promise<void> {
    await this.#changeNetworks(ref, network, 'disconnect');
  }

  /**
   * The container's lock shared (a foreground run holding it too does not
   * stand in the way; its cleanup, which tears the namespace down, does) and
   * its network lock held, so that two changes do not rewrite the
   * attachment and the config at once.
   */
  async #changeNetworks(ref: string, network: string, change: 'connect' | 'disconnect'): Promise<void> {
    const cni = this.cni;
    if (!cni) throw new EngineError('invalid-option', 'CNI networking is not configured for this engine', { network });
    const id = await this.#idOf(ref);
    await this.#lock(id).withRLock(async () => {
      const name = await this.#rewriteConfig(id, async (container) => {
        const { persistDir, networks: current } = container.config;
        if (!current) {
          throw new EngineError('invalid-state', `container ${id} is not on a CNI network (its --network is none, host or private): it cannot ${change} one`, { id, network });
        }
        const attached = existsSync(networkStateFile(persistDir));
        if (change === 'connect') {
          if (current.includes(network)) throw new EngineError('invalid-state', `container ${id} is already connected to network "${network}": network is already connected`, { id, network });
          await inspectNetwork(cni.configDir, network, cni.defaults); // podman's words for a network that does not exist
          if (attached) await connectNetwork(networkStateFile(persistDir), network, { configDir: cni.configDir, defaults: cni.defaults });
          container.updateConfig({ networks: [...current, network] });
        } else {
          if (!current.includes(network)) throw new EngineError('invalid-state', `container ${container.name} is not connected to network ${network}`, { id, network });
          if (attached) await disconnectNetwork(networkStateFile(persistDir), network);
          container.updateConfig({ networks: current.filter((name) => name !== network) });
        }
        return container.name;
      });
      this.events.record({ ID: id, Name: name, network, Status: change, Type: 'network', Attributes: null });
    });
  }

  /** The ports to publish: -p's, and with -P each exposed port (the image's, --expose's) that -p leaves out, on a free host port. */
  async #portMappings(options: CreateOptions, imageConfig: ImageRunConfig): Promise<PortMapping[] | undefined> {
    if (!options.publishAll) return options.portMappings;
    if (!options.networks?.length) throw new EngineError('invalid-option', '--publish-all needs a CNI network', { network: options.network });
    const exposed = [...Object.keys(imageConfig.ExposedPorts ?? {}), ...(options.expose ?? [])].flatMap(parseExposed);
    const given = options.portMappings ?? [];
    return [...given, ...await publishedOnFreePorts(exposed, given)];
  }

  async #setupNetwork(id: string, persistDir: string, options: Pick<CreateOptions, 'name' | 'networks' | 'portMappings' | 'staticAddresses' | 'networkAliases'>): Promise<NetworkAttachment> {
    if (!this.cni) throw new EngineError('invalid-option', 'CNI networking is not configured for this engine', { networks: options.networks });
    return setupNetwork({
      containerId: id, containerName: options.name, aliases: options.networkAliases, networks: options.networks ?? [], portMappings: options.portMappings, staticAddresses: options.staticAddresses,
      configDir: this.cni.configDir, pluginDirs: this.cni.pluginDirs, stateFile: networkStateFile(persistDir),
      defaults: this.cni.defaults,
    });
  }

  async #unmount(id: string): Promise<void> {
    try {
      if ((await this.store.mounted(id)) > 0) await this.store.unmount(id, { force: true });
    } catch (err) {
      if (!isStorageError(err, 'layer-unknown', 'container-unknown')) throw err;
    }
  }

  /**
   * Unmounts and deletes the store container (its RW layer and directories
   * go with it). `dirs`: the container's directories as its config has them
   * (none when creation failed before they were made).
   */
  async #removeStoreContainer(id: string, dirs: { persistDir: string; bundlePath: string } | undefined): Promise<void> {
    // The CNI DEL needs the attachment kept in the container's directory, so it goes first.
    if (dirs) await teardownNetwork(networkStateFile(dirs.persistDir));
    await this.#unmount(id);
    await this.store.deleteContainer(id).catch((err: unknown) => {
      if (!isStorageError(err, 'not-a-container', 'container-unknown')) throw err;
    });
    // The store removes the run directory with the container; this one is Berth's bundle even if the store had lost the record.
    if (dirs) {
      removeTree(dirs.bundlePath);
      // The locks that lived in the records' directory: this process would keep their descriptors.
      releaseStateLock(dirs.persistDir);
      releaseLockFile(configLockPath(dirs.persistDir));
    }
  }
}

/** What cannot go with joining another container's namespaces, refused as podman refuses it. */
function checkJoinOptions(options: CreateOptions): void {
  const joins = options.joinContainers ?? {};
  if (joins.uts !== undefined && options.hostname !== undefined) {
    throw new EngineError('invalid-option', 'cannot set hostname when joining the container\'s UTS namespace', { hostname: options.hostname });
  }
  if (joins.network !== undefined && (options.networks?.length || options.network === 'host' || options.network === 'none')) {
    throw new EngineError('invalid-option', `cannot join container ${joins.network}'s network namespace and have a network of its own`, { network: joins.network });
  }
  if (joins.network !== undefined && (options.portMappings?.length || options.publishAll)) {
    throw new EngineError('invalid-option', 'cannot set port bindings on an existing container network namespace', { network: joins.network });
  }
  for (const type of ['pid', 'ipc', 'uts'] as const) {
    if (joins[type] !== undefined && options[type] === 'host') throw new EngineError('invalid-option', `--${type}: the host's namespace or a container's, not both`, { [type]: joins[type] });
  }
}

/** `record`'s values through `map`. */
function mapValues<K extends string, V, W>(record: Partial<Record<K, V>>, map: (value: V) => W): Partial<Record<K, W>> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value as V)])) as Partial<Record<K, W>>;
}

/**
 * podman's --rootfs: an absolute directory that exists (podman's error otherwise); its overlay form
 * (`:O`) and ID maps, which would chown the user's own directory, are refused.
 */
function checkRootfs(options: CreateOptions): void {
  const dir = options.rootfs!;
  if (dir.endsWith(':O')) throw new EngineError('invalid-option', `--rootfs ${dir}: the overlay form (:O) is not supported by Berth; the directory itself is written into`, { rootfs: dir });
  if (options.uidMap?.length || options.gidMap?.length || options.autoUserNs) {
    throw new EngineError('invalid-option', '--rootfs with ID maps (--uidmap, --gidmap, --userns) is not supported: the directory\'s own files would be chowned', { rootfs: dir });
  }
  const stat = statOrRefuse(dir, 'running container create option', { rootfs: dir });
  if (!stat.isDirectory()) throw new EngineError('invalid-option', `--rootfs ${dir} is not a directory`, { rootfs: dir });
}

/** `path`'s stat, or podman's error for a path an option names that is not there: `WHAT: stat PATH: no such file or directory`. */
function statOrRefuse(path: string, what: string, detail: Record<string, string>): Stats {
  try {
    return statSync(path);
  } catch (err) {
    const why = isErrno(err, 'ENOENT') ? 'no such file or directory' : (err as Error).message;
    throw new EngineError('invalid-option', `${what}: stat ${path}: ${why}`, detail, { cause: err });
  }
}

/** podman's --ip (IPv4) and --mac-address, for a container on exactly one CNI network. */
function checkStaticAddresses(addresses: StaticAddresses, networks: readonly string[]): void {
  const { ip, mac } = addresses;
  // Not node:net's isIP: that module is kept off the run path (it loads the stream code).
  if (ip !== undefined && !isIpv4Cidr(`${ip}/32`)) throw new EngineError('invalid-option', `${JSON.stringify(ip)} is not an ip address`, { ip });
  if (mac !== undefined && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(mac)) throw new EngineError('invalid-option', `invalid argument ${JSON.stringify(mac)} for "--mac-address" flag: address ${mac}: invalid MAC address`, { mac });
  const flag = ip !== undefined ? '--ip' : '--mac-address';
  if (networks.length === 0) throw new EngineError('invalid-option', `${flag} can only be set when the network mode is bridge: invalid argument`, { ip, mac });
  if (networks.length > 1) throw new EngineError('invalid-option', `${flag} can only be set for a single network, not ${networks.join(', ')}`, { ip, mac, networks });
}

/** The containers a container depends on: those whose namespaces it joins and those it requires, each once. */
export function dependenciesOf(config: { joined?: Partial<Record<JoinableNamespace, string>>; requires?: readonly string[] }): string[] {
  return [...new Set([...Object.values(config.joined ?? {}), ...(config.requires ?? [])])];
}

/** `options` with `access` (ro or rw) in place of theirs. */
function withAccess(options: readonly string[], access: 'ro' | 'rw'): string[] {
  return [access, ...options.filter((option) => option !== 'ro' && option !== 'rw')];
}

/** containers.conf's init_path when no file sets it: where podman's packages put catatonit. */
export const DEFAULT_INIT_PATH = '/usr/libexec/podman/catatonit';

/** The --init binary at `path` on the host, as its bind needs it: a file (through links), refused as podman refuses a missing one. */
function checkedInitBinary(path: string): string {
  const stat = statOrRefuse(path, 'container-init binary not found on the host', { initPath: path });
  if (!stat.isFile()) throw new EngineError('invalid-option', `container-init binary ${path} is not a file`, { initPath: path });
  return path;
}

/** What cannot be set in the host's UTS or IPC namespace, refused as podman refuses it. */
function checkHostNamespaceOptions(options: CreateOptions): void {
  if (options.uts === 'host' && options.hostname !== undefined) {
    throw new EngineError('invalid-option', 'cannot set hostname when running in the host UTS namespace', { hostname: options.hostname });
  }
  if (options.ipc === 'host' && options.shmSizeBytes !== undefined) {
    throw new EngineError('invalid-option', 'cannot set shmsize when running in the host IPC namespace', { shmSize: options.shmSizeBytes });
  }
}

/** A new container's /etc/hosts and the rest, written; their mounts, except where the user mounts something of their own (-v, --tmpfs). */
function newContainerFileMounts(options: CreateOptions, what: { id: string; name: string; bundlePath: string }, attachment: NetworkAttachment | undefined, networkOf: Container | undefined): OciMount[] {
  const hostname = containerHostname({ ...options, id: what.id });
  const shared = networkOf ? sharedNetworkFileMounts(networkOf) : [];
  const claimed = new Set([...(options.volumes ?? []).map((v) => v.split(':')[1] ?? v), ...(options.tmpfs ?? []).map((t) => t.split(':')[0]), ...shared.map((m) => m.destination)]);
  return [...containerFileMounts({ ...what, hostname, network: options.network, networks: options.networks, hostsAndDns: options.hostsAndDns, timezone: options.timezone }, attachment), ...shared]
    .filter((m) => shared.includes(m) || !claimed.has(m.destination));
}

/** Writes the container's /etc/hosts, /etc/resolv.conf, /etc/hostname and /run/.containerenv into its run directory; their mounts. */
function containerFileMounts(
  what: { id: string; name: string; hostname: string; bundlePath: string; network?: 'private' | 'none' | 'host'; networks?: string[]; hostsAndDns?: HostsAndDns; timezone?: string },
  attachment: NetworkAttachment | undefined,
): OciMount[] {
  const ips = attachment?.networks.flatMap((n) => n.result.ips ?? []) ?? [];
  // Its networks with DNS (the dnsname plugin): their gateways answer for the containers' names, as podman's.
  const withDns = attachment?.networks.filter((n) => n.config.plugins.some((p) => p.type === 'dnsname')) ?? [];
  const dnsServers = withDns.flatMap((n) => n.result.ips ?? []).map((ip) => ip.gateway).filter((gateway): gateway is string => gateway !== undefined && !gateway.includes(':'));
  return writeContainerFiles({
    dir: what.bundlePath, id: what.id, name: what.name, hostname: what.hostname,
    network: what.networks?.length ? 'cni' : what.network ?? 'private', ips, ...what.hostsAndDns, timezone: what.timezone,
    ...(dnsServers.length ? { networkDns: { servers: [...new Set(dnsServers)], search: [DNSNAME_DOMAIN] } } : {}),
  });
}

/** The options podman's inspect shows as given, when any was (nothing recorded otherwise). */
function hostOptionsOf(options: CreateOptions): { hostOptions: HostOptions } | undefined {
  const hostOptions: HostOptions = {
    capAdd: (options.capAdd ?? []).map(capabilityName),
    capDrop: (options.capDrop ?? []).map(capabilityName),
    privileged: options.privileged === true,
    groupAdd: options.groupAdd ?? [],
    ...(options.devices?.length ? { devices: options.devices.map(devicePaths).map(({ hostPath, path }) => ({ pathOnHost: hostPath, pathInContainer: path })) } : {}),
    ...(options.publishAll ? { publishAll: true } : {}),
    ...(options.blockIoThrottles ? { blockIoThrottles: options.blockIoThrottles } : {}),
  };
  const given = hostOptions.privileged || hostOptions.capAdd.length > 0 || hostOptions.capDrop.length > 0 || hostOptions.groupAdd.length > 0 || hostOptions.devices !== undefined
    || hostOptions.publishAll === true || hostOptions.blockIoThrottles !== undefined;
  return given ? { hostOptions } : undefined;
}

/** Whether the exited container's restart policy runs it again (podman's: never after a user stopped it; on-failure only after a failure, up to its retries). */
function restartsAfter(container: Container): boolean {
  const policy = container.config.restartPolicy;
  const state = container.state;
  if (!policy || policy.name === 'no' || existsSync(stoppedByUserFile(container))) return false;
  if (policy.name !== 'on-failure') return true;
  return (state.exitCode ?? 0) !== 0 && (!policy.maxRetries || (state.restartCount ?? 0) < policy.maxRetries);
}

/** A start by hand: the restart count begins again, and a user's earlier stop no longer holds (nothing to do for a container without a restart policy: a run's start is hot). */
async function startedByHand(container: Container): Promise<void> {
  if (!container.config.restartPolicy) return;
  removeFile(stoppedByUserFile(container));
  if (container.state.restartCount) await container.setState({ restartCount: 0 });
}

/** Beside its records while a user's stop holds: its restart policy leaves it exited (podman's StoppedByUser). */
function stoppedByUserFile(container: Container): string {
  return join(container.config.persistDir, 'stopped-by-user');
}

/** An absolute cgroup path, with no way out of the hierarchy. */
function checkedCgroupParent(path: string): string {
  if (!path.startsWith('/') || path.split('/').includes('..')) {
    throw new EngineError('invalid-option', `cgroup parent ${JSON.stringify(path)} must be an absolute path without ..`, { cgroupParent: path });
  }
  return path;
}

function unknownContainer(ref: string, cause: unknown): EngineError {
  return new EngineError('container-unknown', `no container with name or ID ${JSON.stringify(ref)} found`, { ref }, { cause });
}

/** Beside the container's records, so that a later Berth process can DEL what this one ADDed. */
function networkStateFile(persistDir: string): string {
  return join(persistDir, 'network.json');
}

/** `name:/path` → its parts; a host path (absolute, relative, or with no colon) → undefined. */
function splitContainerPath(spec: string): { ref: string; path: string } | undefined {
  const colon = spec.indexOf(':');
  if (colon <= 0 || spec.startsWith('/') || spec.startsWith('.')) return undefined;
  return { ref: spec.slice(0, colon), path: spec.slice(colon + 1) || '/' };
}

/** The paths podman's diff leaves out (libpod's containerMounts): what it mounts into each container. */
const CONTAINER_MOUNTS = new Set(['/dev', '/etc/hostname', '/etc/hosts', '/etc/resolv.conf', '/proc', '/run', '/run/.containerenv', '/run/secrets', '/sys', '/etc/mtab']);

/** podman's rule for container names (libpod's NameRegex), so that every tool that shows them can. */
const CONTAINER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

function nameInUse(name: string, cause?: unknown): EngineError {
  return new EngineError('name-in-use', `the container name ${JSON.stringify(name)} is already in use`, { name }, cause === undefined ? undefined : { cause });
}

function checkedContainerName(name: string): string {
  if (!CONTAINER_NAME.test(name)) {
    throw new EngineError('invalid-option', `names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: ${JSON.stringify(name)}`, { name });
  }
  return name;
}

/**
 * The lock a rewrite of a container's config takes (#rewriteConfig), beside
 * its records; named for its first use, network changes, which containers
 * made before kept.
 */
function configLockPath(persistDir: string): string {
  return join(persistDir, 'network.lock');
}

/** `current` with what `change` sets, section by section (devices stay as they were). */
function mergedResources(current: OciLinuxResources | undefined, change: OciLinuxResources): OciLinuxResources {
  return {
    ...current,
    ...(change.memory ? { memory: { ...current?.memory, ...change.memory } } : {}),
    ...(change.cpu ? { cpu: { ...current?.cpu, ...change.cpu } } : {}),
    ...(change.pids ? { pids: change.pids } : {}),
  };
}
