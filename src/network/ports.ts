// `-p/--publish` values as podman takes them, and `berth port`'s lines.

import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import type { PortMapping } from './plugin.js';
import { NetworkError } from './errors.js';

/** Parses [ip:]hostPort:containerPort[/proto] (proto tcp, udp or sctp; tcp by default). */
export function parsePublish(value: string): PortMapping {
  const match = /^(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d+):(\d+)(?:\/(tcp|udp|sctp))?$/.exec(value);
  const hostPort = Number(match?.[2]);
  const containerPort = Number(match?.[3]);
  if (!match || !validPort(hostPort) || !validPort(containerPort)) {
    throw new NetworkError('invalid-port', `--publish ${value}: want [ip:]hostPort:containerPort[/tcp|udp|sctp]`, { publish: value });
  }
  const mapping: PortMapping = { hostPort, containerPort, protocol: (match[4] ?? 'tcp') as PortMapping['protocol'] };
  if (match[1] !== undefined) mapping.hostIP = match[1];
  return mapping;
}

/** podman port's line: `80/tcp -> 0.0.0.0:8080`. */
export function formatPortMapping(mapping: PortMapping): string {
  return `${mapping.containerPort}/${mapping.protocol} -> ${mapping.hostIP ?? '0.0.0.0'}:${mapping.hostPort}`;
}

function validPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port < 65536;
}

/**
 * podman's --expose values and an image's ExposedPorts keys: `port[/proto]` or
 * `first-last[/proto]`, tcp by default; each port with its protocol.
 */
export function parseExposed(value: string): Array<Pick<PortMapping, 'containerPort' | 'protocol'>> {
  const match = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(value.trim());
  const first = Number(match?.[1]);
  const last = match?.[2] === undefined ? first : Number(match[2]);
  if (!match || !validPort(first) || !validPort(last) || last < first) {
    throw new NetworkError('invalid-port', `--expose ${value}: want port[/tcp|udp|sctp] or first-last[/proto]`, { expose: value });
  }
  const protocol = (match[3]?.toLowerCase() ?? 'tcp') as PortMapping['protocol'];
  return Array.from({ length: last - first + 1 }, (_, i) => ({ containerPort: first + i, protocol }));
}

/**
 * podman's -P: each of `exposed` that no mapping of `given` publishes, on a
 * host port free now (the kernel's choice of an ephemeral one, as podman's is:
 * held until all are chosen, so that no two are the same). sctp ports have no
 * socket to ask with here: refused.
 */
export async function publishedOnFreePorts(exposed: ReadonlyArray<Pick<PortMapping, 'containerPort' | 'protocol'>>, given: readonly PortMapping[]): Promise<PortMapping[]> {
  const taken = new Set(given.map((m) => `${m.containerPort}/${m.protocol}`));
  const wanted = exposed.filter((p, i) => !taken.has(`${p.containerPort}/${p.protocol}`) && exposed.findIndex((q) => q.containerPort === p.containerPort && q.protocol === p.protocol) === i);
  const held: Array<{ close(): void }> = [];
  try {
    const mappings: PortMapping[] = [];
    for (const port of wanted) {
      if (port.protocol === 'sctp') throw new NetworkError('invalid-port', `--publish-all: no free host port can be chosen for ${port.containerPort}/sctp`, { port: port.containerPort });
      const socket = await boundToFreePort(port.protocol);
      held.push(socket);
      mappings.push({ hostPort: socket.port, containerPort: port.containerPort, protocol: port.protocol });
    }
    return mappings;
  } finally {
    for (const socket of held) socket.close();
  }
}

/** A socket of `protocol` bound to a port the kernel chose on every address. */
async function boundToFreePort(protocol: 'tcp' | 'udp'): Promise<{ port: number; close(): void }> {
  if (protocol === 'udp') {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, '0.0.0.0', resolve));
    return { port: socket.address().port, close: () => socket.close() };
  }
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '0.0.0.0', resolve));
  return { port: (server.address() as { port: number }).port, close: () => server.close() };
}
