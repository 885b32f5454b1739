// The ImageServer of seed 001 (CRI-O's internal/storage) on a Berth store:
// list, status, prepare, pull, untag, resolve names; plus what podman's image
// verbs need: remove with the store's safety checks, tag, inspect, prune of
// dangling images, tree and history.

import { isStorageError, type Image, type Store } from '../../storage/index.js';
import { chooseManifest, copyImage, type CopyOptions, type CopyResult } from '../copy/index.js';
import { isShortName, nameMatchingShortName, readAll, sha256Digest } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { parseConfig, type HistoryEntry, type ImageConfig } from '../manifest/index.js';
import {
  isTransportName, normalizeDockerName, openImageDestination, openImageSource, parseImageReference, type ImageSource, type ManifestBytes,
  StorageDestination, type ParsedReference, type TransportContext,
} from '../transports/index.js';
import type { EventRecorder } from '../../events/index.js';
import { imageInspectDetails, type ImageInspectDetails } from './image-inspect.js';
import { imageResultOf, type ImageResult } from './image-result.js';

export interface ImageServerOptions {
  /**
   * Short name → fully qualified candidates in order (registries.conf's
   * short-name resolution, from the registry side). Default: the docker.io
   * normalisation only.
   */
  resolveShortName?: (name: string) => string[] | Promise<string[]>;
  /** Transport for names given without one (CRI-O: `docker://`). */
  defaultTransport?: string;
  /** What openImageSource needs beyond the store (the docker:// transport). */
  transports?: Omit<TransportContext, 'store' | 'signal'>;
  /**
   * Also find a short name among stored names under any registry, as podman
   * does (`busybox` → `localhost/x/busybox:latest` when it is the only
   * match). Off for CRI-O's semantics, where `busybox` is docker.io's only.
   */
  localShortNames?: boolean;
  /** Where the image events go (podman's: pull, push, tag, untag, remove, save, loadfromarchive); none without it. */
  events?: EventRecorder;
}

export interface CallOptions {
  signal?: AbortSignal;
}

export interface PulledImage {
  /** The name the image got in the store. */
  name: string;
  id: string;
  manifestDigest: string;
}

export interface PreparedImage {
  reference: ParsedReference;
  manifest: ManifestBytes;
  manifestDigest: string;
  config: ImageConfig;
  configDigest: string;
  close(): Promise<void>;
}

export interface ImageInspect extends ImageResult, ImageInspectDetails {
  digests: string[];
  topLayer?: string;
  /** diffIDs, base first. */
  layers: string[];
  history: HistoryEntry[];
  architecture?: string;
  os?: string;
}

export interface TreeLayer {
  id: string;
  size: number;
  /** Names of images whose top layer this is. */
  tags: string[];
}

export interface HistoryItem {
  id: string;
  created?: string;
  createdBy: string;
  size: number;
  comment: string;
}

export class ImageServer {
  constructor(private readonly store: Store, private readonly options: ImageServerOptions = {}) {}

  getStore(): Store {
    return this.store;
  }

  /** Images whose name, ID or ID prefix matches `filter` (all without one). */
  async listImages(filter?: string, options: CallOptions = {}): Promise<ImageResult[]> {
    const images = filter ? [await this.lookup(filter, options)] : await this.store.images(options);
    return Promise.all(images.map((image) => imageResultOf(this.store, image, { withSize: true, signal: options.signal })));
  }

  async imageStatus(filter: string, options: CallOptions = {}): Promise<ImageResult> {
    return imageResultOf(this.store, await this.lookup(filter, options), { withSize: true, signal: options.signal });
  }

  /**
   * Fully qualified names to try for `imageName`, in order. An image ID is
   * refused (ErrCannotParseImageID); a `transport:` reference is returned as is.
   */
  async resolveNames(imageName: string): Promise<string[]> {
    if (/^(sha256:)?[a-f0-9]{64}$/.test(imageName)) throw new ImageError('invalid-reference', `cannot parse an image ID: ${imageName}`, { image: imageName });
    const colon = imageName.indexOf(':');
    if (colon > 0 && isTransportName(imageName.slice(0, colon)) && imageName.slice(colon + 1).length > 0 && !/^\d/.test(imageName.slice(colon + 1))) {
      if (imageName.slice(0, colon) !== 'docker' || imageName.startsWith('docker://')) return [imageName];
    }
    if (this.options.resolveShortName) return [...(await this.options.resolveShortName(imageName))];
    return [normalizeDockerName(imageName)];
  }

