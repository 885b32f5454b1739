// `docker-archive:FILE[:NAME]` written: what podman 4.3 and skopeo write
// (§5.7): `<config hex>.json`, one uncompressed `<diffID hex>.tar` per
// layer, manifest.json with RepoTags. Written to a temp file renamed over
// FILE on commit, so a failed save leaves no archive.

import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { readAll, sha256Digest } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { DOCKER_MANIFEST, parseConfig, type ImageConfig } from '../manifest/index.js';
import type { DockerArchiveImage } from './docker-archive-source.js';
import type { ParsedReference } from './reference.js';
import { TarFileWriter } from './tar-file.js';
import type { BlobInfo, ImageDestination, ManifestBytes, PutBlobOptions } from './types.js';
import { VerifyingStream } from './verifying-stream.js';

export class DockerArchiveDestination implements ImageDestination {
  readonly supportedManifestMediaTypes = [DOCKER_MANIFEST];
  readonly desiredLayerCompression = 'decompress' as const;
  private config: { digest: string; parsed: ImageConfig } | undefined;
  private readonly written = new Set<string>();
  private committed = false;

  private constructor(readonly reference: ParsedReference, private readonly path: string, private readonly temp: string, private readonly tar: TarFileWriter) {}

  static async open(reference: ParsedReference): Promise<DockerArchiveDestination> {
    const path = reference.path as string;
    const temp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
    return new DockerArchiveDestination(reference, path, temp, await TarFileWriter.create(temp));
  }

  async tryReusingBlob(info: BlobInfo): Promise<BlobInfo | undefined> {
    return info.digest && this.written.has(info.digest) ? info : undefined;
  }

  /** Layers are named by their diffID, which the config (copied first) gives for each position. */
  async putBlob(stream: Readable, info: BlobInfo, options: PutBlobOptions = {}): Promise<BlobInfo> {
    if (options.isConfig) {
      const bytes = await readAll(stream);
      const digest = sha256Digest(bytes);
      this.config = { digest, parsed: parseConfig(bytes) };
      await this.tar.turn(() => this.tar.addFile(`${digest.slice(7)}.json`, bytes));
      return { ...info, digest, size: bytes.length };
    }
    const diffId = options.layerIndex !== undefined ? this.config?.parsed.rootfs.diff_ids[options.layerIndex] : undefined;
    if (!diffId) throw new ImageError('config-invalid', 'docker-archive: a layer arrived before the config that names it', {});
    const counter = new VerifyingStream({ digest: diffId, size: -1 });
    if (info.size >= 0) {
      await this.tar.turn(() => this.tar.addStream(`${diffId.slice(7)}.tar`, info.size, stream.pipe(counter)));
    } else {
      // The size of a layer decompressed on the way is known only at its end: spooled next to the archive.
      const spool = `${this.temp}.${randomBytes(4).toString('hex')}`;
      try {
        await pipeline(stream, counter, createWriteStream(spool));
        const { size } = await stat(spool);
        await this.tar.turn(() => this.tar.addStream(`${diffId.slice(7)}.tar`, size, createReadStream(spool)));
      } finally {
        await rm(spool, { force: true });
      }
    }
    this.written.add(diffId);
    return { ...info, digest: diffId, size: counter.size };
  }

  async putManifest(_manifest: ManifestBytes): Promise<void> {}

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length > 0) throw new ImageError('not-supported', 'a docker archive cannot store signatures', {});
  }

  async commit(): Promise<void> {
    if (!this.config) throw new ImageError('config-invalid', 'commit before the config was written', {});
    const image: DockerArchiveImage = {
      Config: `${this.config.digest.slice(7)}.json`,
      RepoTags: this.reference.dockerReference ? [this.reference.dockerReference] : [],
      Layers: this.config.parsed.rootfs.diff_ids.map((d) => `${d.slice(7)}.tar`),
    };
    await this.tar.turn(() => this.tar.addFile('manifest.json', Buffer.from(JSON.stringify([image]))));
    if (this.reference.dockerReference) {
      const [repository, tag] = splitTag(this.reference.dockerReference);
      const top = this.config.parsed.rootfs.diff_ids.at(-1);
      if (top && tag) await this.tar.turn(() => this.tar.addFile('repositories', Buffer.from(JSON.stringify({ [repository]: { [tag]: top.slice(7) } }))));
    }
    await this.tar.finish();
    await rename(this.temp, this.path);
    this.committed = true;
  }

  async close(): Promise<void> {
    if (this.committed) return;
    await this.tar.abandon();
    await rm(this.temp, { force: true });
  }
}

function splitTag(reference: string): [string, string | undefined] {
  const colon = reference.lastIndexOf(':');
  if (colon < 0 || colon < reference.lastIndexOf('/') || reference.includes('@')) return [reference, undefined];
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}
