// Lookaside signature storage (containers/image's docs/signature-protocols.md):
// the simple signing signatures of manifest `<alg>:<hex>` of a repository are
// `<base>@<alg>=<hex>/signature-1`, `-2`, … up to the first missing one, read
// from file://, http:// or https://, written only to file://.

import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isErrno, writeNewFileAtomic } from '../../util/index.js';
import { ImageError } from '../errors.js';

/** Every signature of `digest` under the repository's lookaside `base`, in order. */
export async function readLookasideSignatures(base: URL, digest: string, signal?: AbortSignal): Promise<Buffer[]> {
  const signatures: Buffer[] = [];
  for (let n = 1; ; n++) {
    const signature = await readOne(signatureUrl(base, digest, n), signal);
    if (!signature) return signatures;
    signatures.push(signature);
  }
}

/** Refuses a base that cannot be written (anything but file://), naming it, before a push makes anything visible. */
export function checkLookasideWritable(base: URL): void {
  if (base.protocol === 'file:') return;
  const shown = new URL(base.href);
  shown.username = '';
  shown.password = '';
  throw new ImageError('signatures-unsupported', `writing signatures to the ${base.protocol.slice(0, -1)} lookaside ${shown.href} is not supported: configure a file:// lookaside-staging location in registries.d`, {
    url: shown.href,
  });
}

/**
 * Adds `signatures` after those already there, each under the first free
 * `signature-N`; one with the same bytes as a stored one is not added again
 * (a pulled signed image pushed back keeps one copy of its signature). Each
 * file appears complete or not at all, and never replaces another: a
 * concurrent writer that takes a name first pushes this one to the next.
 * Returns the file paths written.
 */
export async function appendLookasideSignatures(base: URL, digest: string, signatures: Buffer[]): Promise<string[]> {
  checkLookasideWritable(base);
  const existing = await readLookasideSignatures(base, digest);
  const written: string[] = [];
  let n = existing.length + 1;
  for (const signature of signatures) {
    if (existing.some((e) => e.equals(signature))) continue;
    for (;; n++) {
      const path = fileURLToPath(signatureUrl(base, digest, n));
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      if (await writeNewFileAtomic(path, signature, { mode: 0o644 })) {
        written.push(path);
        existing.push(signature);
        break;
      }
    }
  }
  return written;
}

function signatureUrl(base: URL, digest: string, n: number): URL {
  const [algorithm, hex] = digest.split(':') as [string, string];
  return new URL(`${base.href.replace(/\/$/, '')}@${algorithm}=${hex}/signature-${n}`);
}

// One signature file; undefined when it does not exist (the list ends there).
async function readOne(url: URL, signal?: AbortSignal): Promise<Buffer | undefined> {
  if (url.protocol === 'file:') {
    try {
      return await readFile(url, signal ? { signal } : {});
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return undefined;
      throw err;
    }
  }
  const res = await fetch(url, signal ? { signal } : {});
  if (res.status === 404) return undefined;
  if (!res.ok) throw new ImageError('registry-error', `reading signature ${url.href}: HTTP status ${res.status}`, { url: url.href });
  return Buffer.from(await res.arrayBuffer());
}
