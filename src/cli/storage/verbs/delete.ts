// Deleting verbs: delete (anything, no safety checks), delete-layer,
// delete-image (with --test for a dry run), delete-container. Each argument is
// tried; failures are reported per argument and make the exit status 1.

import type { Store } from '../../../storage/index.js';
import { errorTextFor } from '../error-text.js';
import { flagBool } from '../flags.js';
import { goMapOf } from '../go-records.js';
import type { Output } from '../output.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const deleteAny: Verb = deleteVerb('[LayerOrImageOrContainerNameOrID [...]]', (store, id) => store.delete(id));
export const deleteLayer: Verb = deleteVerb('[LayerNameOrID [...]]', (store, id) => store.deleteLayer(id));
export const deleteContainer: Verb = deleteVerb('[ContainerNameOrID [...]]', (store, id) => store.deleteContainer(id));

function deleteVerb(optionsHelp: string, remove: (store: Store, id: string) => Promise<void>): Verb {
  return {
    optionsHelp,
    flags: [JSON_FLAG],
    minArgs: 1,
    maxArgs: 0,
    async run({ store, args, flags, out }) {
      // The Go CLI keys results by argument: a repeated argument is reported once.
      const results = new Map<string, string>();
      for (const what of args) {
        try {
          await remove(store, what);
          results.set(what, '');
        } catch (err) {
          results.set(what, errorTextFor(err, what));
        }
      }
      if (flagBool(flags, 'json')) out.json(goMapOf(results));
      else reportErrors(results, out);
      return [...results.values()].some((text) => text !== '') ? 1 : 0;
    },
  };
}

export const deleteImage: Verb = {
  optionsHelp: '[ImageNameOrID [...]]',
  flags: [{ names: ['test', 't'], kind: 'bool', help: 'Only test removal' }, JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const commit = !flagBool(flags, 'test');
    const results = new Map<string, { 'deleted-layers'?: string[]; error?: string }>();
    for (const what of args) {
      try {
        const layers = await store.deleteImage(what, { commit });
        results.set(what, layers.length ? { 'deleted-layers': layers } : {});
      } catch (err) {
        results.set(what, { error: errorTextFor(err, what) });
      }
    }
    if (flagBool(flags, 'json')) {
      out.json(goMapOf(results));
    } else {
      // The Go CLI lists the removed layers on stderr too.
      let text = '';
      for (const [what, record] of results) {
        if (record.error) text += `${what}: ${record.error}\n`;
        else for (const layer of record['deleted-layers'] ?? []) text += `${what}: ${layer}\n`;
      }
      out.err(text);
    }
    return [...results.values()].some((record) => record.error) ? 1 : 0;
  },
};

function reportErrors(results: Map<string, string>, out: Output): void {
  let text = '';
  for (const [what, error] of results) if (error) text += `${what}: ${error}\n`;
  out.err(text);
}
