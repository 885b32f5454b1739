// `berth import FILE [NAME]`: a root filesystem tarball made a one-layer
// image, with `--change` edits to its config; the image ID on stdout.

import { normalizeLocalName, openTarballSource } from '../../../image/index.js';
import { progressListener } from '../progress-view.js';
import { platformOf, withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export async function importTarball(globals: GlobalImageOptions, file: string, name: string | undefined, flags: { change?: string[]; message?: string; quiet?: boolean; platform?: string; arch?: string; os?: string; variant?: string }): Promise<void> {
  await withImageServer(globals, async (server) => {
    const source = await openTarballSource(file, { changes: flags.change, message: flags.message, platform: platformOf(flags) });
    try {
      const result = await server.importImage(source, name === undefined ? undefined : normalizeLocalName(name), { onEvent: progressListener(flags.quiet ? 'quiet' : 'auto') });
      process.stdout.write(`${result.configDigest.slice(7)}\n`);
    } finally {
      await source.close();
    }
  });
}
