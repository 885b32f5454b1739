// Store-wide verbs: status, version (both print to stderr, as the Go CLI does),
// wipe and shutdown.

import type { Store } from '../../../storage/index.js';
import { errorText } from '../error-text.js';
import { flagBool, type FlagSpec, type ParsedFlags } from '../flags.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const status: Verb = reportVerb(async (store) => [
  ['Root', store.graphRoot],
  ['Run Root', store.runRoot],
  ['Driver Name', store.graphDriverName],
  ['Driver Options', `[${store.graphOptions.join(' ')}]`],
  ...await store.status(),
]);

export const version: Verb = reportVerb((store) => store.version());

export const wipe: Verb = actionVerb([], (store) => store.wipe());

export const shutdown: Verb = actionVerb(
  [{ names: ['force', 'f'], kind: 'bool', help: 'Unmount mounted layers first' }],
  (store, flags) => store.shutdown({ force: flagBool(flags, 'force') }),
);

/** A verb that prints `key: value` lines on stderr, or the pairs as JSON. */
function reportVerb(pairsOf: (store: Store) => Promise<Array<[string, string]>>): Verb {
  return {
    optionsHelp: '',
    flags: [JSON_FLAG],
    minArgs: 0,
    maxArgs: 0,
    async run({ store, flags, out }) {
      const pairs = await pairsOf(store);
      if (flagBool(flags, 'json')) out.json(pairs);
      else out.err(pairs.map(([key, value]) => `${key}: ${value}\n`).join(''));
      return 0;
    },
  };
}

/**
 * A verb that runs one store action and reports only a failure. JSON: `""` on
 * success; Go encodes an error value as `{}` (no exported fields).
 */
function actionVerb(flags: readonly FlagSpec[], action: (store: Store, flags: ParsedFlags) => Promise<unknown>): Verb {
  return {
    optionsHelp: '',
    flags: [JSON_FLAG, ...flags],
    minArgs: 0,
    maxArgs: 0,
    async run({ store, verb, flags: parsed, out }) {
      const json = flagBool(parsed, 'json');
      try {
        await action(store, parsed);
        if (json) out.json('');
        return 0;
      } catch (err) {
        if (json) out.json({});
        else out.err(`${verb}: ${errorText(err)}\n`);
        return 1;
      }
    },
  };
}
