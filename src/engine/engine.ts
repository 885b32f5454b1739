// The podman-like container engine: a container is a store container (its
// RW layer on the image's top layer, mounted through the store) plus an oci
// Container run by conmon and runc/crun, its records in the store
// container's directories. Daemonless: every process finds the containers
// again from those records, the exit files and the runtime.

import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isStorageError, type IDMap, type Image, type Store } from '../storage/index.js';
import { generateRandomId } from '../util/index.js';
import {
  Container, ContainerStatus, Runtime, generateSpec, parseSignal, resolveUser, runtimeHandler,
  type AttachSession, type AttachStreams, type ContainerStats, type ExecSyncResult, type LogRecord, type OciLinuxResources, type RuntimeConfig, type SpecOptions,
} from '../oci/index.js';
import { EngineError } from './errors.js';
import { imageRunConfig } from './image-config.js';
import { readLog, type LogReadOptions } from './logs.js';
import { containerMetadata } from './metadata.js';
import { processRows, type ProcessRow } from './top.js';
import { prepareUserNamespaceDirs } from './userns.js';
import { readAttachment, setupNetwork, teardownNetwork, type NetworkAttachment, type PortMapping } from '../network/index.js';

export interface EngineOptions {
  store: Store;
  runtimeConfig: RuntimeConfig;
  /** The cgroup every container's own cgroup goes under (podman's --cgroup-parent); default `/berth`. */
  cgroupParent?: string;
  /** CNI conflists and plugins for containers created with `networks`. */
  cni?: { configDir: string; pluginDirs: string[] };
}

export interface CreateOptions extends Omit<SpecOptions, 'id' | 'rootfs' | 'idMaps'> {
  /** The container's ID maps (podman's --uidmap/--gidmap): its files and a user namespace. */
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /** podman's --userns=auto: maps from the store's automatic user namespaces. */
  autoUserNs?: boolean;
  /** `--userns=auto:size=N`: that many IDs instead of what the image needs. */
  autoUserNsSize?: number;
  /** Image name, ID or ID prefix in the store. */
  image: string;
  name?: string;
  /** Runtime handler; default: the configured default. */
  runtime?: string;
  labels?: Record<string, string>;
  /** Signal name or number; default: the image's STOPSIGNAL, else SIGTERM. */
  stopSignal?: string;
  /** Seconds before SIGKILL on stop; default 10. */
  stopTimeout?: number;
  logSizeMax?: number;
  /** Keep stdin open for an attach client (podman's -i). */
  interactive?: boolean;
  /** CNI networks to attach (podman's --network bridge|NAME); none: no CNI. */
  networks?: string[];
  /** Published ports (-p), given to portmap. */
  portMappings?: PortMapping[];
}

/** A container as `ps` and `inspect` show it. */
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  imageId: string;
  command: string[];
  status: ContainerStatus;
  exitCode?: number;
  oomKilled: boolean;
  pid: number;
  created: string;
  started?: string;
  finished?: string;
  runtime: string;
  logPath: string;
  labels: Record<string, string>;
}

