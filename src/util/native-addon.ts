// The project's native addons (native/<name>, built by `npm run build:native`),
// loaded by absolute path with process.dlopen. require() of a relative path
// resolves it first (stat and realpath calls, package.json lookups): ~0.6 ms
// per addon per start here, and every CLI start loads three or four. The path
// is joined from import.meta.dirname: a URL and fileURLToPath cost the first
// start that parsed one ~1.5 ms here.

import { join } from 'node:path';

/** Compiled, this file lives in dist/src/util/; the addons are built in the package root. */
export function loadNativeAddon<T>(name: string): T {
  const module = { exports: {} as T };
  process.dlopen(module, join(import.meta.dirname, '..', '..', '..', 'native', name, 'build', 'Release', `${name}.node`));
  return module.exports;
}
