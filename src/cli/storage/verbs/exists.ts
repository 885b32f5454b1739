// `exists`: whether each argument names a layer, image or container (optionally
// only of one kind); exit 1 when any does not.

import { flagBool } from '../flags.js';
import { goMapOf } from '../go-records.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const exists: Verb = {
  optionsHelp: '[LayerOrImageOrContainerNameOrID [...]]',
  flags: [
    { names: ['quiet', 'q'], kind: 'bool', help: "Don't print names" },
    { names: ['layer', 'l'], kind: 'bool', help: 'Only succeed if the match is a layer' },
    { names: ['image', 'i'], kind: 'bool', help: 'Only succeed if the match is an image' },
    { names: ['container', 'c'], kind: 'bool', help: 'Only succeed if the match is a container' },
    JSON_FLAG,
  ],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const found = new Map<string, boolean>();
    let anyMissing = false;
    for (const what of args) {
      const present = await store.exists(what);
      found.set(what, present);
      // The kind filters change the exit status only; the printed answer is Exists'.
      let ok = present;
      if (flagBool(flags, 'container') && !(await succeeds(() => store.container(what)))) ok = false;
      if (flagBool(flags, 'image') && !(await succeeds(() => store.image(what)))) ok = false;
      if (flagBool(flags, 'layer') && !(await succeeds(() => store.layer(what)))) ok = false;
      if (!ok) anyMissing = true;
    }
    if (flagBool(flags, 'json')) {
      out.json(goMapOf(found));
    } else if (!flagBool(flags, 'quiet')) {
      out.out([...found].map(([what, present]) => `${what}: ${present}\n`).join(''));
    }
    return anyMissing ? 1 : 0;
  },
};

async function succeeds(lookup: () => Promise<unknown>): Promise<boolean> {
  try {
    await lookup();
    return true;
  } catch {
    return false;
  }
}
