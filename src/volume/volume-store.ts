// The volume records: `<graphRoot>/volumes/<name>/_data` (podman's layout, so
// that the data is where a podman user looks for it) with Berth's record,
// berth-volume.json, beside `_data`. A volume appears and disappears by one
// rename of its whole directory, so a reader never sees half of one and a
// crash leaves only a dot-named leftover that the next writer clears. Writers
// take the lock file in the volumes directory: what they check (a name free,
// no container using a volume) still holds when they act on it.

import { mkdirSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { getLockFile, type LockFile } from '../lock/index.js';
import { generateRandomId, goTimeNow, isErrno, randomBytes, removeTree, writeFileAtomicSync } from '../util/index.js';
import { VolumeError } from './errors.js';

export interface Volume {
  name: string;
  /** Always `local`: a directory on the store's disk. */
  driver: 'local';
  /** `<graphRoot>/volumes/<name>/_data`: what containers mount. */
  mountpoint: string;
  /** Go's RFC 3339 with nanoseconds, as podman shows it. */
  createdAt: string;
  labels: Record<string, string>;
  /** Driver options (`-o`); the local driver here takes none yet. */
  options: Record<string, string>;
  /** Made for one container (`-v /path`, an image's VOLUME): `rm -v` and `run --rm` remove it with that container. */
  anonymous: boolean;
  /** Until a container's mount point had files to give it: the first such container copies them in (unless `nocopy`). */
  needsCopyUp: boolean;
  /** Until its first mount: the first container gives `_data` the owner and mode of its mount point. */
  needsChown: boolean;
}

export interface VolumeCreateOptions {
  /** podman's rule `[a-zA-Z0-9][a-zA-Z0-9_.-]*`; none: an anonymous volume named by a random ID. */
  name?: string;
  /** Only `local`. */
  driver?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /** podman's --ignore: an existing volume of that name is returned instead of an error. */
  ignoreExisting?: boolean;
}

/** What a writer may do while it holds the volumes' lock (see VolumeStore.write). */
export interface VolumeWriter {
  create(options: VolumeCreateOptions): Volume;
  /** The volume of that name, if there is one (its absence holds while the lock does). */
  find(name: string): Volume | undefined;
  /** Writes a volume's changed flags (copy-up, chown) back to its record. */
  update(volume: Volume): void;
  remove(name: string): void;
}

const RECORD = 'berth-volume.json';
const DATA = '_data';
/** podman's NameRegex, for volumes as for containers. Never starts with a dot, so leftovers cannot shadow a volume. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkedVolumeName(name: string): string {
  if (!VOLUME_NAME.test(name)) {
    throw new VolumeError('invalid-option', `volume name ${JSON.stringify(name)} must match [a-zA-Z0-9][a-zA-Z0-9_.-]*`, { name });
  }
  return name;
}

export class VolumeStore {
  /** `<graphRoot>/volumes`. */
  readonly root: string;
  readonly #lock: LockFile;

  constructor(graphRoot: string) {
    this.root = join(graphRoot, 'volumes');
    mkdirSync(this.root, { recursive: true, mode: 0o700 });
    this.#lock = getLockFile(join(this.root, 'volumes.lock'));
  }

  /** Every volume Berth made here, by name (a directory without Berth's record, as podman's own, is left out). */
  list(): Volume[] {
    const volumes: Volume[] = [];
    for (const entry of readdirSync(this.root, { withFileTypes: true })) {
      if (!entry.isDirectory() || !VOLUME_NAME.test(entry.name)) continue;
      const volume = this.#read(entry.name);
      if (volume) volumes.push(volume);
    }
    return volumes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  get(name: string): Volume {
    const volume = this.#read(checkedVolumeName(name));
    if (!volume) throw unknownVolume(name);
    return volume;
  }

  exists(name: string): boolean {
    return VOLUME_NAME.test(name) && this.#read(name) !== undefined;
  }

  /** Runs `fn` with the volumes' lock held; what crashed writers left behind is cleared first. */
  write<T>(fn: (writer: VolumeWriter) => Promise<T> | T, signal?: AbortSignal): Promise<T> {
    return this.#lock.withLock(() => {
      this.#clearLeftovers();
      return fn({
        create: (options) => this.#create(options),
        find: (name) => this.#read(checkedVolumeName(name)),
        update: (volume) => this.#writeRecord(join(this.root, volume.name), volume),
        remove: (name) => this.#remove(name),
      });
    }, signal);
  }

  #create(options: VolumeCreateOptions): Volume {
    if (options.driver !== undefined && options.driver !== 'local') {
      throw new VolumeError('invalid-option', `volume driver ${JSON.stringify(options.driver)} is not supported: only local`, { driver: options.driver });
    }
    const optionNames = Object.keys(options.options ?? {});
    if (optionNames.length > 0) {
      throw new VolumeError('invalid-option', `volume options are not supported by Berth's local driver: ${optionNames.join(', ')}`, { options: options.options });
    }
    const name = options.name === undefined ? generateRandomId() : checkedVolumeName(options.name);
    const existing = this.#read(name);
    if (existing) {
      if (options.ignoreExisting) return existing;
      throw new VolumeError('volume-exists', `volume with name ${name} already exists: volume already exists`, { name });
    }
    const volume: Volume = {
      name, driver: 'local', mountpoint: join(this.root, name, DATA), createdAt: goTimeNow(),
      labels: { ...(options.labels ?? {}) }, options: {}, anonymous: options.name === undefined, needsCopyUp: true, needsChown: true,
    };
    // Made complete under a dot name, then renamed into place: the rename fails if the name is taken (also by a directory of another tool's).
    const temp = join(this.root, `.tmp-${randomSuffix()}`);
    mkdirSync(join(temp, DATA), { recursive: true, mode: 0o755 });
    try {
      this.#writeRecord(temp, volume);
      renameSync(temp, join(this.root, name));
    } catch (err) {
      removeTree(temp);
      if (isErrno(err, 'ENOTEMPTY', 'EEXIST')) {
        throw new VolumeError('volume-exists', `a directory named ${name} is already in ${this.root} (not a volume of Berth's)`, { name }, { cause: err });
      }
      throw err;
    }
    return volume;
  }

  /** Out of the listing with one rename, then deleted: a crash midway leaves a dot-named leftover, not half a volume. */
  #remove(name: string): void {
    if (!this.#read(checkedVolumeName(name))) throw unknownVolume(name);
    const trash = join(this.root, `.removing-${randomSuffix()}`);
    renameSync(join(this.root, name), trash);
    removeTree(trash);
  }

  #read(name: string): Volume | undefined {
    let text: string;
    try {
      text = readFileSync(join(this.root, name, RECORD), 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
    const record = JSON.parse(text) as Omit<Volume, 'mountpoint'>;
    // The mount point follows the store: a store moved (or reached by another path) still mounts the right directory.
    return { ...record, name, mountpoint: join(this.root, name, DATA) };
  }

  #writeRecord(dir: string, volume: Volume): void {
    const { mountpoint: _mountpoint, ...record } = volume;
    writeFileAtomicSync(join(dir, RECORD), JSON.stringify(record));
  }

  #clearLeftovers(): void {
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('.tmp-') || name.startsWith('.removing-')) removeTree(join(this.root, name));
    }
  }
}

function unknownVolume(name: string): VolumeError {
  return new VolumeError('volume-unknown', `no volume with name ${JSON.stringify(name)} found: no such volume`, { name });
}

function randomSuffix(): string {
  return randomBytes(8).toString('hex');
}
