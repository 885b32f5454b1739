// `-p/--publish` values as podman takes them, and `berth port`'s lines.

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
