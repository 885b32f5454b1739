// Metadata verbs: metadata (of layers, images or containers) and set-metadata.

import { flagBool, flagString } from '../flags.js';
import { goMapOf } from '../go-records.js';
import { METADATA_FLAGS, metadataOf } from '../input.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const metadata: Verb = {
  optionsHelp: '[LayerOrImageOrContainerNameOrID [...]]',
  flags: [{ names: ['quiet', 'q'], kind: 'bool', help: 'Omit names and IDs' }, JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const found = new Map<string, string>();
    let missingAny = false;
    for (const what of args) {
      try {
        found.set(what, (await store.metadata(what)).replace(/\n$/, ''));
      } catch {
        missingAny = true;
      }
    }
    if (flagBool(flags, 'json')) {
      out.json(goMapOf(found));
    } else {
      // Every argument gets a line, found or not, as in the Go CLI.
      const quiet = flagBool(flags, 'quiet');
      out.out(args.map((what) => (quiet ? `${found.get(what) ?? ''}\n` : `${what}: ${found.get(what) ?? ''}\n`)).join(''));
    }
    return missingAny ? 1 : 0;
  },
};

export const setMetadata: Verb = {
  optionsHelp: '[options [...]] layerOrImageOrContainerNameOrID',
  flags: METADATA_FLAGS,
  minArgs: 1,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    if (!flagString(flags, 'metadata') && !flagString(flags, 'metadata-file')) {
      out.err('no new metadata provided\n');
      return 1;
    }
    await store.setMetadata(args[0]!, await metadataOf(flags));
    return 0;
  },
};
