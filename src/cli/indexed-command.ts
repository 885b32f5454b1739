// commander's Command with its options found by flag through a Map. commander
// 14 finds an option by a linear scan of the command's options
// (Command.prototype._findOption), and scans them again for each option it
// declares, to refuse a flag declared twice: `berth run` declares ~50 options
// on the program and the verb, ~100 scans of up to ~90 options, ~1 ms of every
// start here. commander appends to `options` and never removes or reorders
// them, so an index of the flags seen so far, first declared first, finds
// what the scan found.

import { Command, type Option } from 'commander';

export class IndexedCommand extends Command {
  /** The options of `options[0, #indexed)` by short and long flag, the first declared for a flag. */
  readonly #byFlag = new Map<string, Option>();
  #indexed = 0;

  /** The verbs .command() declares are indexed too. */
  override createCommand(name?: string): IndexedCommand {
    return new IndexedCommand(name);
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
}
