// Named volumes in containers, as podman has them: `-v NAME:/path[:opts]`
// mounts the volume NAME (made if missing), `-v /path` and each VOLUME of the
// image an anonymous one made for the container. The first container to
// mount a volume gives it the files and owner of its mount point in the
// image (podman's copy-up and chown). `rm -v` and `--rm` take a container's
// anonymous volumes with it; a volume in use is not removed without force.
// Loaded only by containers and verbs that have volumes.

import { spawn } from 'node:child_process';
import { chmodSync, chownSync, lstatSync, readdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { idToHost, type IDMap } from '../idmap/index.js';
import { resolveUser, type Container, type ContainerVolume, type ImageRunConfig, type OciMount } from '../oci/index.js';
import { VolumeError, VolumeStore, isVolumeError, type Volume, type VolumeCreateOptions, type VolumeWriter } from '../volume/index.js';
import { exited } from './copy.js';
import { isBindSpec, type ImageVolumeMode } from './volume-specs.js';
import { volumeNamesOf } from './user-mounts.js';
import { randomBytes, removeTree, resolveInRoot } from '../util/index.js';
import { EngineError } from './errors.js';
import type { EventLog } from '../events/index.js';

/** A volume a container asks for: named, or anonymous (`name` undefined). */
interface VolumeRequest {
  name?: string;
  destination: string;
  /** The mount's own options (ro, propagation, noexec…); nocopy and U are the engine's. */
  options: string[];
  copyUp: boolean;
  chown: boolean;
  /** Another container's volume (--volumes-from): found, never made. */
  inherited?: boolean;
}

/** What a container's create needs of its volumes: the bind specs left for the spec, and the volume mounts. */
export interface AttachedVolumes {
  binds: string[];
  tmpfs: string[];
  mounts: OciMount[];
  volumes: ContainerVolume[];
  /** The volumes made for this container (named ones that did not exist, and the anonymous): a create that fails removes them. */
  made: string[];
}

/** podman's --volumes-from: other containers' volumes (by name, with their mount options) and host binds. */
export interface InheritedMounts {
  volumes: Array<{ name: string; destination: string; options: string[] }>;
  binds: OciMount[];
}

export interface VolumeAttachOptions {
  /** `-v` as given: host binds (`/src:/dst[:opts]`), named (`name:/dst[:opts]`) and anonymous (`/dst`) volumes. */
  specs: string[];
  tmpfs: string[];
  image: ImageRunConfig;
  imageVolumes: ImageVolumeMode;
  /** What --volumes-from takes from other containers, for the destinations the container's own mounts leave free. */
  inherited?: InheritedMounts;
  /** The container's mounted root filesystem and its process user, for copy-up and chown. */
  rootfs: string;
  user: string;
  idMaps?: { uidMap: IDMap[]; gidMap: IDMap[] };
}

/**
 * Under the volumes' lock: the container's volumes made or found, filled
 * and owned as their first container needs, then `fn` (the rest of the
 * container's create, up to its record) run with their mounts, so that no
 * `volume rm` comes between a volume's check and the record naming it.
 * Volumes made here are removed again if `fn` fails.
 */
export function withVolumesAttached<T>(graphRoot: string, events: EventLog, options: VolumeAttachOptions, fn: (attached: AttachedVolumes) => Promise<T>): Promise<T> {
  const { binds, tmpfs, requests, inheritedBinds } = volumeRequests(options);
  return new VolumeStore(graphRoot).write(async (writer) => {
    const made: string[] = [];
    try {
      const attached: AttachedVolumes = { binds, tmpfs, mounts: [...inheritedBinds], volumes: [], made };
      for (const request of requests) {
        const volume = volumeFor(writer, request, made);
        await prepareFirstUse(writer, volume, request, options);
        attached.mounts.push({ destination: request.destination, type: 'bind', source: volume.mountpoint, options: request.options });
        // An inherited anonymous volume is this container's too, as podman's anonymity is the volume's: the
        // last of its containers to be removed with -v (or --rm) takes it (removeVolumes keeps one in use).
        attached.volumes.push({ name: volume.name, destination: request.destination, ...(volume.anonymous ? { anonymous: true } : {}) });
      }
      const result = await fn(attached);
      for (const name of made) volumeEvent(events, name, 'create');
      return result;
    } catch (err) {
      for (const name of made) writer.remove(name);
      throw err;
    }
  });
}

/**
 * Removes the named volumes (those already gone are skipped): a removed container's anonymous ones, a failed
 * create's new ones; not those `inUse` (asked under the volumes' lock) finds another container mounting, as
 * podman keeps a volume in use (a --volumes-from container's, one a concurrent create attached).
 */
export async function removeVolumes(graphRoot: string, names: readonly string[], events: EventLog, inUse: () => Promise<ReadonlySet<string>>): Promise<void> {
  if (names.length === 0) return;
  await new VolumeStore(graphRoot).write(async (writer) => {
    const used = await inUse();
    for (const name of names) {
      if (used.has(name)) continue;
      try {
        writer.remove(name);
        volumeEvent(events, name, 'remove');
      } catch (err) {
        if (!isVolumeError(err, 'volume-unknown')) throw err;
      }
    }
  });
}

/** The volume verbs (`volume create|ls|inspect|rm|prune|exists`), knowing which containers use which volume. */
export class VolumeVerbs {
  readonly #store: VolumeStore;
  readonly #events: EventLog;
  readonly #containers: () => Promise<Container[]>;
  readonly #removeContainer: (id: string, timeoutSeconds?: number) => Promise<unknown>;

  constructor(graphRoot: string, events: EventLog, containers: () => Promise<Container[]>, removeContainer: (id: string, timeoutSeconds?: number) => Promise<unknown>) {
    this.#store = new VolumeStore(graphRoot);
    this.#events = events;
    this.#containers = containers;
    this.#removeContainer = removeContainer;
  }

  async create(options: VolumeCreateOptions): Promise<Volume> {
    const existed = options.name !== undefined && this.#store.exists(options.name);
    const volume = await this.#store.write((writer) => writer.create(options));
    if (!existed) volumeEvent(this.#events, volume.name, 'create');
    return volume;
  }

  list(): Volume[] {
    return this.#store.list();
  }

  get(name: string): Volume {
    return this.#store.get(name);
  }

  exists(name: string): boolean {
    return this.#store.exists(name);
  }

  /** The IDs of the containers (of Berth's) whose records name the volume. */
  async users(name: string): Promise<string[]> {
    return (await this.#containers()).filter((c) => volumeNamesOf(c).includes(name)).map((c) => c.id);
  }

  /**
   * Removes the volume; one in use is refused, or with `force` its
   * containers are removed first (outside the volumes' lock: a container's
   * removal may take it for its own anonymous volumes), each running one
   * stopped as `rm -f` stops it (`timeoutSeconds`, by default its own).
   */
  async remove(name: string, options: { force?: boolean; timeoutSeconds?: number } = {}): Promise<void> {
    this.#store.get(name);
    if (options.force) for (const id of await this.users(name)) await this.#removeContainer(id, options.timeoutSeconds);
    await this.#store.write(async (writer) => {
      const users = await this.users(name);
      if (users.length > 0) {
        throw new VolumeError('volume-in-use', `volume ${name} is being used by the following container(s): ${users.join(', ')}: volume is being used`, { name, containers: users });
      }
      writer.remove(name);
      volumeEvent(this.#events, name, 'remove');
    });
  }

  /** Removes every volume no container uses; resolves to their names. */
  async prune(keep: (volume: Volume) => boolean = () => false): Promise<string[]> {
    return this.#store.write(async (writer) => {
      const used = new Set((await this.#containers()).flatMap(volumeNamesOf));
      const removed: string[] = [];
      for (const volume of this.#store.list()) {
        if (used.has(volume.name) || keep(volume)) continue;
        writer.remove(volume.name);
        volumeEvent(this.#events, volume.name, 'prune');
        removed.push(volume.name);
      }
      return removed;
    });
  }
}

/**
 * The `-v` specs sorted into host binds and volume requests, then what --volumes-from brings where those
 * leave the destination free (podman's: the container's own mounts win), then the image's VOLUMEs not
 * already covered.
 */
function volumeRequests(options: VolumeAttachOptions): { binds: string[]; tmpfs: string[]; requests: VolumeRequest[]; inheritedBinds: OciMount[] } {
  const binds: string[] = [];
  const tmpfs = [...options.tmpfs];
  const requests: VolumeRequest[] = [];
  const destinations = new Set<string>();
  const claim = (destination: string, spec: string): string => {
    const clean = posix.normalize(destination);
    if (!clean.startsWith('/')) throw new EngineError('invalid-option', `volume ${JSON.stringify(spec)}: the destination must be an absolute path`, { volume: spec });
    if (destinations.has(clean)) throw new EngineError('invalid-option', `${clean}: duplicate mount destination`, { destination: clean });
    destinations.add(clean);
    return clean;
  };
  for (const entry of options.tmpfs) claim(entry.split(':', 1)[0]!, entry);
  for (const spec of options.specs) {
    const parts = spec.split(':');
    if (parts.length > 3 || parts.some((part, i) => part === '' && i < 2)) {
      throw new EngineError('invalid-option', `volume ${JSON.stringify(spec)}: want /host:/container[:options], name:/container[:options] or /container`, { volume: spec });
    }
    if (isBindSpec(spec)) {
      claim(parts[1]!, spec);
      binds.push(spec);
      continue;
    }
    const [first, second, flags] = parts as [string, string | undefined, string | undefined];
    const named = second !== undefined;
    requests.push(volumeRequest(named ? first : undefined, claim(named ? second : first, spec), flags, spec));
  }
  const free = (destination: string): boolean => !destinations.has(posix.normalize(destination));
  for (const volume of options.inherited?.volumes.filter((v) => free(v.destination)) ?? []) {
    requests.push({ name: volume.name, destination: claim(volume.destination, volume.destination), options: volume.options, copyUp: false, chown: false, inherited: true });
  }
  const inheritedBinds = options.inherited?.binds.filter((m) => free(m.destination)) ?? [];
  for (const bind of inheritedBinds) claim(bind.destination, bind.destination);
  for (const path of Object.keys(options.image.Volumes ?? {})) {
    if (options.imageVolumes === 'ignore' || destinations.has(posix.normalize(path))) continue;
    const destination = claim(path, path);
    if (options.imageVolumes === 'tmpfs') tmpfs.push(destination);
    else requests.push(volumeRequest(undefined, destination, undefined, path));
  }
  return { binds, tmpfs, requests, inheritedBinds };
}

const PROPAGATION = new Set(['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave']);

/** podman's volume mount options: `rw|ro`, a propagation (rprivate), nosuid, nodev, rbind; exec and suid/dev when asked. */
function volumeRequest(name: string | undefined, destination: string, flags: string | undefined, spec: string): VolumeRequest {
  const given = (flags ?? '').split(',').filter(Boolean);
  let access = 'rw';
  let propagation = 'rprivate';
  let copyUp = true;
  let chown = false;
  const extra = new Set(['nosuid', 'nodev']);
  for (const flag of given) {
    if (flag === 'ro' || flag === 'rw') access = flag;
    else if (PROPAGATION.has(flag)) propagation = flag;
    else if (flag === 'nocopy' || flag === 'copy') copyUp = flag === 'copy';
    else if (flag === 'U') chown = true;
    else if (flag === 'z' || flag === 'Z') continue; // SELinux relabelling: this host has no SELinux.
    else if (flag === 'suid' || flag === 'dev') extra.delete(`no${flag}`);
    else if (flag === 'exec' || flag === 'noexec' || flag === 'nosuid' || flag === 'nodev') {
      if (flag === 'noexec') extra.add(flag);
      else if (flag === 'exec') extra.delete('noexec');
    } else throw new EngineError('invalid-option', `volume ${JSON.stringify(spec)}: invalid option ${JSON.stringify(flag)}`, { volume: spec, option: flag });
  }
  return { name, destination, options: [access, propagation, ...extra, 'rbind'], copyUp, chown };
}

/** The named volume (made, as podman does, when there is none of that name) or a new anonymous one; those made are added to `made`. */
function volumeFor(writer: VolumeWriter, request: VolumeRequest, made: string[]): Volume {
  const existing = request.name === undefined ? undefined : writer.find(request.name);
  if (existing) return existing;
  if (request.inherited) throw new EngineError('invalid-option', `volumes-from: volume ${request.name} (at ${request.destination}) no longer exists`, { volume: request.name });
  const volume = writer.create({ name: request.name });
  made.push(volume.name);
  return volume;
}

/**
 * podman's first use of a volume: an empty one takes a copy of what the
 * image has at the mount point (owners, modes, links, xattrs, times kept),
 * and on its first mount `_data` takes that directory's owner and mode, or,
 * with nothing there, the container user's owner (`U`: every time).
 */
async function prepareFirstUse(writer: VolumeWriter, volume: Volume, request: VolumeRequest, options: VolumeAttachOptions): Promise<void> {
  const inImage = resolveInRoot(options.rootfs, request.destination);
  const imageDir = isDirectory(inImage) ? inImage : undefined;
  let changed = false;
  if (volume.needsCopyUp && request.copyUp && imageDir && isEmpty(volume.mountpoint)) {
    await copyInto(imageDir, volume.mountpoint);
    volume.needsCopyUp = false;
    volume.needsChown = false;
    changed = true;
  }
  if (volume.needsChown || request.chown) {
    if (imageDir) {
      const st = statSync(imageDir);
      chownSync(volume.mountpoint, st.uid, st.gid);
      chmodSync(volume.mountpoint, st.mode & 0o7777);
    } else {
      const user = resolveUser(options.rootfs, options.user);
      chownSync(volume.mountpoint, idToHost(user.uid, options.idMaps?.uidMap), idToHost(user.gid, options.idMaps?.gidMap));
    }
    changed ||= volume.needsChown;
    volume.needsChown = false;
  }
  if (changed) writer.update(volume);
}

/**
 * The image's tree copied in as `_data`: copied whole beside it, then
 * renamed over the empty `_data` in one step, so that a crash midway leaves
 * the volume empty (and still to be filled) rather than half filled.
 */
async function copyInto(imageDir: string, mountpoint: string): Promise<void> {
  const volumeDir = dirname(mountpoint);
  for (const name of readdirSync(volumeDir)) {
    if (name.startsWith(COPY_PREFIX)) removeTree(join(volumeDir, name));
  }
  const staging = join(volumeDir, `${COPY_PREFIX}${randomBytes(8).toString('hex')}`);
  try {
    await copyTree(imageDir, staging);
    renameSync(staging, mountpoint);
  } catch (err) {
    removeTree(staging);
    throw err;
  }
}

/** What a copy-up in progress is called beside `_data` (a crashed one's leftover is cleared by the next). */
const COPY_PREFIX = '.copyup-';

/** A volume's event, as podman records them (by name, no attributes). */
function volumeEvent(events: EventLog, name: string, status: string): void {
  events.record({ Name: name, Status: status, Type: 'volume', Attributes: null });
}

/** `cp -a SRC/. DST`: a new DST with SRC's contents and its own owner, mode and times (links, xattrs kept). */
function copyTree(source: string, target: string): Promise<void> {
  return exited(spawn('cp', ['-a', '--', `${source}/.`, target], { stdio: ['ignore', 'ignore', 'pipe'] }), `copying the image's ${source} into a volume (cp -a)`);
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isEmpty(dir: string): boolean {
  return readdirSync(dir).length === 0;
}
