// `docker-archive:FILE[:NAME|:@N]` read: the `docker save` format
// (manifest.json, config JSON, one tar per layer), images-and-registries.md
// §5.7. A Docker schema 2 manifest is made for the image; layer blobs are
// read from the archive by byte range, never extracted.

import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { detectCompression, Compression, COMPRESSION_MAGIC_LENGTH } from '../../archive/index.js';
import { sha256Digest } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { DOCKER_CONFIG, DOCKER_LAYER_GZIP, DOCKER_LAYER_TAR, DOCKER_MANIFEST, MAX_CONFIG_SIZE, MAX_MANIFEST_SIZE, OCI_LAYER_ZSTD, parseConfig } from '../manifest/index.js';
import { normalizeDockerName } from './docker-name.js';
import type { ParsedReference } from './reference.js';
import { indexTarFile, readTarEntry, readTarEntryBytes, resolveTarEntry, type TarIndexEntry } from './tar-file.js';
import type { BlobInfo, ImageSource, ManifestBytes } from './types.js';

export interface DockerArchiveImage {
  Config: string;
  RepoTags?: string[] | null;
  Layers: string[];
}

export class DockerArchiveSource implements ImageSource {
  private constructor(
    readonly reference: ParsedReference,
    private readonly path: string,
    private readonly manifest: ManifestBytes,
    /** Blob digest → the archive entry holding it. */
    private readonly blobs: Map<string, TarIndexEntry>,
    /** RepoTags of the chosen image, normalised. */
    readonly repoTags: string[],
  ) {}

  static async open(reference: ParsedReference): Promise<DockerArchiveSource> {
    const path = reference.path as string;
    const entries = await indexTarFile(path);
    const images = JSON.parse((await readTarEntryBytes(path, resolveTarEntry(entries, 'manifest.json', path), MAX_MANIFEST_SIZE)).toString('utf8')) as DockerArchiveImage[];
    if (!Array.isArray(images) || images.length === 0) throw new ImageError('archive-invalid', `${path}: manifest.json lists no images`, { path });
    const image = chooseImage(images, reference, path);
    const configEntry = resolveTarEntry(entries, image.Config, path);
    const config = await readTarEntryBytes(path, configEntry, MAX_CONFIG_SIZE);
    const diffIds = parseConfig(config).rootfs.diff_ids;
    if (diffIds.length !== image.Layers.length) throw new ImageError('archive-invalid', `${path}: ${image.Layers.length} layer files for ${diffIds.length} diff_ids`, { path });
    const blobs = new Map<string, TarIndexEntry>();
    const configDigest = sha256Digest(config);
    blobs.set(configDigest, configEntry);
    const layers: BlobInfo[] = [];
    for (let i = 0; i < image.Layers.length; i++) {
      const entry = resolveTarEntry(entries, image.Layers[i] as string, path);
      const head = await readTarEntryBytes(path, { ...entry, size: Math.min(entry.size, COMPRESSION_MAGIC_LENGTH) }, COMPRESSION_MAGIC_LENGTH);
      const compression = detectCompression(head);
      // A plain tar's digest is its diffID (checked when copied); a compressed one must be hashed.
      const digest = compression === Compression.None ? (diffIds[i] as string) : await hashEntry(path, entry);
      blobs.set(digest, entry);
      const mediaType = compression === Compression.None ? DOCKER_LAYER_TAR : compression === Compression.Zstd ? OCI_LAYER_ZSTD : DOCKER_LAYER_GZIP;
      layers.push({ digest, size: entry.size, mediaType });
    }
    const manifest = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: DOCKER_CONFIG, size: config.length, digest: configDigest },
      layers,
    };
    const repoTags = (image.RepoTags ?? []).map((tag) => normalizeDockerName(tag));
    return new DockerArchiveSource(reference, path, { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: DOCKER_MANIFEST }, blobs, repoTags);
  }

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    if (instanceDigest) throw new ImageError('not-supported', 'a docker archive has no manifest lists', {});
    return this.manifest;
  }

  async getBlob(info: BlobInfo): Promise<Readable> {
    const entry = this.blobs.get(info.digest);
    if (!entry) throw new ImageError('blob-unknown', `blob ${info.digest} is not in ${this.path}`, { digest: info.digest });
    return readTarEntry(this.path, entry);
  }

  async getSignatures(): Promise<Buffer[]> {
    return [];
  }

  async close(): Promise<void> {}
}

/** `:NAME` picks the image with that RepoTag, `:@N` the N-th; none: the only one. */
function chooseImage(images: DockerArchiveImage[], reference: ParsedReference, path: string): DockerArchiveImage {
  const wanted = reference.refName;
  if (wanted === undefined) {
    if (images.length === 1) return images[0] as DockerArchiveImage;
    throw new ImageError('image-unknown', `${path} holds ${images.length} images: name one (docker-archive:${path}:NAME or :@N)`, { path });
  }
  if (wanted.startsWith('@')) {
    const image = images[Number(wanted.slice(1))];
    if (!image) throw new ImageError('image-unknown', `${path} has no image ${wanted}`, { path });
    return image;
  }
  const name = normalizeDockerName(wanted);
  const image = images.find((i) => (i.RepoTags ?? []).some((tag) => normalizeDockerName(tag) === name));
  if (!image) throw new ImageError('image-unknown', `${path} has no image named ${name}`, { path, name });
  return image;
}

async function hashEntry(path: string, entry: TarIndexEntry): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of readTarEntry(path, entry) as AsyncIterable<Buffer>) hash.update(chunk);
  return `sha256:${hash.digest('hex')}`;
}
