// The shape of one `berth storage` verb module and what it is given to run.

import type { Store } from '../../storage/index.js';
import type { FlagSpec, ParsedFlags } from './flags.js';
import type { Output } from './output.js';

export interface Verb {
  /** The usage line after the verb name (`[options [...]] layerNameOrID`). */
  optionsHelp: string;
  /** The verb's own flags (the global flags are added by the dispatcher). */
  flags: readonly FlagSpec[];
  minArgs: number;
  /** 0 means no limit, as in the Go CLI 1.43. */
  maxArgs: number;
  run(context: VerbContext): Promise<number>;
}

export interface VerbContext {
  store: Store;
  /** The verb name as typed (an alias stays an alias). */
  verb: string;
  args: string[];
  flags: ParsedFlags;
  out: Output;
}

export const JSON_FLAG: FlagSpec = { names: ['json', 'j'], kind: 'bool', help: 'Prefer JSON output' };
