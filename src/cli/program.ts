// The top level of `berth` (help, version, command list), built with commander.
// Only reached when the command is not `berth storage …`, which main.ts routes
// directly: commander's import costs about as much as a whole storage verb.

import { CommanderError, Option, type Command } from 'commander';
import { BerthError } from '../util/index.js';
import { registerContainerVerbs } from './containers/index.js';
import { addImageCommands } from './image/commands.js';
import { flagsNamedIn, IndexedCommand } from './indexed-command.js';
import { packageVersion } from './package-version.js';
import { verbOf } from './verb-selection.js';

/** Runs a `berth` command line other than `berth storage …`; resolves to the exit code. */
export async function runProgram(argv: readonly string[]): Promise<number> {
  let exitCode = 0;
  const setExit = (code: number): void => {
    exitCode = code;
  };
  try {
    await parseNamedFirst(argv, (selection) => buildProgram(argv, setExit, selection));
  } catch (err) {
    // A command line commander refuses (an unknown flag, a missing value, a bad choice) is podman's 125; --help and --version are 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 125;
    // Berth's typed errors, and the system's (a full disk, a missing directory for --output) as podman
    // reports them; anything else is a bug, and its stack is what to report.
    if (err instanceof BerthError || isSystemError(err)) {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      return 125;
    }
    throw err;
  }
  return exitCode;
}

/** What a program declares: the verb `only` (every verb when undefined) with the options `named` (every option when undefined). */
export interface Selection {
  only: string | undefined;
  named: ReadonlySet<string> | undefined;
  /** Where commander's error messages go (stderr when undefined). */
  writeError?: (text: string) => void;
}

/**
 * Parses `argv` with the program declaring what the command line names: its verb alone with
 * the options it names. Every verb and option when it names no verb, one the program does not
 * have, or help; and again with every option when it uses a flag none of the named ones has,
 * so that commander's error suggests the option meant. The first program's error messages
 * are written once they stand.
 */
async function parseNamedFirst(argv: readonly string[], build: (selection: Selection) => Command): Promise<void> {
  const verb = verbOf(argv);
  // The options named, while the program parsing declares only those.
  let named = verb === undefined ? undefined : flagsNamedIn(argv);
  let errors = '';
  let program = build({ only: verb, named, writeError: (text) => { errors += text; } });
  if (verb !== undefined && !declares(program, verb)) {
    named = undefined;
    program = build({ only: undefined, named });
  }
  try {
    await program.parseAsync(spellBooleans(program, argv), { from: 'user' });
  } catch (err) {
    const flagNotDeclared = named !== undefined && err instanceof CommanderError && err.code === 'commander.unknownOption';
    if (!flagNotDeclared) {
      if (errors) process.stderr.write(errors);
      throw err;
    }
    const full = build({ only: verb, named: undefined });
    await full.parseAsync(spellBooleans(full, argv), { from: 'user' });
  }
}

/** The program with the global options and the verbs and options `selection` gives. */
export function buildProgram(argv: readonly string[], setExit: (code: number) => void, selection: Selection): Command {
  const { only, named, writeError } = selection;
  const program = new IndexedCommand('berth', named);
  if (writeError) program.configureOutput({ outputError: (text) => writeError(text) });
  if (program.selects('-v, --version')) program.version(packageVersion(), '-v, --version');
  program
    .description('Daemonless container engine on the containers/storage on-disk store')
    .exitOverride()
    .enablePositionalOptions()
    .option('--root <dir>', 'storage graph root (storage.conf graphroot)')
    .option('--runroot <dir>', 'storage run root (storage.conf runroot)')
    .option('--storage-driver <driver>', 'storage driver: overlay or vfs')
    .option('--storage-opt <option>', 'storage driver option (repeatable)', (value: string, previous: string[] = []) => [...previous, value])
    .option('--runtime <name>', 'default OCI runtime handler (crun, runc, or one from berth.conf)')
    .option('--network-config-dir <dir>', 'CNI network configs (default: containers.conf network_config_dir, else /etc/cni/net.d)')
    // podman's older name of the same flag, still taken.
    .addOption(new Option('--cni-config-dir <dir>').hideHelp());
  program
    .command('storage')
    .description('the containers-storage verbs on a store (berth storage --help lists them)')
    .argument('[args...]')
    .helpOption(false)
    .allowUnknownOption()
    .passThroughOptions()
    .action(async (args: string[]) => {
      const { runStorage } = await import('./storage/index.js');
      setExit(await runStorage(args));
    });
  // `berth container run|ls|…` and `berth image pull|ls|…` repeat the top-level verbs: registered
  // only when the command line may use them (~1.5 ms per start each; commander's options are costly).
  registerContainerVerbs(program, setExit, { groupVerbs: argv.includes('container'), only });
  addImageCommands(program, setExit, { groupVerbs: argv.includes('image'), only });
  return program;
}

/** Whether `program` has a command (or a `container`/`image` group command) named `name`. */
function declares(program: Command, name: string): boolean {
  const named = (command: Command) => command.name() === name || command.aliases().includes(name);
  return program.commands.some((command) => named(command) || command.commands.some(named));
}

/** An error of a system call (ENOSPC, ENOENT, …) as Node raises it. */
function isSystemError(err: unknown): boolean {
  const { code, syscall } = err as NodeJS.ErrnoException;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) && typeof syscall === 'string';
}

/** Boolean flags podman also takes as `--flag=true|false` (commander only knows `--flag` / `--no-flag`). */
const VALUED_BOOLEANS = new Set(['--tls-verify', '--stream', '--sig-proxy', '--read-only', '--read-only-tmpfs', '--http-proxy', '--init', '--env-host', '--archive', '--passwd', '--human']);

/**
 * `--tls-verify=false` → `--no-tls-verify`, `=true` → `--tls-verify`, among
 * the options of the command line only: not after `--`, nor in the command a
 * container runs (after run's or create's image).
 */
export function spellBooleans(program: Command, argv: readonly string[]): string[] {
  const out = [...argv];
  let command = program;
  for (let i = 0; i < out.length; i++) {
    const token = out[i] as string;
    if (token === '--') break;
    const match = /^(--[a-z-]+)=(true|false)$/.exec(token);
    if (match && VALUED_BOOLEANS.has(match[1] as string)) {
      out[i] = match[2] === 'true' ? match[1] as string : `--no-${(match[1] as string).slice(2)}`;
      continue;
    }
    if (token.startsWith('-')) {
      const option = [...command.options, ...program.options].find((o) => o.long === token || o.short === token);
      if (option && (option.required || option.optional) && !token.includes('=')) i++;
      continue;
    }
    const sub = command.commands.find((c) => c.name() === token || c.aliases().includes(token));
    if (sub) command = sub;
    else if (command.name() === 'run' || command.name() === 'create') break;
  }
  return out;
}