  /** The source's manifest and config, for a look before pulling; close() it. */
  async prepareImage(imageName: string, options: CallOptions & { platform?: CopyOptions['platform'] } = {}): Promise<PreparedImage> {
    const reference = parseImageReference(this.withTransport((await this.resolveNames(imageName))[0] as string));
    const source = await openImageSource(reference, { ...this.options.transports, store: this.store, signal: options.signal });
    try {
      const { manifest, manifestDigest, config, configDigest } = await readImage(source, options);
      return { reference, manifest, manifestDigest, config, configDigest, close: () => source.close() };
    } catch (err) {
      await source.close();
      throw err;
    }
  }

  /**
   * Copies `imageName` (a `transport:reference`, or a name for the default
   * transport) into the store, named by its docker reference (or `name`).
   * Candidates from resolveNames are tried in order; the error lists them all.
   */
  async pullImage(imageName: string, options: CopyOptions & { name?: string } = {}): Promise<PulledImage> {
    const pulled = await this.#pull(imageName, options);
    this.#event('pull', imageName);
    return pulled;
  }

  /**
   * podman load: the image of an archive (`docker-archive:PATH` or
   * `oci-archive:PATH`) copied into the store, as pullImage copies it, and
   * recorded as loaded from that file.
   */
  async loadImage(archive: string, options: CopyOptions = {}): Promise<PulledImage> {
    const pulled = await this.#pull(archive, options);
    this.#event('loadfromarchive', parseImageReference(archive).path ?? archive);
    return pulled;
  }

