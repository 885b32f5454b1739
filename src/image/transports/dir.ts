// `dir:DIR`: containers/image's directory transport — `manifest.json`,
// blobs named by their hex digest, `signature-N`, and a `version` file.

import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { isErrno, writeFileAtomic } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { checkDigest, manifestMediaType, MAX_MANIFEST_SIZE } from '../manifest/index.js';
import { blobFileSize, openBlobFile, writeBlobFile } from './blob-files.js';
import type { BlobInfo, ImageDestination, ImageReference, ImageSource, ManifestBytes, PutBlobOptions } from './types.js';

const VERSION = 'Directory Transport Version: 1.1\n';

function blobName(digest: string): string {
  return checkDigest(digest, 'blob').slice('sha256:'.length);
}

function manifestName(instanceDigest?: string): string {
  return instanceDigest ? `${blobName(instanceDigest)}.manifest.json` : 'manifest.json';
}

export class DirSource implements ImageSource {
  constructor(readonly reference: ImageReference, private readonly dir: string) {}

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    const path = join(this.dir, manifestName(instanceDigest));
    const size = await blobFileSize(path);
    if (size === undefined) throw new ImageError('image-unknown', `${path} does not exist`, { path });
    if (size > MAX_MANIFEST_SIZE) throw new ImageError('manifest-too-large', `${path} is over the limit of ${MAX_MANIFEST_SIZE} bytes`, { path });
    const bytes = await readFile(path);
    return { bytes, mediaType: manifestMediaType(bytes) };
  }

  async getBlob(info: BlobInfo): Promise<Readable> {
    return openBlobFile(join(this.dir, blobName(info.digest)), info.digest);
  }

  async getSignatures(instanceDigest?: string): Promise<Buffer[]> {
    const prefix = instanceDigest ? `${blobName(instanceDigest)}.signature-` : 'signature-';
    const signatures: Buffer[] = [];
    for (let i = 1; ; i++) {
      try {
        signatures.push(await readFile(join(this.dir, `${prefix}${i}`)));
      } catch (err) {
        if (isErrno(err, 'ENOENT')) return signatures;
        throw err;
      }
    }
  }

  async close(): Promise<void> {}
}

export class DirDestination implements ImageDestination {
  readonly supportedManifestMediaTypes: string[] = [];

  private constructor(readonly reference: ImageReference, private readonly dir: string) {}

  /** An existing directory must be empty or a dir: image already (containers/image refuses others). */
  static async open(reference: ImageReference, dir: string): Promise<DirDestination> {
    await mkdir(dir, { recursive: true });
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes('version')) {
      throw new ImageError('not-supported', `${dir} is not empty and not a dir: image; refusing to write into it`, { dir });
    }
    return new DirDestination(reference, dir);
  }

  async tryReusingBlob(info: BlobInfo): Promise<BlobInfo | undefined> {
    if (!info.digest) return undefined;
    const size = await blobFileSize(join(this.dir, blobName(info.digest)));
    return size === undefined ? undefined : { ...info, size };
  }

  async putBlob(stream: Readable, info: BlobInfo, options?: PutBlobOptions): Promise<BlobInfo> {
    return writeBlobFile(this.dir, stream, info, blobName, options?.signal);
  }

  async putManifest(manifest: ManifestBytes, instanceDigest?: string): Promise<void> {
    await writeFileAtomic(join(this.dir, manifestName(instanceDigest)), manifest.bytes, { mode: 0o644 });
  }

  async putSignatures(signatures: Buffer[], instanceDigest?: string): Promise<void> {
    const prefix = instanceDigest ? `${blobName(instanceDigest)}.signature-` : 'signature-';
    for (let i = 0; i < signatures.length; i++) await writeFileAtomic(join(this.dir, `${prefix}${i + 1}`), signatures[i] as Buffer, { mode: 0o644 });
  }

  async commit(): Promise<void> {
    await writeFile(join(this.dir, 'version'), VERSION, { mode: 0o644 });
  }

  async close(): Promise<void> {}
}