export class ContainerEngine {
  readonly store: Store;
  readonly runtime: Runtime;
  readonly cgroupParent: string;
  readonly cni: EngineOptions['cni'];

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.cgroupParent = options.cgroupParent ?? '/berth';
    this.cni = options.cni;
    if (!this.cgroupParent.startsWith('/') || this.cgroupParent.split('/').includes('..')) {
      throw new EngineError('invalid-option', `cgroup parent ${JSON.stringify(this.cgroupParent)} must be an absolute path without ..`, { cgroupParent: this.cgroupParent });
    }
    const base = join(options.store.runRoot, 'berth');
    this.runtime = new Runtime({ config: options.runtimeConfig, exitDir: join(base, 'exits'), socketDir: join(base, 'socket') });
  }

  /**
   * The store container (named, with CRI-O's metadata), its mount, the spec
   * and bundle, and `runtime create` under conmon. Anything made is removed
   * again if a later step fails.
   */
  async create(options: CreateOptions): Promise<Container> {
    const handler = runtimeHandler(this.runtime.config, options.runtime);
    const image = await this.findImage(options.image);
    const imageConfig = await imageRunConfig(this.store, image);
    const stopSignal = parseSignal(options.stopSignal ?? imageConfig.StopSignal ?? 'SIGTERM');
    const created = new Date();
    // The ID is chosen here so that the name and metadata go into the one record write.
    const id = generateRandomId();
    const name = options.name ?? `berth-${id.slice(0, 12)}`;
    let idMaps: SpecOptions['idMaps'];
    try {
      const made = await this.store.createContainer({
        id,
        image: image.id,
        names: [name],
        metadata: JSON.stringify(containerMetadata({ name, imageName: options.image, imageId: image.id, created })),
        uidMap: options.uidMap,
        gidMap: options.gidMap,
        autoUserNs: options.autoUserNs,
        autoUserNsOpts: options.autoUserNsSize ? { size: options.autoUserNsSize } : undefined,
      });
      if (made.uidMap?.length || made.gidMap?.length) idMaps = { uidMap: made.uidMap ?? [], gidMap: made.gidMap ?? [] };
    } catch (err) {
      if (isStorageError(err, 'duplicate-name')) {
        throw new EngineError('name-in-use', `the container name ${JSON.stringify(name)} is already in use`, { name }, { cause: err });
      }
      throw err;
    }
    try {
      const rootfs = await this.store.mount(id);
      const persistDir = await this.store.containerDirectory(id);
      const bundlePath = await this.store.containerRunDirectory(id);
      if (idMaps) prepareUserNamespaceDirs({ rootfs, persistDir, bundlePath }, idMaps);
      const netns = options.networks?.length ? (await this.#setupNetwork(id, persistDir, options)).netns : undefined;
      const spec = generateSpec(imageConfig, { cgroupsPath: `${this.cgroupParent}/berth-${id}`, ...options, id, rootfs, networkNamespacePath: netns, idMaps });
      const container = new Container({
        id,
        name,
        runtimeHandler: handler.name,
        bundlePath,
        persistDir,
        logPath: join(persistDir, 'ctr.log'),
        imageId: image.id,
        imageName: options.image,
        labels: { ...(imageConfig.Labels ?? {}), ...(options.labels ?? {}) },
        annotations: options.annotations ?? {},
        stopSignal,
        stopTimeout: options.stopTimeout ?? 10,
        spec,
        createdAt: created.toISOString(),
        logSizeMax: options.logSizeMax ?? -1,
        stdin: options.interactive === true,
      });
      await container.save();
      await this.runtime.createContainer(container);
      return container;
    } catch (err) {
      await this.#removeStoreContainer(id);
      throw err;
    }
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
    const wanted = /:[^/]+$/.test(ref) || ref.includes('@') ? ref : `${ref}:latest`;
    const matches = (await this.store.images()).filter((image) => image.names.some((name) => name === wanted || name.endsWith(`/${wanted}`)));
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      throw new EngineError('image-unknown', `short name ${JSON.stringify(ref)} matches several images: ${matches.map((m) => m.names[0]).join(', ')}`, { image: ref });
    }
    throw new EngineError('image-unknown', `image ${JSON.stringify(ref)} is not in the store`, { image: ref });
  }

  /** Starts a created container; an exited one runs again from the same record (as podman start does). */
  async start(ref: string): Promise<Container> {
    const container = await this.get(ref);
    if (container.state.status === ContainerStatus.Stopped) await this.#prepareRerun(container);
    await this.runtime.startContainer(container);
    return container;
  }

  async restart(ref: string, timeoutSeconds?: number): Promise<Container> {
    const container = await this.get(ref);
    if (container.state.status !== ContainerStatus.Stopped && container.state.status !== ContainerStatus.Created) {
      await this.runtime.stopContainer(container, timeoutSeconds);
    }
    if (container.state.status === ContainerStatus.Stopped) await this.#prepareRerun(container);
    await this.runtime.startContainer(container);
    return container;
  }

  /** Its root filesystem mounted again, the runtime's container made anew. */
  async #prepareRerun(container: Container): Promise<void> {
    await this.store.mount(container.id);
    await this.runtime.recreateContainer(container);
  }

  /** The container by name, ID or unique ID prefix, its state brought up to date. */
  async get(ref: string): Promise<Container> {
    let id: string;
    try {
      id = (await this.store.container(ref)).id;
    } catch (err) {
      if (isStorageError(err, 'container-unknown')) throw new EngineError('container-unknown', `no container with name or ID ${JSON.stringify(ref)} found`, { ref }, { cause: err });
      throw err;
    }
    const container = Container.fromDisk(await this.store.containerDirectory(id));
    if (!container) throw new EngineError('container-unknown', `container ${id} was not made by berth (no runtime record)`, { ref, id });
    await this.runtime.updateContainerStatus(container);
    return container;
  }

  /** Every container Berth made in this store, with its true state. */
  async list(): Promise<Container[]> {
    const found: Container[] = [];
    for (const stored of await this.store.containers()) {
      const container = Container.fromDisk(await this.store.containerDirectory(stored.id));
      if (!container) continue;
      await this.runtime.updateContainerStatus(container);
      found.push(container);
    }
    return found;
  }

  /**
   * Waits for the exit; the root filesystem is unmounted once it exited,
   * unless `keepMounted` (a caller about to remove the container, which
   * unmounts it then, saves a second unmount and records write).
   */
  async wait(ref: string, options: { signal?: AbortSignal; keepMounted?: boolean } = {}): Promise<number> {
    const container = await this.get(ref);
    const code = await this.runtime.waitContainer(container, options.signal);
    if (!options.keepMounted) await this.#unmount(container.id);
    return code;
  }

  async stop(ref: string, timeoutSeconds?: number): Promise<Container> {
    const container = await this.get(ref);
    await this.runtime.stopContainer(container, timeoutSeconds);
    await this.#unmount(container.id);
    return container;
  }

  async kill(ref: string, signal: string | number = 'SIGKILL'): Promise<Container> {
    const number = parseSignal(signal);
    const container = await this.get(ref);
    await this.runtime.signalContainer(container, number);
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
  async top(ref: string): Promise<ProcessRow[]> {
    return processRows(await this.runtime.containerProcesses(await this.get(ref)));
  }

  /** conmon starts a new log file; the caller renamed the old one first (rotation). */
  async reopenLog(ref: string): Promise<void> {
    await this.runtime.reopenContainerLog(await this.get(ref));
  }

  /**
   * `cp`: one side is `container:path`. The container's root is mounted for
   * the copy (it may be stopped) and unmounted after.
   */
  async copy(source: string, target: string): Promise<void> {
    const [from, to] = [splitContainerPath(source), splitContainerPath(target)];
    if (Boolean(from) === Boolean(to)) {
      throw new EngineError('invalid-option', 'copying needs exactly one side of the form CONTAINER:PATH', { source, target });
    }
    const side = (from ?? to)!;
    const container = await this.get(side.ref);
    const root = await this.store.mount(container.id);
    try {
      // The archive code (zlib, zstd, the apply worker) loads only for a copy: every other verb would pay for it at start.
      const { copyIn, copyOut } = await import('./copy.js');
      if (from) await copyOut(root, from.path, target);
      else await copyIn(root, source, to!.path);
    } finally {
      await this.store.unmount(container.id);
    }
  }

  async pause(ref: string): Promise<void> {
    await this.runtime.pauseContainer(await this.get(ref));
  }

  async unpause(ref: string): Promise<void> {
    await this.runtime.unpauseContainer(await this.get(ref));
  }

  async update(ref: string, resources: OciLinuxResources): Promise<void> {
    await this.runtime.updateContainer(await this.get(ref), resources);
  }

  async stats(ref: string): Promise<ContainerStats> {
    return this.runtime.containerStats(await this.get(ref));
  }

  /** Runs `command` to completion under conmon; `user` is `name[:group]` or `uid[:gid]` as in the image. */
  async exec(ref: string, command: string[], options: { timeoutSeconds?: number; env?: string[]; cwd?: string; user?: string } = {}): Promise<ExecSyncResult> {
    const container = await this.get(ref);
    return this.runtime.execSyncContainer(container, command, { ...options, user: this.#user(container, options.user) });
  }

  #user(container: Container, user: string | undefined): { uid: number; gid: number } | undefined {
    if (user === undefined) return undefined;
    const { uid, gid } = resolveUser(container.config.spec.root.path, user);
    return { uid, gid };
  }

  /** The container's log records (CRI format), optionally followed until it exits. */
  async *logs(ref: string, options: LogReadOptions = {}): AsyncGenerator<LogRecord> {
    const container = await this.get(ref);
    const exit = {
      exited: async (): Promise<boolean> => {
        await this.runtime.updateContainerStatus(container);
        return container.state.status === ContainerStatus.Stopped;
      },
      exitOrTimeout: (ms: number) => this.runtime.exitOrTimeout(container, ms, options.signal),
    };
    yield* readLog(container.config.logPath, exit, options);
  }

  /** Exec with the caller's stdio (and a terminal with `tty`); resolves to the process's status. */
  async execInteractive(ref: string, command: string[], options: { tty?: boolean; env?: string[]; cwd?: string; user?: string } = {}): Promise<number> {
    const container = await this.get(ref);
    return this.runtime.execContainer(container, command, { ...options, user: this.#user(container, options.user) });
  }

  async checkpoint(ref: string, options: { leaveRunning?: boolean } = {}): Promise<void> {
    const container = await this.get(ref);
    const imagePath = join(container.config.persistDir, 'checkpoint');
    mkdirSync(imagePath, { recursive: true });
    await this.runtime.checkpointContainer(container, { imagePath, workPath: container.config.persistDir, leaveRunning: options.leaveRunning });
  }

  async restore(ref: string): Promise<void> {
    const container = await this.get(ref);
    if (container.state.status !== ContainerStatus.Stopped) {
      throw new EngineError('invalid-option', `container ${container.id} is ${container.state.status}: only a stopped, checkpointed container can be restored`, { id: container.id });
    }
    await this.store.mount(container.id);
    await this.runtime.restoreContainer(container, join(container.config.persistDir, 'checkpoint'));
  }

  /**
   * Removes the container: refused while it runs unless `force` (then it is
   * killed first), then the runtime's record, the mount, the store container.
   */
  async remove(ref: string, options: { force?: boolean } = {}): Promise<string> {
    const container = await this.get(ref);
    const { status } = container.state;
    if ((status === ContainerStatus.Running || status === ContainerStatus.Paused) && !options.force) {
      throw new EngineError('container-running', `cannot remove container ${container.id} as it is ${status} - running or paused containers cannot be removed without force`, { id: container.id, status });
    }
    if (status === ContainerStatus.Running || status === ContainerStatus.Paused) await this.runtime.stopContainer(container, 0);
    await this.runtime.deleteContainer(container);
    await this.#removeStoreContainer(container.id);
    return container.id;
  }

  info(container: Container): ContainerInfo {
    const state = container.state;
    return {
      id: container.id,
      name: container.name,
      image: container.config.imageName ?? '',
      imageId: container.config.imageId ?? '',
      command: container.config.spec.process.args,
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
    };
  }

  /** The container's CNI attachment (namespace, IPs, published ports), if it has one. */
  async networkAttachment(container: Container): Promise<NetworkAttachment | undefined> {
    return readAttachment(networkStateFile(container.config.persistDir));
  }

  async #setupNetwork(id: string, persistDir: string, options: CreateOptions): Promise<NetworkAttachment> {
    if (!this.cni) throw new EngineError('invalid-option', 'CNI networking is not configured for this engine', { networks: options.networks });
    return setupNetwork({
      containerId: id, networks: options.networks ?? [], portMappings: options.portMappings,
      configDir: this.cni.configDir, pluginDirs: this.cni.pluginDirs, stateFile: networkStateFile(persistDir),
    });
  }

  async #unmount(id: string): Promise<void> {
    try {
      if ((await this.store.mounted(id)) > 0) await this.store.unmount(id, { force: true });
    } catch (err) {
      if (!isStorageError(err, 'layer-unknown', 'container-unknown')) throw err;
    }
  }

  /** Unmounts and deletes the store container (its RW layer and directories go with it). */
  async #removeStoreContainer(id: string): Promise<void> {
    // The CNI DEL needs the attachment kept in the container's directory, so it goes first.
    const persistDir = await this.store.containerDirectory(id).catch(() => undefined);
    if (persistDir) await teardownNetwork(networkStateFile(persistDir));
    await this.#unmount(id);
    let runDir: string | undefined;
    try {
      runDir = await this.store.containerRunDirectory(id);
    } catch {
      runDir = undefined;
    }
    await this.store.deleteContainer(id).catch((err: unknown) => {
      if (!isStorageError(err, 'not-a-container', 'container-unknown')) throw err;
    });
    if (runDir) rmSync(runDir, { recursive: true, force: true });
  }
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
