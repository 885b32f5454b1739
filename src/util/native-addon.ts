// The project's native addon (native/, built by `npm run build:native` into
// one library, native/build/Release/berth.node), loaded by absolute path with
// process.dlopen: require() of a relative path resolves it first (stat and
// realpath calls, package.json lookups). The path is joined from
// import.meta.dirname: a URL and fileURLToPath cost the first start that
// parsed one ~1.5 ms here.

import { join } from 'node:path';

/** The addon's parts, each an object of functions; loaded at the first part asked for. */
let parts: Record<string, unknown> | undefined;

/**
 * The addon's part `name` (`ofdlock`, `mount`, `xattr`, ...: the source
 * directories under native/). Compiled, this file lives in dist/src/util/;
 * the addon is built in the package root.
 */
export function loadNativeAddon<T>(name: string): T {
  if (!parts) {
    const module = { exports: {} as Record<string, unknown> };
    process.dlopen(module, join(import.meta.dirname, '..', '..', '..', 'native', 'build', 'Release', 'berth.node'));
    parts = module.exports;
  }
  return parts[name] as T;
}
