// Simple signing with GnuPG, as containers/image's gpgme mechanism signs: the
// payload JSON in a binary OpenPGP signed message (`gpg --sign`, not
// detached, not armored) made with the key the caller names. gpg runs in the
// environment given, so GNUPGHOME and a running gpg-agent count as usual.

import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { ImageError } from '../errors.js';
import { simpleSigningPayload } from './payload.js';

/** What the copy pipeline signs a pushed manifest with (containers/image's signer.Signer). */
export interface ImageSigner {
  /** The sentence shown before signing ("Creating signature: …"). */
  readonly progressMessage: string;
  /** Fails when the signer cannot sign at all (unknown key, unreadable passphrase), before anything is copied. */
  check(signal?: AbortSignal): Promise<void>;
  /** A signature of `manifest` as the image named `dockerReference` (a reference with a tag or digest). */
  signImageManifest(manifest: { bytes: Buffer; digest: string }, dockerReference: string, signal?: AbortSignal): Promise<Buffer>;
}

export interface GpgSignerOptions {
  /** The key, as `--sign-by` takes it: a fingerprint (or anything gpg's `--local-user` accepts). */
  keyFingerprint: string;
  /** `--sign-passphrase-file`: its first line unlocks the key (gpg's loopback pinentry); absent: gpg-agent asks or knows. */
  passphraseFile?: string;
  /** `optional.creator` of the payload (containers/image writes `atomic <version>`). */
  creator: string;
  /** gpg's whole environment (GNUPGHOME, HOME…). */
  env: NodeJS.ProcessEnv;
  /** Seconds since the epoch for `optional.timestamp` (default: now). */
  now?: () => number;
}

const GPG = 'gpg';

export class GpgSigner implements ImageSigner {
  readonly progressMessage = 'Signing image using simple signing';
  readonly #options: GpgSignerOptions;

  constructor(options: GpgSignerOptions) {
    if (options.keyFingerprint === '' || /[\r\n]/.test(options.keyFingerprint)) {
      throw new ImageError('invalid-option', `--sign-by ${JSON.stringify(options.keyFingerprint)}: want a key fingerprint`, { key: options.keyFingerprint });
    }
    this.#options = options;
  }

  async check(signal?: AbortSignal): Promise<void> {
    const { keyFingerprint: key, passphraseFile } = this.#options;
    if (passphraseFile !== undefined) await readPassphraseLine(passphraseFile);
    const listed = await runGpg(['--batch', '--with-colons', '--list-secret-keys', '--', key], this.#options.env, undefined, signal);
    if (listed.code !== 0) {
      throw new ImageError('signing-key-unknown', `creating signature: no secret key ${key} in the GnuPG keyring: ${gpgProblem(listed.stderr)}`, { key });
    }
  }

  async signImageManifest(manifest: { bytes: Buffer; digest: string }, dockerReference: string, signal?: AbortSignal): Promise<Buffer> {
    const { keyFingerprint: key, passphraseFile } = this.#options;
    const payload = simpleSigningPayload(
      { dockerReference, manifestDigest: manifest.digest },
      { creator: this.#options.creator, timestamp: this.#options.now?.() ?? Date.now() / 1000 },
    );
    const args = ['--batch', '--no-tty', '--local-user', key];
    if (passphraseFile !== undefined) {
      // gpg reads the file's first line, as containers/image's ReadPassphraseFile does.
      await readPassphraseLine(passphraseFile);
      args.push('--pinentry-mode', 'loopback', '--passphrase-file', passphraseFile);
    }
    args.push('--sign', '--output', '-');
    const signed = await runGpg(args, this.#options.env, payload, signal);
    if (signed.code !== 0 || signed.stdout.length === 0) {
      throw new ImageError('signing-failed', `creating signature with key ${key}: ${gpgProblem(signed.stderr)}`, { key, reference: dockerReference });
    }
    return signed.stdout;
  }
}

// containers/image refuses a passphrase with a line break (gpgme cannot pass one); a file's first line never has one.
async function readPassphraseLine(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ImageError('invalid-option', `--sign-passphrase-file ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  return text.split('\n', 1)[0] as string;
}

function gpgProblem(stderr: string): string {
  const lines = new Set(stderr.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
  return [...lines].join('; ') || 'gpg failed without a message';
}

interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function runGpg(args: string[], env: NodeJS.ProcessEnv, input: Buffer | undefined, signal?: AbortSignal): Promise<GpgResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(GPG, args, { env, encoding: 'buffer', maxBuffer: 1 << 20, ...(signal ? { signal } : {}) }, (err, stdout, stderr) => {
      // A number is gpg's exit status; a string (ENOENT, ABORT_ERR) means gpg did not run to its end.
      const code = (err as { code?: unknown } | null)?.code;
      if (err && typeof code !== 'number') {
        reject(new ImageError(signal?.aborted ? 'aborted' : 'signing-failed', `running ${GPG}: ${err.message}`, { command: GPG }, { cause: err }));
        return;
      }
      resolve({ code: err ? (code as number) : 0, stdout, stderr: stderr.toString('utf8') });
    });
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? Buffer.alloc(0));
  });
}
