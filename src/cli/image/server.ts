// One ImageServer per command, on the store the global options name, closed
// however the verb ends.

import { ImageServer, type ImageServerOptions } from '../../image/index.js';
import { openCliStore, type GlobalImageOptions } from './store.js';

export async function withImageServer<T>(globals: GlobalImageOptions, run: (server: ImageServer) => Promise<T>, options: ImageServerOptions = {}): Promise<T> {
  const store = await openCliStore(globals);
  try {
    return await run(new ImageServer(store, options));
  } finally {
    await store.close();
  }
}

/** `os/arch[/variant]` plus the separate flags, which win. */
export function platformOf(flags: { platform?: string; os?: string; arch?: string; variant?: string }): { os?: string; architecture?: string; variant?: string } | undefined {
  const [os, architecture, variant] = flags.platform ? flags.platform.split('/') : [];
  const platform = { os: flags.os ?? os, architecture: flags.arch ?? architecture, variant: flags.variant ?? variant };
  return platform.os || platform.architecture || platform.variant ? platform : undefined;
}
