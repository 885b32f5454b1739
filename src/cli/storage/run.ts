// `berth storage [global flags] <verb> [flags] [args]`: the containers-storage
// command line. Global flags, then the verb (loaded on demand), its flags and
// argument counts, then the store, then the verb; the Go CLI's texts and exit codes.

import type { Store } from '../../storage/index.js';
import { errorText } from './error-text.js';
import { FlagError, formatFlagHelp, parseFlags, type ParsedFlags } from './flags.js';
import { debugEnabled, GLOBAL_FLAGS } from './global-flags.js';
import { Output } from './output.js';
import type { Verb, VerbContext } from './verb.js';
import { findVerb, VERBS } from './verb-table.js';

/** Runs one `berth storage` command line (`argv` starts after `storage`); resolves to the exit code. */
export async function runStorage(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, out = new Output()): Promise<number> {
  let globals: ParsedFlags;
  try {
    globals = parseFlags(argv, GLOBAL_FLAGS);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    out.out(`${err.message} while parsing arguments (1)\n${topUsage()}`);
    return 1;
  }
  const [name, ...verbArgv] = globals.rest;
  if (globals.help || name === undefined) {
    out.out(topUsage());
    return globals.help ? 0 : 1;
  }
  const entry = findVerb(name);
  if (!entry) {
    out.out(`${name}: unrecognized command.\n`);
    return 1;
  }
  const verb = await entry.load();
  const usage = () => verbUsage(name, entry.usage, verb);

  let flags: ParsedFlags;
  try {
    flags = parseFlags(verbArgv, [...GLOBAL_FLAGS, ...verb.flags]);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    // mflag's ExitOnError: the message to stderr, usage, exit status 2.
    out.err(`${err.message}\n`);
    out.out(usage());
    return 2;
  }
  if (flags.help) {
    out.out(usage());
    return 0;
  }
  const args = flags.rest;
  if (verb.minArgs !== 0 && args.length < verb.minArgs) {
    out.out(`${name}: more arguments required.\n${usage()}`);
    return 1;
  }
  if (verb.maxArgs !== 0 && args.length > verb.maxArgs) {
    out.out(`${name}: too many arguments ([${args.join(' ')}]).\n${usage()}`);
    return 1;
  }
  const debug = debugEnabled(globals, flags);
  const store = await openStoreFor(globals, flags, env, out, debug);
  if (!store) return 1;
  return runVerb(verb, { store, verb: name, args, flags, out }, debug);
}

/** The store the flags and storage.conf name, or undefined once the Go CLI's `error initializing` line is printed. */
async function openStoreFor(globals: ParsedFlags, flags: ParsedFlags, env: NodeJS.ProcessEnv, out: Output, debug: boolean): Promise<Store | undefined> {
  const [{ openStore }, { resolveStoreOptions }] = await Promise.all([import('../../storage/index.js'), import('./store-options.js')]);
  try {
    const { options, warnings } = await resolveStoreOptions(globals, flags, env);
    for (const warning of warnings) out.err(`WARN[0000] ${warning}\n`);
    if (debug) {
      out.err(`DEBU[0000] Root: ${options.graphRoot}\nDEBU[0000] Run Root: ${options.runRoot}\n` +
        `DEBU[0000] Driver Name: ${options.driverName}\nDEBU[0000] Driver Options: [${(options.driverOptions ?? []).join(' ')}]\n`);
    }
    return await openStore(options);
  } catch (err) {
    // The Go CLI prints this one to stdout.
    out.out(`error initializing: ${errorText(err)}\n`);
    if (debug) out.err(debugText(err));
    return undefined;
  }
}

/** Runs the verb on the open store, prints what it throws, and closes the store however it ends. */
async function runVerb(verb: Verb, context: VerbContext, debug: boolean): Promise<number> {
  const { store, out } = context;
  try {
    return await verb.run(context);
  } catch (err) {
    out.err(`${errorText(err)}\n`);
    if (debug) out.err(debugText(err));
    return 1;
  } finally {
    await store.close().catch((err: unknown) => out.err(`closing the store: ${errorText(err)}\n`));
  }
}

// --debug: the typed code and inputs, so scripts and bug reports can tell errors apart.
function debugText(err: unknown): string {
  if (!(err instanceof Error)) return '';
  const { code, detail } = err as Error & { code?: string; detail?: unknown };
  let text = `DEBU[0000] error ${err.name}${code ? ` code=${code}` : ''}${detail ? ` detail=${JSON.stringify(detail)}` : ''}\n`;
  if (err.stack) text += `${err.stack}\n`;
  return text;
}

function topUsage(): string {
  let text = 'Usage: berth storage command [options [...]]\n\nCommands:\n\n';
  for (const entry of VERBS) text += `  ${entry.names[0]!.padEnd(30)}${entry.usage}\n`;
  return `${text}\nOptions:\n\n${formatFlagHelp(GLOBAL_FLAGS)}`;
}

function verbUsage(name: string, usage: string, verb: Verb): string {
  return `Usage: berth storage ${name} ${verb.optionsHelp}\n\n${usage}\n\nOptions:\n\n${formatFlagHelp([...GLOBAL_FLAGS, ...verb.flags])}`;
}
