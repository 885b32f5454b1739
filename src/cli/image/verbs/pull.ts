// `berth pull`, `berth load`: an image copied into the store through the
// copy pipeline, with podman's progress output; the image ID on stdout.

import { archiveTransportOf } from '../../../image/index.js';
import { progressListener, type ProgressMode } from '../progress-view.js';
import { platformOf, withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export interface PullFlags {
  quiet?: boolean;
  progress?: string;
  platform?: string;
  os?: string;
  arch?: string;
  variant?: string;
  jobs?: string;
}

export async function pull(globals: GlobalImageOptions, image: string, flags: PullFlags): Promise<void> {
  await withImageServer(globals, async (server) => {
    const pulled = await server.pullImage(image, {
      platform: platformOf(flags),
      concurrency: flags.jobs ? Number(flags.jobs) : undefined,
      onEvent: progressListener(progressMode(flags)),
    });
    process.stdout.write(`${pulled.id}\n`);
  });
}

export async function load(globals: GlobalImageOptions, flags: { input?: string; quiet?: boolean }): Promise<void> {
  if (!flags.input) throw new Error('berth load needs --input FILE (reading an archive from stdin is not supported)');
  await withImageServer(globals, async (server) => {
    const reference = await archiveReference(flags.input as string);
    const pulled = await server.pullImage(reference, { onEvent: progressListener(flags.quiet ? 'quiet' : 'auto') });
    process.stdout.write(`Loaded image: ${pulled.name}\n`);
  });
}

async function archiveReference(path: string): Promise<string> {
  return `${await archiveTransportOf(path)}:${path}`;
}

export function progressMode(flags: { quiet?: boolean; progress?: string }): ProgressMode {
  if (flags.quiet) return 'quiet';
  return flags.progress === 'json' ? 'json' : 'auto';
}
