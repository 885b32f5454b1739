// Test images put into a test registry the way users do it: built in code as
// an OCI layout, then `skopeo copy oci:… docker://…` (OCI or Docker schema2,
// single image or a multi-platform index with --all).
//
//   const image = buildOciImage([layerTar], { gzip: true });
//   await pushWithSkopeo(await ociLayoutOf(dir, image), 'test/bb:1', registry);

import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex, writeOciLayout, type OciImage } from './oci-image.js';
import { runToolOk } from './run-tool.js';
import { TarBuilder } from './tar-builder.js';

export interface PushTarget {
  /** `127.0.0.1:<port>`. */
  host: string;
  /** `user:password` for a registry with auth. */
  creds?: string;
  /** certs.d-style directory (ca.crt) for a TLS registry; absent: TLS not verified. */
  certDir?: string;
}

export interface PushOptions {
  /** `v2s2` pushes Docker schema2 media types; default OCI. */
  format?: 'oci' | 'v2s2';
  /** Copy every image of an index (`--all`). */
  all?: boolean;
}

/** A one-file layer tar (`name` holding `content`), distinct per call when `content` differs. */
export function layerWithFile(name: string, content: string | Buffer): Buffer {
  return new TarBuilder().file(name, content, { mode: 0o644 }).toBuffer();
}

/** Writes `image` as an OCI layout in a fresh directory under `parent`; returns `oci:<dir>:<tag>`. */
export async function ociLayoutOf(parent: string, image: OciImage, tag = 'latest'): Promise<string> {
  const dir = join(parent, `layout-${image.manifestDigest.slice(7, 19)}`);
  await writeOciLayout(dir, image, tag);
  return `oci:${dir}:${tag}`;
}

export interface IndexMember {
  image: OciImage;
  platform: { architecture: string; os: string; variant?: string };
}

export interface MultiPlatformLayout {
  /** `oci:<dir>:<tag>`. */
  source: string;
  index: Buffer;
  indexDigest: string;
}

/** An OCI layout whose tag names an image index of `members` (for `skopeo copy --all`). */
export async function multiPlatformLayout(dir: string, members: IndexMember[], tag = 'multi'): Promise<MultiPlatformLayout> {
  const blobs = join(dir, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  for (const { image } of members) {
    await writeFile(join(blobs, image.configDigest.slice(7)), image.config);
    await writeFile(join(blobs, image.manifestDigest.slice(7)), image.manifest);
    for (const blob of image.layerBlobs) await writeFile(join(blobs, blob.digest.slice(7)), blob.data);
  }
  const index = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: members.map(({ image, platform }) => ({
      mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, platform,
    })),
  }));
  const indexDigest = `sha256:${sha256Hex(index)}`;
  await writeFile(join(blobs, indexDigest.slice(7)), index);
  await writeFile(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  await writeFile(join(dir, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    manifests: [{
      mediaType: 'application/vnd.oci.image.index.v1+json', digest: indexDigest, size: index.length,
      annotations: { 'org.opencontainers.image.ref.name': tag },
    }],
  }));
  return { source: `oci:${dir}:${tag}`, index, indexDigest };
}

/** `skopeo copy <source> docker://<host>/<name>`; returns the pushed manifest's digest as skopeo reports it. */
export async function pushWithSkopeo(source: string, name: string, target: PushTarget, options: PushOptions = {}): Promise<string> {
  const args = ['copy', '--quiet', '--retry-times', '0'];
  if (options.all) args.push('--all');
  if (options.format === 'v2s2') args.push('--format', 'v2s2');
  if (target.certDir) args.push('--dest-cert-dir', target.certDir);
  else args.push('--dest-tls-verify=false');
  if (target.creds) args.push('--dest-creds', target.creds);
  const scratch = await mkdtemp(join(tmpdir(), 'berth-skopeo-digest-'));
  try {
    const digestFile = join(scratch, 'digest');
    args.push('--digestfile', digestFile, source, `docker://${target.host}/${name}`);
    await runToolOk('skopeo', args);
    return (await readFile(digestFile, 'utf8')).trim();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Puts `image` into a plain-HTTP registry through the distribution API itself,
 * blobs exactly as built: skopeo compresses an uncompressed layer on every push
 * to a registry, so an image with a plain `tar` layer gets there only this way.
 * Returns the manifest digest.
 */
export async function pushAsBuilt(image: OciImage, name: string, target: PushTarget): Promise<string> {
  const base = `http://${target.host}/v2/${name.split(':')[0]}`;
  const tag = name.split(':')[1] ?? 'latest';
  for (const blob of [{ data: image.config, digest: image.configDigest }, ...image.layerBlobs]) {
    const started = await fetch(`${base}/blobs/uploads/`, { method: 'POST' });
    if (started.status !== 202) throw new Error(`upload of ${blob.digest} not started: HTTP ${started.status}`);
    const location = new URL(started.headers.get('location')!, base);
    location.searchParams.set('digest', blob.digest);
    const put = await fetch(location, { method: 'PUT', body: new Uint8Array(blob.data), headers: { 'content-type': 'application/octet-stream' } });
    if (put.status !== 201) throw new Error(`upload of ${blob.digest} refused: HTTP ${put.status}`);
  }
  const manifest = await fetch(`${base}/manifests/${tag}`, {
    method: 'PUT', body: new Uint8Array(image.manifest), headers: { 'content-type': 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (manifest.status !== 201) throw new Error(`manifest refused: HTTP ${manifest.status} ${await manifest.text()}`);
  return image.manifestDigest;
}
