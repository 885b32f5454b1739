// `berth push` and `berth save`: an image of the store copied out through the
// copy pipeline to any transport, or to an archive file.

import { isTransportName } from '../../../image/index.js';
import { progressListener } from '../progress-view.js';
import { withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';
import { progressMode } from './pull.js';

export async function push(globals: GlobalImageOptions, image: string, destination: string | undefined, flags: { quiet?: boolean; progress?: string; removeSignatures?: boolean }): Promise<void> {
  await withImageServer(globals, async (server) => {
    const found = await server.lookup(image);
    const target = destination ?? `docker://${found.names[0] ?? image}`;
    const colon = target.indexOf(':');
    const withTransport = colon > 0 && isTransportName(target.slice(0, colon)) ? target : `docker://${target}`;
    await server.pushImage(found.id, withTransport, { onEvent: progressListener(progressMode(flags)), removeSignatures: flags.removeSignatures });
  });
}

const SAVE_FORMATS: Record<string, string> = { 'docker-archive': 'docker-archive', 'oci-archive': 'oci-archive', 'oci-dir': 'oci', 'docker-dir': 'dir' };

export async function save(globals: GlobalImageOptions, image: string, flags: { output?: string; format?: string; quiet?: boolean }): Promise<void> {
  if (!flags.output) throw new Error('berth save needs --output FILE (writing the archive to stdout is not supported)');
  const transport = SAVE_FORMATS[flags.format ?? 'docker-archive'];
  if (!transport) throw new Error(`unknown --format ${flags.format}: one of ${Object.keys(SAVE_FORMATS).join(', ')}`);
  await withImageServer(globals, async (server) => {
    const found = await server.lookup(image);
    const name = found.names.find((n) => n === image) ?? found.names.find((n) => !n.includes('@'));
    const suffix = transport === 'dir' ? '' : transport === 'docker-archive' ? (name ? `:${name}` : '') : name ? `:${name.slice(name.lastIndexOf(':') + 1)}` : '';
    await server.pushImage(found.id, `${transport}:${flags.output}${suffix}`, { onEvent: progressListener(flags.quiet ? 'quiet' : 'auto'), removeSignatures: true });
  });
}
