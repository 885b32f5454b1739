// Berth's version, from the package.json the running build belongs to
// (`berth --version`, the creator named in the signatures a push makes).

import { readFile } from 'node:fs/promises';

export async function packageVersion(): Promise<string> {
  // dist/src/cli/package-version.js → the repository's package.json.
  const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
