// One ImageServer per command, on the store the global options name, closed
// however the verb ends; verbs that reach registries pass their registry
// flags and get the docker:// transport and short-name resolution too.

import { EventLog } from '../../events/index.js';
import { ImageServer } from '../../image/index.js';
import type { Store } from '../../storage/index.js';
import { pushHintsFrom } from './push-hints.js';
import { openRegistryAccess, type RegistryCliFlags } from './registry.js';
import { openCliStore, type GlobalImageOptions } from './store.js';

/** Registry flags, and whether the verb pushes (then the store's layers tell which blobs a registry may have). */
export type RegistryUse = RegistryCliFlags & { forPush?: boolean };

export async function withImageServer<T>(globals: GlobalImageOptions, run: (server: ImageServer) => Promise<T>, registry?: RegistryUse): Promise<T> {
  const store = await openCliStore(globals);
  try {
    return await serveOn(store, run, registry);
  } finally {
    await store.close();
  }
}

/** An ImageServer on a store the caller holds open (a container verb's), with the registry flags' transport when given. */
export async function serveOn<T>(store: Store, run: (server: ImageServer) => Promise<T>, registry?: RegistryUse): Promise<T> {
  const access = registry ? await openRegistryAccess(registry, registry.forPush ? await pushHintsFrom(store) : {}) : undefined;
  try {
    // podman's verbs find `busybox` among local names under any registry, as `run` does (engine.findImage).
    return await run(new ImageServer(store, { ...access?.serverOptions, localShortNames: true, events: new EventLog(store.runRoot) }));
  } finally {
    await access?.close();
  }
}

/** `os/arch[/variant]` plus the separate flags, which win. */
export function platformOf(flags: { platform?: string; os?: string; arch?: string; variant?: string }): { os?: string; architecture?: string; variant?: string } | undefined {
  const [os, architecture, variant] = flags.platform ? flags.platform.split('/') : [];
  const platform = { os: flags.os ?? os, architecture: flags.arch ?? architecture, variant: flags.variant ?? variant };
  return platform.os || platform.architecture || platform.variant ? platform : undefined;
}
