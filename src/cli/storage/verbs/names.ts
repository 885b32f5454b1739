// Name verbs: get-names, add-names (appends, as the Go CLI 1.43 does), set-names.

import type { Store } from '../../../storage/index.js';
import { flagBool, flagList, type FlagSpec } from '../flags.js';
import { goSlice } from '../go-records.js';
import { JSON_FLAG, type Verb } from '../verb.js';

const NAME_FLAG: FlagSpec = { names: ['name', 'n'], kind: 'list', help: 'New name' };

export const getNames: Verb = {
  optionsHelp: '[options [...]] imageOrContainerNameOrID',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const names = await store.names(await store.lookup(args[0]!));
    if (flagBool(flags, 'json')) out.json(names);
    else out.out(names.map((name) => `${name}\n`).join(''));
    return 0;
  },
};

// 1.43 sets old+new (new names go last); the library's addNames would put them first.
export const addNames: Verb = namesChangingVerb(async (store, id, given) => [...await store.names(id), ...given]);
export const setNames: Verb = namesChangingVerb(async (_store, _id, given) => given);

/** A verb that gives the record `args[0]` the names `namesFor` makes of the `--name` flags; --json prints the result. */
function namesChangingVerb(namesFor: (store: Store, id: string, given: string[]) => Promise<string[]>): Verb {
  return {
    optionsHelp: '[options [...]] imageOrContainerNameOrID',
    flags: [NAME_FLAG, JSON_FLAG],
    minArgs: 1,
    maxArgs: 0,
    async run({ store, args, flags, out }) {
      const id = await store.lookup(args[0]!);
      await store.setNames(id, await namesFor(store, id, flagList(flags, 'name')));
      if (flagBool(flags, 'json')) out.json(goSlice(await store.names(id)));
      return 0;
    },
  };
}
