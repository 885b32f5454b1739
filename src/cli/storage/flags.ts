// A flag parser with the rules of containers/storage's mflag, so `berth storage`
// accepts exactly what `containers-storage` accepts: `--long`, `-s`, `--long=v`,
// `-s v`, `--bool=false`; parsing stops at the first argument that is not a
// flag (or after `--`), so flags go before positional arguments.

import { BerthError } from '../../util/index.js';

export type FlagKind = 'bool' | 'string' | 'list';

export interface FlagSpec {
  /** Long name first (used as the key of the parsed value), then aliases. Long names are `--x`, one-letter names `-x`. */
  names: readonly string[];
  kind: FlagKind;
  help: string;
}

export type FlagValue = boolean | string | string[];

export interface ParsedFlags {
  /** Values by the flag's first name; only flags that were given. */
  values: Map<string, FlagValue>;
  /** The arguments after the flags. */
  rest: string[];
  /** `--help` / `-h` was given. */
  help: boolean;
}

export type FlagErrorCode =
  /** Neither the verb nor the global set defines the flag. */
  | 'flag-unknown'
  /** A string or list flag ends the command line without its value. */
  | 'flag-needs-value'
  /** A bool flag's `=value` is none of Go's strconv.ParseBool words. */
  | 'flag-invalid-bool';

/** A command line mflag refuses: the message is mflag's, `detail.flag` the argument as typed. */
export class FlagError extends BerthError<FlagErrorCode> {}

/** Parses leading flags of `args`; an unknown flag or a missing value is a FlagError. */
export function parseFlags(args: readonly string[], specs: readonly FlagSpec[]): ParsedFlags {
  const values = new Map<string, FlagValue>();
  let help = false;
  let index = 0;
  for (; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '--') { index++; break; }
    if (arg.length < 2 || arg[0] !== '-') break;
    const dashes = arg[1] === '-' ? 2 : 1;
    const body = arg.slice(dashes);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const inline = eq < 0 ? undefined : body.slice(eq + 1);
    if (name === 'help' || name === 'h') { help = true; continue; }
    const spec = findSpec(specs, name, dashes);
    if (!spec) throw new FlagError('flag-unknown', `flag provided but not defined: ${arg.slice(0, dashes + name.length)}`, { flag: arg });
    const key = spec.names[0]!;
    if (spec.kind === 'bool') {
      values.set(key, parseBool(inline ?? 'true', arg));
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (index + 1 >= args.length) throw new FlagError('flag-needs-value', `flag needs an argument: ${arg}`, { flag: arg });
      value = args[++index]!;
    }
    if (spec.kind === 'list') {
      const list = (values.get(key) as string[] | undefined) ?? [];
      list.push(value);
      values.set(key, list);
    } else {
      values.set(key, value);
    }
  }
  return { values, rest: args.slice(index), help };
}

// Multi-letter names are long (`--json`); one-letter names are short (`-j`).
function findSpec(specs: readonly FlagSpec[], name: string, dashes: number): FlagSpec | undefined {
  const wantLong = dashes === 2;
  return specs.find((spec) => spec.names.some((n) => n === name && (n.length > 1) === wantLong));
}

function parseBool(text: string, arg: string): boolean {
  switch (text) {
    case '1': case 't': case 'T': case 'true': case 'TRUE': case 'True': return true;
    case '0': case 'f': case 'F': case 'false': case 'FALSE': case 'False': return false;
    default: throw new FlagError('flag-invalid-bool', `invalid boolean value ${JSON.stringify(text)} for ${arg}`, { flag: arg, value: text });
  }
}

/** The options block of a usage text, in Go's layout (`  --json, -j    Prefer JSON output`), sorted by name. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = [...specs]
    .sort((a, b) => a.names[0]!.localeCompare(b.names[0]!))
    .map((spec) => {
      const names = spec.names.map((n) => (n.length > 1 ? `--${n}` : `-${n}`)).join(', ');
      return [spec.kind === 'list' ? `${names}=[]` : names, spec.help] as const;
    });
  const width = Math.max(...rows.map(([names]) => names.length)) + 4;
  return rows.map(([names, help]) => `  ${names.padEnd(width)}${help}\n`).join('');
}

/** Typed readers for a verb's parsed flags. */
export function flagBool(flags: ParsedFlags, name: string): boolean {
  return flags.values.get(name) === true;
}

export function flagString(flags: ParsedFlags, name: string): string {
  const value = flags.values.get(name);
  return typeof value === 'string' ? value : '';
}

export function flagList(flags: ParsedFlags, name: string): string[] {
  const value = flags.values.get(name);
  return Array.isArray(value) ? value : [];
}
