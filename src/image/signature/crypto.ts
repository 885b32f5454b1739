// The cryptographic half of verification: OpenPGP signed messages (GPG
// simple signing, through openpgp) and sigstore's raw signatures over the
// payload (Node's crypto: ECDSA and RSA over SHA-256, as containers/image's
// hard-coded hash, or Ed25519).

import { readFile } from 'node:fs/promises';
import { createPublicKey, verify as verifyRaw, type KeyObject } from 'node:crypto';
import type { Key } from 'openpgp';
import { ImageError } from '../errors.js';
import type { KeySource } from './policy.js';

/** Every key of the requirement's files or data (armored or binary), each source read as one keyring. */
export async function loadGpgKeys(source: KeySource): Promise<Key[]> {
  const { readKeys } = await import('openpgp');
  const keys: Key[] = [];
  for (const { bytes, name } of await keyBytes(source)) {
    try {
      const armored = bytes.subarray(0, 64).toString('latin1').includes('-----BEGIN PGP');
      keys.push(...(armored ? await readKeys({ armoredKeys: bytes.toString('utf8') }) : await readKeys({ binaryKeys: bytes })));
    } catch (err) {
      throw new ImageError('policy-invalid', `${name}: no OpenPGP public keys: ${(err as Error).message}`, { key: name }, { cause: err });
    }
  }
  return keys;
}

/** The signed payload when `signature` is an OpenPGP message validly signed by one of `keys`; else why not. */
export async function verifyGpgSignature(signature: Buffer, keys: Key[]): Promise<{ payload: Uint8Array } | { problem: string }> {
  // openpgp is loaded only when a signedBy requirement is evaluated.
  const { readMessage, verify: verifyOpenPgp } = await import('openpgp');
  try {
    const message = await readMessage({ binaryMessage: signature });
    const result = await verifyOpenPgp({ message, verificationKeys: keys, format: 'binary', expectSigned: true });
    return { payload: result.data };
  } catch (err) {
    return { problem: `the OpenPGP signature does not verify with the trusted keys: ${(err as Error).message}` };
  }
}

/** The public key of a sigstoreSigned requirement (a PEM `PUBLIC KEY`). */
export async function loadSigstoreKey(source: KeySource): Promise<KeyObject> {
  const [only] = await keyBytes(source);
  const { bytes, name } = only as { bytes: Buffer; name: string };
  try {
    return createPublicKey(bytes);
  } catch (err) {
    throw new ImageError('policy-invalid', `${name}: not a PEM public key: ${(err as Error).message}`, { key: name }, { cause: err });
  }
}

/** Whether `base64Signature` is `key`'s signature over `payload`. */
export function verifySigstoreSignature(payload: Buffer, base64Signature: string, key: KeyObject): boolean {
  const signature = Buffer.from(base64Signature, 'base64');
  if (signature.length === 0) return false;
  const hash = key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  try {
    return verifyRaw(hash, payload, key, signature);
  } catch {
    return false;
  }
}

async function keyBytes(source: KeySource): Promise<Array<{ bytes: Buffer; name: string }>> {
  if ('data' in source) return [{ bytes: source.data, name: 'keyData' }];
  return Promise.all(source.paths.map(async (path) => {
    try {
      return { bytes: await readFile(path), name: path };
    } catch (err) {
      throw new ImageError('policy-invalid', `reading key file ${path}: ${(err as Error).message}`, { key: path }, { cause: err });
    }
  }));
}
