// podman's --secret in a container: a secret of the store mounted as a file
// (by default /run/secrets/NAME, 0444, owned by root) or set as an
// environment variable. A mounted secret is a copy in the container's own
// directory, written at its create, so that the container runs on after the
// secret is removed, as podman's does; /run/secrets itself is an empty
// directory of the container's run directory, so that no mount point lands
// in its root filesystem. Loaded only by containers with secrets.

import { chmodSync, chownSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { idToHost, type IDMap } from '../idmap/index.js';
import type { ContainerSecret, OciMount } from '../oci/index.js';
import { SecretStore } from '../secret/index.js';

/** A --secret as asked: the secret's name or ID, and how it reaches the container. */
export interface SecretRequest {
  source: string;
  /** `mount` (a file, the default) or `env` (a variable). */
  type?: 'mount' | 'env';
  /** mount: the file's path (relative: under /run/secrets; default /run/secrets/NAME); env: the variable (default NAME). */
  target?: string;
  /** mount only: the file's owner and mode in the container (default 0, 0, 0444). */
  uid?: number;
  gid?: number;
  mode?: number;
}

/** What a container's secrets give its create: mounts, variables (KEY=VALUE) and its record of them. */
export interface AttachedSecrets {
  mounts: OciMount[];
  env: string[];
  /** The mounted secrets, for inspect's Config.Secrets. */
  records: ContainerSecret[];
  /** The names of the variables that hold secrets: inspect does not show them. */
  envNames: string[];
}

const SECRETS_DIR = '/run/secrets';

/**
 * Reads each requested secret and writes the mounted ones into
 * `<persistDir>/secrets` with their owner (through the container's ID maps)
 * and mode; `/run/secrets` becomes `<bundlePath>/run/secrets`, made here.
 */
export async function attachSecrets(graphRoot: string, requests: readonly SecretRequest[], dirs: { persistDir: string; bundlePath: string }, idMaps?: { uidMap: IDMap[]; gidMap: IDMap[] }): Promise<AttachedSecrets> {
  const store = new SecretStore(graphRoot);
  const attached: AttachedSecrets = { mounts: [], env: [], records: [], envNames: [] };
  const files = new Set<string>();
  let secretsDirBound = false;
  for (const request of requests) {
    const { secret, data } = await store.withData(request.source);
    if (request.type === 'env') {
      const name = request.target ?? secret.name;
      attached.env.push(`${name}=${data.toString()}`);
      attached.envNames.push(name);
      continue;
    }
    const uid = request.uid ?? 0;
    const gid = request.gid ?? 0;
    const mode = request.mode ?? 0o444;
    // One file per mount: the same secret mounted twice with other owners or modes gets two.
    let file = secret.name;
    for (let n = 1; files.has(file); n++) file = `${secret.name}.${n}`;
    files.add(file);
    const source = join(dirs.persistDir, 'secrets', file);
    mkdirSync(join(dirs.persistDir, 'secrets'), { recursive: true, mode: 0o700 });
    writeFileSync(source, data, { mode: 0o600 });
    chownSync(source, idToHost(uid, idMaps?.uidMap), idToHost(gid, idMaps?.gidMap));
    chmodSync(source, mode);
    const destination = posix.resolve(SECRETS_DIR, request.target ?? secret.name);
    if (destination.startsWith(`${SECRETS_DIR}/`) && !secretsDirBound) {
      attached.mounts.push({ destination: SECRETS_DIR, type: 'bind', source: secretsMountDir(dirs.bundlePath), options: ['bind', 'rprivate'] });
      secretsDirBound = true;
    }
    attached.mounts.push({ destination, type: 'bind', source, options: ['bind', 'rprivate'] });
    attached.records.push({ name: secret.name, id: secret.id, uid, gid, mode });
  }
  if (secretsDirBound) prepareSecretsMountDir(dirs.bundlePath, attached.mounts);
  return attached;
}

/**
 * The empty /run/secrets of the container's run directory, with a mount
 * point for each secret mounted in it: made at the create, and again before
 * a rerun (a run directory on tmpfs is gone after a reboot).
 */
export function prepareSecretsMountDir(bundlePath: string, mounts: readonly OciMount[]): void {
  const dir = secretsMountDir(bundlePath);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const mount of mounts) {
    if (mount.destination.startsWith(`${SECRETS_DIR}/`)) {
      const point = join(dir, mount.destination.slice(SECRETS_DIR.length + 1));
      mkdirSync(posix.dirname(point), { recursive: true, mode: 0o755 });
      writeFileSync(point, '', { flag: 'a', mode: 0o700 });
    }
  }
}

function secretsMountDir(bundlePath: string): string {
  return join(bundlePath, 'run', 'secrets');
}
