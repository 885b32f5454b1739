// How podman's `volume rm` and `network rm` go through several names: each
// in turn, its name printed once removed; a refusal podman gives an exit
// code of its own (no such object, in use) is printed and the rest go on.

import { BerthError } from '../../util/index.js';

/** Resolves to the exit code: 0, or the code of the last refusal. */
export async function removeEach(names: readonly string[], remove: (name: string) => Promise<string>, exitCodes: Readonly<Record<string, number>>): Promise<number> {
  let code = 0;
  for (const name of names) {
    try {
      process.stdout.write(`${await remove(name)}\n`);
    } catch (err) {
      const exit = err instanceof BerthError ? exitCodes[err.code] : undefined;
      if (exit === undefined) throw err;
      process.stderr.write(`Error: ${(err as BerthError).message}\n`);
      code = exit;
    }
  }
  return code;
}
