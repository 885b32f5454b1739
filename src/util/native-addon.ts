// The project's native addons (native/<name>, built by `npm run build:native`),
// loaded by absolute path with process.dlopen. require() of a relative path
// resolves it first (stat and realpath calls, package.json lookups): ~0.6 ms
// per addon per start here, and every CLI start loads three or four.

import { fileURLToPath } from 'node:url';

/** Compiled, this file lives in dist/src/util/; the addons are built in the package root. */
export function loadNativeAddon<T>(name: string): T {
  const module = { exports: {} as T };
  process.dlopen(module, fileURLToPath(new URL(`../../../native/${name}/build/Release/${name}.node`, import.meta.url)));
  return module.exports;
}
