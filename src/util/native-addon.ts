// The project's native addon (native/, built by `npm run build:native` into
// one library, native/build/Release/berth.node), loaded by absolute path with
// process.dlopen: require() of a relative path resolves it first (stat and
// realpath calls, package.json lookups). The path is joined from
// import.meta.dirname: a URL and fileURLToPath cost the first start that
// parsed one ~1.5 ms here.

import { join } from 'node:path';

/**
 * Where a thread keeps the addon once loaded (each thread has its own
 * `process`, and the addon's functions belong to the thread that loaded
 * them). bin/berth.cjs loads it before the CLI bundle, for the bundle's own
 * reading, and leaves it under the same key: loading it again initialises
 * every part again (~0.12 ms of each start here).
 */
const LOADED = Symbol.for('berth.native-addon');

/**
 * The addon's part `name` (`ofdlock`, `mount`, `xattr`, ...: the source
 * directories under native/). Compiled, this file lives in dist/src/util/;
 * the addon is built in the package root.
 */
export function loadNativeAddon<T>(name: string): T {
  const holder = process as unknown as Record<typeof LOADED, Record<string, unknown> | undefined>;
  holder[LOADED] ??= dlopenAddon();
  return holder[LOADED][name] as T;
}

function dlopenAddon(): Record<string, unknown> {
  const module = { exports: {} as Record<string, unknown> };
  process.dlopen(module, join(import.meta.dirname, '..', '..', '..', 'native', 'build', 'Release', 'berth.node'));
  return module.exports;
}
