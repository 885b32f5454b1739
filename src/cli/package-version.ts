// Berth's version, from the package.json the running build belongs to
// (`berth --version`, the creator named in the signatures a push makes).
// Every start of the program reads it (commander takes the version when the
// program is built): a synchronous read of a path joined from
// import.meta.dirname, since node:fs/promises and a URL cost each start ~2 ms
// here, the first time either is used.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export function packageVersion(): string {
  // dist/src/cli/package-version.js → the repository's package.json.
  const text = readFileSync(join(import.meta.dirname, '..', '..', '..', 'package.json'), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
