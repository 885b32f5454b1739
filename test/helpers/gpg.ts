// GnuPG keys made for a test in its own GNUPGHOME (ed25519, signing only),
// with or without a passphrase, and the agent that gpg starts for that home
// stopped again.

import { writeFile } from 'node:fs/promises';
import { runTool, runToolOk } from './run-tool.js';

export interface GpgKey {
  fingerprint: string;
  /** The binary public key, as policy.json's keyPath takes it. */
  publicKeyFile: string;
}

/** Makes `name <name@berth.test>` in `home` (an existing 0700 directory); its public key goes to `<dir>/<name>.gpg`. */
export async function makeGpgKey(home: string, name: string, dir: string, passphrase = ''): Promise<GpgKey> {
  const env = gpgEnv(home);
  const lock = passphrase === '' ? [] : ['--pinentry-mode', 'loopback'];
  await runToolOk('gpg', ['--batch', ...lock, '--passphrase', passphrase, '--quick-gen-key', `${name} <${name}@berth.test>`, 'ed25519', 'sign', 'never'], { env });
  const listing = (await runToolOk('gpg', ['--batch', '--with-colons', '--list-keys', `${name}@berth.test`], { env })).stdout.toString();
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1] as string;
  const publicKeyFile = `${dir}/${name}.gpg`;
  await writeFile(publicKeyFile, (await runToolOk('gpg', ['--batch', '--export', fingerprint], { env })).stdout);
  return { fingerprint, publicKeyFile };
}

/** The environment with GNUPGHOME set to `home`. */
export function gpgEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, GNUPGHOME: home };
}

/** Stops the gpg-agent of `home` (gpg starts one per home on first use). */
export async function stopGpgAgent(home: string): Promise<void> {
  await runTool('gpgconf', ['--kill', 'gpg-agent'], { env: gpgEnv(home) });
}
