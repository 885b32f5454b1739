// commander's Command with its options found by flag through a Map, and
// declared only when the command line can use them.
//
// commander 14 finds an option by a linear scan of the command's options
// (Command.prototype._findOption), and scans them again for each option it
// declares, to refuse a flag declared twice: `berth run` declares ~50 options
// on the program and the verb, ~100 scans of up to ~90 options, ~1 ms of every
// start here. commander appends to `options` and never removes or reorders
// them, so an index of the flags seen so far, first declared first, finds
// what the scan found.
//
// Declaring an option costs commander an Option object, its flags parsed, an
// event listener and two closures: for `berth run`'s ~70 options ~1.5 ms and
// ~250 KB of each start, when a command line names two or three of them. Given
// the flags a command line names (flagsNamedIn), the program and its verbs
// declare only the options it names and set the defaults of the others as their
// declaration would have, so that the verb's options come out the same.

import { Command, type Option } from 'commander';

export class IndexedCommand extends Command {
  /** The options of `options[0, #indexed)` by short and long flag, the first declared for a flag. */
  readonly #byFlag = new Map<string, Option>();
  #indexed = 0;
  /** The flags the command line names; undefined: every option is declared. */
  readonly #named: ReadonlySet<string> | undefined;
  /** The flags of every option given to this command so far, declared or left out. */
  readonly #given = new Set<string>();

  constructor(name?: string, named?: ReadonlySet<string>) {
    super(name);
    this.#named = named;
  }

  /**
   * The verbs .command() declares are indexed too. A verb of the program declares the options
   * named as the program does; the verbs of a group (`network create`) declare every option, so
   * that the group's help (`berth network`) shows which of them take options.
   */
  override createCommand(name?: string): IndexedCommand {
    return new IndexedCommand(name, this.parent ? undefined : this.#named);
  }

  /** Whether an option of these flags (`-e, --env <env>`) is declared: every option is, or the command line names one of its flags. */
  selects(flags: string): boolean {
    return this.#selectsNames(flagNames(flags));
  }

  override option(flags: string, description?: string, parseArgOrDefault?: unknown, defaultValue?: unknown): this {
    const names = flagNames(flags);
    if (this.#selectsNames(names)) return super.option(flags, description as string, parseArgOrDefault as (value: string, previous: unknown) => unknown, defaultValue);
    // As commander's option(): a parser (or the deprecated RegExp) comes before the default.
    const parses = typeof parseArgOrDefault === 'function' || parseArgOrDefault instanceof RegExp;
    this.#leaveOut(names, parses ? defaultValue : parseArgOrDefault);
    return this;
  }

  /** A mandatory option, or one an environment variable may set, is declared even when the command line does not name it. */
  override addOption(option: Option): this {
    const names = flagNames(option.flags);
    if (!option.mandatory && option.envVar === undefined && !this.#selectsNames(names)) {
      this.#leaveOut(names, option.defaultValue);
      return this;
    }
    for (const name of names) this.#given.add(name);
    return super.addOption(option);
  }

  /** Overrides commander's own lookup (what its Option.is() scan would find). */
  _findOption(flag: string): Option | undefined {
    for (; this.#indexed < this.options.length; this.#indexed++) {
      const option = this.options[this.#indexed] as Option;
      for (const declared of [option.short, option.long]) {
        if (declared !== undefined && !this.#byFlag.has(declared)) this.#byFlag.set(declared, option);
      }
    }
    return this.#byFlag.get(flag);
  }

  /**
   * An option not declared: its default set as commander's addOption sets it (a `--no-x`
   * option's `x` defaults to true unless a `--x` option came first), so the command's
   * values are those a full declaration gives a command line that does not use it.
   */
  #leaveOut(names: readonly string[], defaultValue: unknown): void {
    const flag = names.find((name) => name.startsWith('--')) ?? (names[0] as string);
    const negated = flag.startsWith('--no-');
    const bare = flag.replace(/^--?/, '');
    const attribute = camelCase(negated ? bare.slice('no-'.length) : bare);
    if (negated) {
      if (!this.#given.has(`--${flag.slice('--no-'.length)}`)) this.setOptionValueWithSource(attribute, defaultValue ?? true, 'default');
    } else if (defaultValue !== undefined) {
      this.setOptionValueWithSource(attribute, defaultValue, 'default');
    }
    for (const name of names) this.#given.add(name);
  }

  #selectsNames(names: readonly string[]): boolean {
    const named = this.#named;
    return named === undefined || names.some((name) => named.has(name));
  }
}

/**
 * The option flags a command line names: each `--flag` (also as `--flag=value`) with its
 * `--no-flag` twin (a pair is declared together, as their defaults depend on each other), and each
 * letter of a `-abc` cluster. Undefined when it asks for help, which lists every option. Values
 * and the container's own arguments may add flags that are no option: harmless, they only
 * declare more.
 */
export function flagsNamedIn(argv: readonly string[]): Set<string> | undefined {
  const named = new Set<string>();
  for (const arg of argv) {
    if (arg === '--') break;
    if (arg === '--help' || arg === '-h') return undefined;
    if (arg.startsWith('--')) {
      const flag = arg.split('=', 1)[0] as string;
      named.add(flag);
      named.add(flag.startsWith('--no-') ? `--${flag.slice('--no-'.length)}` : `--no-${flag.slice(2)}`);
    } else if (arg.startsWith('-')) {
      for (const letter of arg.slice(1)) named.add(`-${letter}`);
    }
  }
  return named;
}

/**
 * The flags of an option's flags string, the words commander splits it into at spaces,
 * commas and bars that start with a dash (`-e, --env <env>` → -e, --env). A loop rather
 * than split and filter: it runs for each of ~70 options at every start.
 */
function flagNames(flags: string): string[] {
  const names: string[] = [];
  for (let start = 0, end = 0; start < flags.length; start = end + 1) {
    end = start;
    while (end < flags.length && !FLAG_SEPARATORS.has(flags.charCodeAt(end))) end++;
    if (flags.charCodeAt(start) === DASH) names.push(flags.slice(start, end));
  }
  return names;
}

const DASH = 0x2d;
/** Space, comma and bar. */
const FLAG_SEPARATORS = new Set([0x20, 0x2c, 0x7c]);

/** commander's attribute name of a flag name (`pids-limit` → `pidsLimit`). */
function camelCase(name: string): string {
  return name.replace(/-(.)/g, (_, letter: string) => letter.toUpperCase());
}
