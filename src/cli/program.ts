// The top level of `berth` (help, version, command list), built with commander.
// Only reached when the command is not `berth storage …`, which main.ts routes
// directly: commander's import costs about as much as a whole storage verb.

import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';

/** Runs a `berth` command line other than `berth storage …`; resolves to the exit code. */
export async function runProgram(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('berth')
    .description('Daemonless container engine on the containers/storage on-disk store')
    .version(await packageVersion(), '-v, --version')
    .exitOverride()
    .enablePositionalOptions();
  program
    .command('storage')
    .description('the containers-storage verbs on a store (berth storage --help lists them)')
    .argument('[args...]')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[]) => {
      const { runStorage } = await import('./storage/index.js');
      exitCode = await runStorage(args);
    });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    throw err;
  }
  return exitCode;
}

async function packageVersion(): Promise<string> {
  // dist/src/cli/program.js → the repository's package.json.
  const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
