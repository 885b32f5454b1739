// Name verbs: get-names, add-names (appends, as the Go CLI 1.43 does), set-names.

import { flagBool, flagList } from '../flags.js';
import { JSON_FLAG, type Verb } from '../verb.js';

const NAME_FLAG = { names: ['name', 'n'], kind: 'list', help: 'New name' } as const;

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

export const addNames: Verb = {
  optionsHelp: '[options [...]] imageOrContainerNameOrID',
  flags: [NAME_FLAG, JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const id = await store.lookup(args[0]!);
    // 1.43 sets old+new (new names go last); the library's addNames would put them first.
    await store.setNames(id, [...await store.names(id), ...flagList(flags, 'name')]);
    if (flagBool(flags, 'json')) out.json(nilIfEmpty(await store.names(id)));
    return 0;
  },
};

export const setNames: Verb = {
  optionsHelp: '[options [...]] imageOrContainerNameOrID',
  flags: [NAME_FLAG, JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const id = await store.lookup(args[0]!);
    await store.setNames(id, flagList(flags, 'name'));
    if (flagBool(flags, 'json')) out.json(nilIfEmpty(await store.names(id)));
    return 0;
  },
};

function nilIfEmpty(names: string[]): string[] | null {
  return names.length ? names : null;
}
