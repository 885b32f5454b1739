// `berth push` and `berth save`: an image of the store copied out through the
// copy pipeline to any transport (a registry without one), or to an archive
// file or stdout; a push may sign what it writes (--sign-by).

import { createReadStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImageError, isTransportName } from '../../../image/index.js';
import { GpgSigner, type ImageSigner, type Policy } from '../../../image/signature/index.js';
import { packageVersion } from '../../package-version.js';
import { progressListener } from '../progress-view.js';
import type { RegistryCliFlags } from '../registry.js';
import { withImageServer } from '../server.js';
import { cliSignaturePolicy } from '../signature-policy.js';
import type { GlobalImageOptions } from '../store.js';
import { progressMode } from './pull.js';

export interface PushFlags extends RegistryCliFlags {
  quiet?: boolean;
  progress?: string;
  removeSignatures?: boolean;
  compressionFormat?: string;
  digestfile?: string;
  signaturePolicy?: string;
  signBy?: string;
  signPassphraseFile?: string;
}

export async function push(globals: GlobalImageOptions, image: string, destination: string | undefined, flags: PushFlags): Promise<void> {
  const compressionFormat = flags.compressionFormat;
  if (compressionFormat !== undefined && compressionFormat !== 'gzip' && compressionFormat !== 'zstd') {
    throw new ImageError('invalid-option', `--compression-format ${compressionFormat}: want gzip or zstd`, { compressionFormat });
  }
  const policy = await cliSignaturePolicy(flags);
  const signers = await signersOf(flags);
  await withImageServer(globals, async (server) => {
    const found = await server.lookup(image);
    const target = destination ?? `docker://${found.names.find((n) => n === image) ?? found.names[0] ?? image}`;
    const colon = target.indexOf(':');
    const withTransport = colon > 0 && isTransportName(target.slice(0, colon)) && !/^\d/.test(target.slice(colon + 1)) ? target : `docker://${target}`;
    const result = await server.pushImage(found.id, withTransport, {
      onEvent: progressListener(progressMode(flags)),
      removeSignatures: flags.removeSignatures,
      policy,
      signers,
      ...(compressionFormat ? { compressionFormat } : {}),
    });
    if (flags.digestfile) await writeFile(flags.digestfile, result.manifestDigest);
  }, { ...flags, forPush: true });
}

/** podman's `--sign-by` (GnuPG from the environment: GNUPGHOME, gpg-agent) and `--sign-passphrase-file`. */
async function signersOf(flags: PushFlags): Promise<ImageSigner[]> {
  if (flags.signBy === undefined) {
    if (flags.signPassphraseFile !== undefined) throw new ImageError('invalid-option', '--sign-passphrase-file needs --sign-by', { file: flags.signPassphraseFile });
    return [];
  }
  return [new GpgSigner({
    keyFingerprint: flags.signBy,
    creator: `berth ${packageVersion()}`,
    env: process.env,
    ...(flags.signPassphraseFile !== undefined ? { passphraseFile: flags.signPassphraseFile } : {}),
  })];
}

const SAVE_FORMATS: Record<string, string> = { 'docker-archive': 'docker-archive', 'oci-archive': 'oci-archive', 'oci-dir': 'oci', 'docker-dir': 'dir' };

/** To `--output`, else to stdout when it is not a terminal (the archive formats only). */
export async function save(globals: GlobalImageOptions, image: string, flags: { output?: string; format?: string; quiet?: boolean; signaturePolicy?: string }, stdout: NodeJS.WriteStream = process.stdout): Promise<void> {
  const format = flags.format ?? 'docker-archive';
  const transport = SAVE_FORMATS[format];
  if (!transport) throw new ImageError('invalid-option', `unknown --format ${flags.format}: one of ${Object.keys(SAVE_FORMATS).join(', ')}`, { format });
  // The store's image must pass the policy, as in every copy containers/image makes.
  const policy = await cliSignaturePolicy(flags);
  if (flags.output) {
    await saveTo(globals, image, transport, flags.output, policy, flags.quiet);
    return;
  }
  if (stdout.isTTY) throw new ImageError('invalid-option', 'berth save refuses to write an archive to a terminal: use --output FILE or redirect stdout', {});
  if (transport === 'oci' || transport === 'dir') throw new ImageError('invalid-option', `--format ${format} writes a directory: it needs --output DIR`, { format });
  // The archive destinations write a file (renamed into place only when complete), then it is copied out.
  const dir = await mkdtemp(join(tmpdir(), 'berth-save-'));
  try {
    const file = join(dir, 'archive.tar');
    await saveTo(globals, image, transport, file, policy, true);
    await pipeline(createReadStream(file), stdout, { end: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function saveTo(globals: GlobalImageOptions, image: string, transport: string, output: string, policy: Policy, quiet?: boolean): Promise<void> {
  await withImageServer(globals, async (server) => {
    const found = await server.lookup(image);
    const name = found.names.find((n) => n === image) ?? found.names.find((n) => !n.includes('@'));
    const suffix = transport === 'dir' ? '' : transport === 'docker-archive' ? (name ? `:${name}` : '') : name ? `:${name.slice(name.lastIndexOf(':') + 1)}` : '';
    await server.saveImage(found.id, `${transport}:${output}${suffix}`, { onEvent: progressListener(quiet ? 'quiet' : 'auto'), removeSignatures: true, policy });
  });
}
