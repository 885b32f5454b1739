// Name verbs: get-names, add-names (appends, as the Go CLI 1.43 does), remove-names, set-names.

import type { Store } from '../../../storage/index.js';
import { flagBool, flagList, type FlagSpec } from '../flags.js';
import { goSlice } from '../go-records.js';
import { JSON_FLAG, type Verb } from '../verb.js';

const nameFlag = (help: string): FlagSpec => ({ names: ['name', 'n'], kind: 'list', help });

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
export const addNames: Verb = namesChangingVerb('Name to add', async (store, id, given) => store.setNames(id, [...await store.names(id), ...given]));
// v1.50's verb (the Go CLI 1.43 has none): an image of a read-only store is pulled up into this one first.
export const removeNames: Verb = namesChangingVerb('Name to remove', (store, id, given) => store.removeNames(id, given));
export const setNames: Verb = namesChangingVerb('New name', (store, id, given) => store.setNames(id, given));

/** A verb that changes the names of record `args[0]` with the `--name` flags given; --json prints the result. */
function namesChangingVerb(help: string, change: (store: Store, id: string, given: string[]) => Promise<void>): Verb {
  return {
    optionsHelp: '[options [...]] imageOrContainerNameOrID',
    flags: [nameFlag(help), JSON_FLAG],
    minArgs: 1,
    maxArgs: 0,
    async run({ store, args, flags, out }) {
      const id = await store.lookup(args[0]!);
      await change(store, id, flagList(flags, 'name'));
      if (flagBool(flags, 'json')) out.json(goSlice(await store.names(id)));
      return 0;
    },
  };
}
