// `berth pull`, `berth load`: an image copied into the store through the
// copy pipeline, with podman's progress output; the image ID on stdout.
// A name without a transport is a registry image (docker://), short names
// resolved by registries.conf.

import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { archiveTransportOf } from '../../../image/index.js';
import type { Policy } from '../../../image/signature/index.js';
import { progressListener, type ProgressMode } from '../progress-view.js';
import type { RegistryCliFlags } from '../registry.js';
import { platformOf, withImageServer } from '../server.js';
import { cliSignaturePolicy } from '../signature-policy.js';
import type { GlobalImageOptions } from '../store.js';

export interface PullFlags extends RegistryCliFlags {
  quiet?: boolean;
  progress?: string;
  platform?: string;
  os?: string;
  arch?: string;
  variant?: string;
  jobs?: string;
  signaturePolicy?: string;
}

export async function pull(globals: GlobalImageOptions, image: string, flags: PullFlags): Promise<void> {
  const policy = await cliSignaturePolicy(flags);
  await withImageServer(globals, async (server) => {
    const pulled = await server.pullImage(image, {
      policy,
      platform: platformOf(flags),
      concurrency: flags.jobs ? Number(flags.jobs) : undefined,
      onEvent: progressListener(progressMode(flags)),
    });
    process.stdout.write(`${pulled.id}\n`);
  }, flags);
}

/** From `--input`, else from stdin (podman: "Loaded image: NAME" on stdout). */
export async function load(globals: GlobalImageOptions, flags: { input?: string; quiet?: boolean; signaturePolicy?: string }, stdin: NodeJS.ReadStream = process.stdin): Promise<void> {
  // As podman's copier does, the archive's image must pass the policy (its transport's scope).
  const policy = await cliSignaturePolicy(flags);
  if (flags.input) {
    await loadFile(globals, flags.input, policy, flags.quiet);
    return;
  }
  if (stdin.isTTY) throw new Error('berth load needs --input FILE, or an archive on stdin (not a terminal)');
  // A docker-archive is read by random access (manifest.json may come after the
  // layers it names, and each layer is read where the archive has it), so stdin
  // goes to a temp file first; oci-archive is read the same way.
  const dir = await mkdtemp(join(tmpdir(), 'berth-load-'));
  try {
    const file = join(dir, 'archive.tar');
    await pipeline(stdin, createWriteStream(file, { mode: 0o600 }));
    await loadFile(globals, file, policy, flags.quiet);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function loadFile(globals: GlobalImageOptions, path: string, policy: Policy, quiet?: boolean): Promise<void> {
  await withImageServer(globals, async (server) => {
    const pulled = await server.loadImage(`${await archiveTransportOf(path)}:${path}`, { policy, onEvent: progressListener(quiet ? 'quiet' : 'auto') });
    process.stdout.write(`Loaded image: ${pulled.name}\n`);
  });
}

export function progressMode(flags: { quiet?: boolean; progress?: string }): ProgressMode {
  if (flags.quiet) return 'quiet';
  return flags.progress === 'json' ? 'json' : 'auto';
}
