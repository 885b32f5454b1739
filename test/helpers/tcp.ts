// Reading what a server in a container (or its namespace) sends, from the host.

import { execFileSync } from 'node:child_process';
import { connect } from 'node:net';

/**
 * The host's own non-loopback address: portmap DNATs connections made on
 * this host (its OUTPUT rule) to it; 127.0.0.1 would need route_localnet.
 */
export const HOST_IP = execFileSync('ip', ['-4', '-o', 'route', 'get', '1.1.1.1']).toString().match(/src (\S+)/)![1]!;

/** Connects (retrying for up to 5 s while the server starts) and resolves to all it sent before closing. */
export function readFrom(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + 5000;
    const attempt = (): void => {
      const socket = connect({ host, port });
      let data = '';
      socket.on('data', (b) => { data += b.toString(); });
      socket.on('end', () => resolve(data));
      socket.on('error', (err) => {
        if (Date.now() > deadline) reject(err);
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}