  async #pull(imageName: string, options: CopyOptions & { name?: string }): Promise<PulledImage> {
    const candidates = await this.resolveNames(imageName);
    const failures: string[] = [];
    let lastError: unknown;
    for (const candidate of candidates) {
      const reference = parseImageReference(this.withTransport(candidate));
      const name = options.name ?? reference.dockerReference ?? localNameFor(reference);
      try {
        const { result, name: stored } = await this.copyIn(reference, name, options);
        const id = result.configDigest.slice('sha256:'.length);
        return { name: stored ?? id, id, manifestDigest: result.manifestDigest };
      } catch (err) {
        lastError = err;
        failures.push(`${candidate}: ${(err as Error).message}`);
        if (isAbort(err)) break;
      }
    }
    if (candidates.length === 1) throw lastError;
    throw new ImageError('image-unknown', `pulling ${imageName} failed for every candidate:\n${failures.join('\n')}`, { image: imageName, candidates }, { cause: lastError });
  }

  /** Copies an image of the store to `destination` (`transport:reference`). */
  async pushImage(idOrName: string, destination: string, options: CopyOptions = {}): Promise<CopyResult> {
    const { image, result } = await this.#copyOut(idOrName, destination, options);
    this.#event('push', destination, image.id);
    return result;
  }

  /** podman save: pushImage to an archive or directory transport, recorded as saved to its path. */
  async saveImage(idOrName: string, destination: string, options: CopyOptions = {}): Promise<CopyResult> {
    const { image, result } = await this.#copyOut(idOrName, destination, options);
    this.#event('save', parseImageReference(destination).path ?? destination, image.id);
    return result;
  }

  async #copyOut(idOrName: string, destination: string, options: CopyOptions): Promise<{ image: Image; result: CopyResult }> {
    const image = await this.lookup(idOrName, options);
    const source = await openImageSource(parseImageReference(`containers-storage:@${image.id}`), { store: this.store, signal: options.signal });
    try {
      const target = await openImageDestination(parseImageReference(destination), { ...this.options.transports, store: this.store, signal: options.signal });
      return { image, result: await copyImage(source, target, options) };
    } finally {
      await source.close();
    }
  }

  /**
   * podman import: the image `source` gives (a root filesystem tarball's)
   * copied into the store, named `name` (normalised as given) when there is one.
   */
  async importImage(source: ImageSource, name: string | undefined, options: CopyOptions = {}): Promise<CopyResult> {
    const destination = name
      ? await openImageDestination(parseImageReference(`containers-storage:${name}`), { store: this.store, signal: options.signal })
      : new StorageDestination({ transport: 'containers-storage', text: '' }, this.store, undefined);
    const result = await copyImage(source, destination, options);
    // podman names an imported image by tagging it.
    if (name) this.#event('tag', name, result.configDigest.slice('sha256:'.length));
    return result;
  }

  /** Removes the name; an image left without names is removed (seed: UntagImage). */
  async untagImage(imageName: string, options: CallOptions = {}): Promise<void> {
    const image = await this.lookup(imageName, options);
    // podman's untag takes a name as normalised, never a short name's match under another registry.
    const name = this.nameOf(image, imageName, { shortNames: false });
    if (!name) {
      if (image.id.startsWith(imageName.replace(/^sha256:/, ''))) throw new ImageError('invalid-reference', `${imageName} is an image ID, not a name`, { image: imageName });
      throw new ImageError('image-unknown', `image ${image.id} has no name ${imageName}`, { image: imageName });
    }
    if (image.names.length === 1) {
      await this.removeImage(image.id, options);
      return;
    }
    await this.store.removeNames(image.id, [name], options);
    this.#event('untag', name, image.id);
  }

  /**
   * podman untag: the names given go from the image, which stays (unnamed
   * when none is left); without names, every name goes. A name given is
   * taken as stored, else as `tag` would have made it (`normalize`).
   */
  async untagNames(idOrName: string, names: readonly string[], options: CallOptions & { normalize?: (name: string) => string } = {}): Promise<void> {
    const image = await this.lookup(idOrName, options);
    const normalize = options.normalize ?? normalizeDockerName;
    const gone = names.length === 0 ? image.names : names.map((name) => (image.names.includes(name) ? name : normalize(name)));
    const unknown = gone.find((name) => !image.names.includes(name));
    if (unknown !== undefined) throw new ImageError('image-unknown', `${unknown}: tag not known`, { image: image.id, name: unknown });
    if (gone.length === 0) return;
    await this.store.removeNames(image.id, gone, options);
    for (const name of gone) this.#event('untag', name, image.id);
  }

  /**
   * Removes an image by name or ID. By a name of an image with several
   * names: only that name goes. By ID with several names: refused unless
   * `force` (ErrImageMultiplyTagged). Containers using it: refused unless
   * `force`, which removes them first (as podman rmi -f does).
   */
  async removeImage(idOrName: string, options: CallOptions & { force?: boolean } = {}): Promise<{ untagged: string[]; deleted?: string; layers: string[] }> {
    const image = await this.lookup(idOrName, options);
    const name = this.nameOf(image, idOrName);
    if (image.names.length > 1 && name) {
      await this.store.removeNames(image.id, [name], options);
      // podman records a removal here too, though the image stays under its other names.
      this.#event('untag', name, image.id);
      this.#event('remove', idOrName, image.id);
      return { untagged: [name], layers: [] };
    }
    if (image.names.length > 1 && !options.force) {
      throw new ImageError('image-multiply-tagged', `image ${image.id} still has multiple names applied (${image.names.join(', ')}): remove them by name or force`, { id: image.id, names: image.names });
    }
    const users = (await this.store.containers(options)).filter((c) => c.imageId === image.id);
    if (users.length > 0) {
      if (!options.force) {
        throw new ImageError('image-used', `image ${image.id} is in use by container(s) ${users.map((c) => c.id.slice(0, 12)).join(', ')}`, { id: image.id, containers: users.map((c) => c.id) });
      }
      for (const container of users) {
        await this.store.unmount(container.id, { force: true, signal: options.signal }).catch(() => undefined);
        await this.store.deleteContainer(container.id, options);
      }
    }
    const layers = await this.store.deleteImage(image.id, options);
    for (const untagged of image.names) this.#event('untag', untagged, image.id);
    this.#event('remove', idOrName, image.id);
    return { untagged: image.names, deleted: image.id, layers };
  }

  /** Adds `newName` (normalised) to the image; a name another image holds moves here. */
  async tagImage(idOrName: string, newName: string, options: CallOptions = {}): Promise<string> {
    const image = await this.lookup(idOrName, options);
    const name = normalizeDockerName(newName);
    await this.store.addNames(image.id, [name], options);
    this.#event('tag', name, image.id);
    return name;
  }

  async inspectImage(idOrName: string, options: CallOptions = {}): Promise<ImageInspect> {
    const image = await this.lookup(idOrName, options);
    const result = await imageResultOf(this.store, image, { withSize: true, signal: options.signal });
    const config = result.ociConfig;
    return {
      ...result,
      ...(await imageInspectDetails(this.store, image, config, options.signal)),
      digests: image.digests,
      topLayer: image.topLayer,
      layers: config?.rootfs.diff_ids ?? [],
      history: config?.history ?? [],
      architecture: config?.architecture,
      os: config?.os,
    };
  }

  /** Removes images without names that no container uses; returns their IDs. */
  async pruneImages(options: CallOptions & { all?: boolean; chosen?: (image: ImageResult) => boolean } = {}): Promise<string[]> {
    const removed: string[] = [];
    const used = new Set((await this.store.containers(options)).map((c) => c.imageId));
    for (const image of await this.store.images(options)) {
      if (used.has(image.id)) continue;
      if (image.names.length > 0 && !options.all) continue;
      // podman's prune --filter: only the images that pass.
      if (options.chosen && !options.chosen(await imageResultOf(this.store, image, { signal: options.signal }))) continue;
      try {
        await this.store.deleteImage(image.id, options);
        for (const untagged of image.names) this.#event('untag', untagged, image.id);
        this.#event('remove', image.id, image.id);
        removed.push(image.id);
      } catch (err) {
        if (!isStorageError(err, 'image-used-by-container', 'image-unknown')) throw err;
      }
    }
    return removed;
  }

  /** The image's layers, base first, with sizes and the names of images whose top layer each is. */
  async imageTree(idOrName: string, options: CallOptions = {}): Promise<{ image: ImageResult; layers: TreeLayer[] }> {
    const image = await this.lookup(idOrName, options);
    const images = await this.store.images(options);
    const layers: TreeLayer[] = [];
    let id = image.topLayer;
    while (id) {
      const layer = await this.store.layer(id, options);
      const tags = images.filter((i) => i.topLayer === layer.id).flatMap((i) => (i.names.length > 0 ? i.names : [`<none> (${i.id.slice(0, 12)})`]));
      layers.push({ id: layer.id, size: layer.uncompressedSize ?? (await this.store.layerSize(layer.id, options)), tags });
      id = layer.parent;
    }
    return { image: await imageResultOf(this.store, image, { signal: options.signal }), layers: layers.reverse() };
  }

  /** The config's history, newest first, each non-empty entry with the size of its layer (as podman history shows). */
  async imageHistory(idOrName: string, options: CallOptions = {}): Promise<HistoryItem[]> {
    const image = await this.lookup(idOrName, options);
    const config = parseConfig(await this.store.imageBigData(image.id, `sha256:${image.id}`, options));
    const layerIds: string[] = [];
    let id = image.topLayer;
    while (id) {
      const layer = await this.store.layer(id, options);
      layerIds.unshift(layer.id);
      id = layer.parent;
    }
    const items: HistoryItem[] = [];
    let layerIndex = 0;
    const history = config.history && config.history.length > 0 ? config.history : layerIds.map(() => ({} as HistoryEntry));
    for (const entry of history) {
      let size = 0;
      let itemId = '<missing>';
      if (!entry.empty_layer) {
        const layerId = layerIds[layerIndex++];
        if (layerId) size = await this.store.layerSize(layerId, options);
      }
      if (items.length === history.length - 1) itemId = image.id;
      items.push({ id: itemId, created: entry.created, createdBy: entry.created_by ?? '', size, comment: entry.comment ?? '' });
    }
    return items.reverse();
  }

  /** An image by name (as given, then normalised), ID, ID prefix or manifest digest. */
  async lookup(ref: string, options: CallOptions = {}): Promise<Image> {
    const attempts = [ref, safeNormalize(ref)].filter((r): r is string => !!r);
    for (const attempt of attempts) {
      try {
        return await this.store.image(attempt.replace(/^sha256:(?=[a-f0-9]{64}$)/, ''), options);
      } catch (err) {
        if (!isStorageError(err, 'image-unknown')) throw err;
      }
    }
    if (/^sha256:[a-f0-9]{64}$/.test(ref)) {
      const found = await this.store.imagesByDigest(ref, options);
      if (found[0]) return found[0];
    } else if (this.options.localShortNames && isShortName(ref)) {
      const matches = (await this.store.images(options)).filter((image) => nameMatchingShortName(image.names, ref) !== undefined);
      if (matches.length === 1) return matches[0] as Image;
      if (matches.length > 1) {
        throw new ImageError('image-unknown', `short name ${JSON.stringify(ref)} matches several images: ${matches.map((m) => m.names[0]).join(', ')}`, { image: ref });
      }
    }
    throw new ImageError('image-unknown', `${ref}: image not known`, { image: ref });
  }

  /** Records an image event (podman's: the image's ID when it has one, and the name it concerns). */
  #event(status: string, name: string, id?: string): void {
    this.options.events?.record({ ...(id !== undefined ? { ID: id } : {}), Name: name, Status: status, Type: 'image', Attributes: null });
  }

  /** The name of `image` that `ref` gave: as it is, normalised, or (podman's lookup) a short name's match. */
  private nameOf(image: Image, ref: string, options: { shortNames: boolean } = { shortNames: true }): string | undefined {
    if (image.names.includes(ref)) return ref;
    const normalized = safeNormalize(ref);
    if (normalized && image.names.includes(normalized)) return normalized;
    if (!options.shortNames || !this.options.localShortNames || !isShortName(ref)) return undefined;
    return nameMatchingShortName(image.names, ref);
  }

  private withTransport(name: string): string {
    const colon = name.indexOf(':');
    if (colon > 0 && isTransportName(name.slice(0, colon))) {
      if (name.slice(0, colon) !== 'docker' || name.startsWith('docker://')) return name;
    }
    const transport = this.options.defaultTransport ?? 'docker://';
    return `${transport}${name}`;
  }

  private async copyIn(reference: ParsedReference, name: string | undefined, options: CopyOptions): Promise<{ result: CopyResult; name?: string }> {
    const source = await openImageSource(reference, { ...this.options.transports, store: this.store, signal: options.signal });
    try {
      // Named after the source's own name when it has one (a docker archive's RepoTags).
      const sourceName = name ?? (source as ImageSource & { repoTags?: string[] }).repoTags?.[0];
      const destination = sourceName
        ? await openImageDestination(parseImageReference(`containers-storage:${sourceName}`), { store: this.store })
        : new StorageDestination({ transport: 'containers-storage', text: '' }, this.store, undefined);
      return { result: await copyImage(source, destination, options), name: sourceName };
    } finally {
      await source.close();
    }
  }
}

