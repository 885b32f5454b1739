// The top level of `berth` (help, version, command list), built with commander.
// Only reached when the command is not `berth storage …`, which main.ts routes
// directly: commander's import costs about as much as a whole storage verb.

import { readFile } from 'node:fs/promises';
import { Command, CommanderError } from 'commander';
import { BerthError } from '../util/index.js';
import { registerContainerVerbs } from './containers/index.js';
import { addImageCommands } from './image/commands.js';

/** Runs a `berth` command line other than `berth storage …`; resolves to the exit code. */
export async function runProgram(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const program = new Command('berth')
    .description('Daemonless container engine on the containers/storage on-disk store')
    .version(await packageVersion(), '-v, --version')
    .exitOverride()
    .enablePositionalOptions()
    .option('--root <dir>', 'storage graph root (storage.conf graphroot)')
    .option('--runroot <dir>', 'storage run root (storage.conf runroot)')
    .option('--storage-driver <driver>', 'storage driver: overlay or vfs')
    .option('--storage-opt <option>', 'storage driver option (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--runtime <name>', 'default OCI runtime handler (crun, runc, or one from berth.conf)')
    .option('--cni-config-dir <dir>', 'CNI network configs (default /etc/cni/net.d)');
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
  registerContainerVerbs(program, (code) => {
    exitCode = code;
  });
  addImageCommands(program, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    if (err instanceof BerthError) {
      process.stderr.write(`Error: ${err.message}\n`);
      return 125;
    }
    throw err;
  }
  return exitCode;
}

async function packageVersion(): Promise<string> {
  // dist/src/cli/program.js → the repository's package.json.
  const text = await readFile(new URL('../../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
