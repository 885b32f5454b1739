// Verbs on the graph driver below the layer records (v1.50.2): storage-layers
// lists the driver's layer directories, create-storage-layer makes one that no
// layers.json knows of (how the check tests make unaccounted layers).

import { generateRandomId } from '../../../util/index.js';
import { flagBool, flagString } from '../flags.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const storageLayers: Verb = {
  optionsHelp: '[options [...]]',
  flags: [JSON_FLAG],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    const ids = await store.storageLayers();
    if (flagBool(flags, 'json')) out.json(ids);
    else out.out(ids.map((id) => `${id}\n`).join(''));
    return 0;
  },
};

export const createStorageLayer: Verb = {
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  flags: [
    { names: ['label', 'l'], kind: 'string', help: 'Mount Label' },
    { names: ['id', 'i'], kind: 'string', help: 'Layer ID' },
    { names: ['readonly', 'r'], kind: 'bool', help: 'Mark as read-only' },
    JSON_FLAG,
  ],
  minArgs: 0,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    // Go hands the argument to the driver as it is: a driver layer ID, no name lookup.
    const id = flagString(flags, 'id') || generateRandomId();
    await store.createStorageLayer({ id, parent: args[0] || undefined, mountLabel: flagString(flags, 'label') });
    if (flagBool(flags, 'json')) out.json(id);
    else out.out(`${id}\n`);
    return 0;
  },
};