async function readImage(source: ImageSource, options: CallOptions & { platform?: CopyOptions['platform'] }) {
  const chosen = await chooseManifest(source, options.platform, options.signal);
  const configDigest = chosen.parsed.config.digest;
  const bytes = await readAll(await source.getBlob(chosen.parsed.config, options));
  if (sha256Digest(bytes) !== configDigest) throw new ImageError('blob-digest-mismatch', `config ${configDigest}: the content has another digest`, { digest: configDigest });
  return { manifest: chosen.manifest, manifestDigest: sha256Digest(chosen.manifest.bytes), config: parseConfig(bytes), configDigest };
}

/**
 * podman's name for an image pulled from a layout or directory: `localhost/`
 * + the path (oci:/tmp/x:v1 → localhost/tmp/x:latest). Archives name their
 * images themselves (RepoTags); none of these: unnamed.
 */
function localNameFor(reference: ParsedReference): string | undefined {
  if (reference.transport !== 'oci' && reference.transport !== 'oci-archive' && reference.transport !== 'dir') return undefined;
  return safeNormalize(`localhost/${(reference.path ?? '').replace(/^\/+/, '').toLowerCase()}`);
}

function safeNormalize(name: string): string | undefined {
  try {
    return normalizeDockerName(name);
  } catch {
    return undefined;
  }
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

