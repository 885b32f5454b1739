// Named network namespaces for containers, made and removed with iproute2's
// `ip netns` (it bind-mounts /proc/self/ns/net of a short child under
// /run/netns/NAME), so the namespace outlives every process and Berth.

import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { NetworkError } from './errors.js';

/** execFile as a promise, bound when called: node:child_process is loaded lazily in the CLI bundle (scripts/build-cli.mjs). */
function execFileAsync(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)(file, args);
}
const NETNS_DIR = '/run/netns';

/**
 * Makes the namespace berth-<owner> (loopback up) and returns its path: the
 * same path each time for one container, so that its spec, which names the
 * path, holds when an exited container's network is set up again.
 */
export async function createNetns(owner: string): Promise<string> {
  if (!/^[\w.-]+$/.test(owner)) throw new NetworkError('netns-failed', `network namespace owner ${JSON.stringify(owner)} is not a plain name`, { owner });
  const name = `berth-${owner}`;
  try {
    await execFileAsync('ip', ['netns', 'add', name]);
    await execFileAsync('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
  } catch (cause) {
    await execFileAsync('ip', ['netns', 'delete', name]).catch(() => undefined);
    throw new NetworkError('netns-failed', `network namespace ${name} could not be made: ${(cause as Error).message}`, { netns: name }, { cause });
  }
  return `${NETNS_DIR}/${name}`;
}

/** Unmounts and removes the namespace; one already gone is not an error. */
export async function removeNetns(path: string): Promise<void> {
  const name = path.slice(NETNS_DIR.length + 1);
  if (!path.startsWith(`${NETNS_DIR}/berth-`) || name.includes('/')) {
    throw new NetworkError('netns-failed', `network namespace ${path} is not one Berth made`, { netns: path });
  }
  try {
    await execFileAsync('ip', ['netns', 'delete', name]);
  } catch (cause) {
    if (/No such file|Invalid argument/.test((cause as { stderr?: string }).stderr ?? '')) return;
    throw new NetworkError('netns-failed', `network namespace ${path} could not be removed: ${(cause as Error).message}`, { netns: path }, { cause });
  }
}
