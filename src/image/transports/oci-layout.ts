// `oci:DIR[:REF]`: an OCI image layout directory (oci-layout, index.json,
// blobs/sha256/…), the image picked by its org.opencontainers.image.ref.name.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { isErrno, writeFileAtomic } from '../../util/index.js';
import { ImageError } from '../errors.js';
import { checkDigest, manifestMediaType, MAX_MANIFEST_SIZE, OCI_INDEX, OCI_MANIFEST, type Descriptor, type ImageIndex } from '../manifest/index.js';
import { blobFileSize, openBlobFile, writeBlobFile } from './blob-files.js';
import type { BlobInfo, ImageDestination, ImageReference, ImageSource, ManifestBytes, PutBlobOptions, TransferOptions } from './types.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';

export function blobPath(dir: string, digest: string): string {
  return join(dir, 'blobs', 'sha256', checkDigest(digest, 'blob').slice('sha256:'.length));
}

async function readIndex(dir: string): Promise<ImageIndex> {
  let text: string;
  try {
    text = await readFile(join(dir, 'index.json'), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new ImageError('layout-invalid', `${dir} is not an OCI layout: no index.json`, { dir }, { cause: err });
    throw err;
  }
  try {
    const index = JSON.parse(text) as ImageIndex;
    if (!Array.isArray(index.manifests)) throw new Error('no manifests array');
    return index;
  } catch (err) {
    throw new ImageError('layout-invalid', `${dir}/index.json: ${(err as Error).message}`, { dir }, { cause: err });
  }
}

export async function readManifestBlob(dir: string, digest: string, declared?: string): Promise<ManifestBytes> {
  const size = await blobFileSize(blobPath(dir, digest));
  if (size === undefined) throw new ImageError('blob-unknown', `manifest ${digest} is not in ${dir}`, { digest, dir });
  if (size > MAX_MANIFEST_SIZE) throw new ImageError('manifest-too-large', `manifest ${digest} of ${size} bytes is over the limit`, { digest, size });
  const bytes = await readFile(blobPath(dir, digest));
  return { bytes, mediaType: manifestMediaType(bytes, declared) };
}

export class OciLayoutSource implements ImageSource {
  constructor(readonly reference: ImageReference, private readonly dir: string, private readonly refName: string | undefined) {}

  async getManifest(instanceDigest?: string): Promise<ManifestBytes> {
    if (instanceDigest) return readManifestBlob(this.dir, instanceDigest);
    const entry = await this.entry();
    return readManifestBlob(this.dir, entry.digest, entry.mediaType);
  }

  async getBlob(info: BlobInfo): Promise<Readable> {
    return openBlobFile(blobPath(this.dir, info.digest), info.digest);
  }

  async getSignatures(): Promise<Buffer[]> {
    return [];
  }

  async close(): Promise<void> {}

  /** The index.json entry: by ref name, or the only one when no name is given. */
  private async entry(): Promise<Descriptor> {
    const index = await readIndex(this.dir);
    if (this.refName === undefined) {
      if (index.manifests.length === 1) return index.manifests[0] as Descriptor;
      throw new ImageError('image-unknown', `${this.dir} holds ${index.manifests.length} images: name one (oci:${this.dir}:NAME)`, { dir: this.dir });
    }
    const found = index.manifests.find((m) => m.annotations?.[REF_NAME] === this.refName);
    if (!found) throw new ImageError('image-unknown', `no image named ${JSON.stringify(this.refName)} in OCI layout ${this.dir}`, { dir: this.dir, ref: this.refName });
    return found;
  }
}

export class OciLayoutDestination implements ImageDestination {
  readonly supportedManifestMediaTypes = [OCI_MANIFEST, OCI_INDEX];
  readonly desiredLayerCompression = 'compress' as const;
  private top: Descriptor | undefined;

  constructor(readonly reference: ImageReference, private readonly dir: string, private readonly refName: string | undefined) {}

  async tryReusingBlob(info: BlobInfo): Promise<BlobInfo | undefined> {
    if (!info.digest) return undefined;
    const size = await blobFileSize(blobPath(this.dir, info.digest));
    return size === undefined ? undefined : { ...info, size };
  }

  async putBlob(stream: Readable, info: BlobInfo, options?: PutBlobOptions): Promise<BlobInfo> {
    const blobs = join(this.dir, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    return writeBlobFile(blobs, stream, info, (digest) => digest.slice('sha256:'.length), options?.signal);
  }

  async putManifest(manifest: ManifestBytes, instanceDigest?: string, options?: TransferOptions): Promise<void> {
    const written = await this.putBlob(Readable.from([manifest.bytes]), { digest: '', size: manifest.bytes.length }, options);
    if (!instanceDigest) this.top = { mediaType: manifest.mediaType, digest: written.digest, size: written.size };
  }

  async putSignatures(signatures: Buffer[]): Promise<void> {
    if (signatures.length > 0) throw new ImageError('not-supported', 'an OCI layout cannot store signatures', {});
  }

  /** index.json gains the image (replacing one of the same name), written atomically. */
  async commit(): Promise<void> {
    if (!this.top) throw new ImageError('manifest-invalid', 'commit before the manifest was written', {});
    let index: ImageIndex = { schemaVersion: 2, manifests: [] };
    try {
      index = await readIndex(this.dir);
    } catch (err) {
      if (!(err instanceof ImageError && err.code === 'layout-invalid' && (err.cause as NodeJS.ErrnoException)?.code === 'ENOENT')) throw err;
    }
    const entry: Descriptor = { ...this.top, ...(this.refName !== undefined ? { annotations: { [REF_NAME]: this.refName } } : {}) };
    const kept = index.manifests.filter((m) => this.refName === undefined || m.annotations?.[REF_NAME] !== this.refName);
    index = { ...index, schemaVersion: 2, manifests: [...kept, entry] };
    await writeFileAtomic(join(this.dir, 'oci-layout'), Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })), { mode: 0o644 });
    await writeFileAtomic(join(this.dir, 'index.json'), Buffer.from(JSON.stringify(index)), { mode: 0o644 });
  }

  async close(): Promise<void> {}
}
