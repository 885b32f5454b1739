// Store-wide verbs: status, version (both print to stderr, as the Go CLI does),
// wipe and shutdown.

import { flagBool } from '../flags.js';
import type { Output } from '../output.js';
import { JSON_FLAG, type Verb } from '../verb.js';

export const status: Verb = {
  optionsHelp: '',
  flags: [JSON_FLAG],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    const pairs: Array<[string, string]> = [
      ['Root', store.graphRoot],
      ['Run Root', store.runRoot],
      ['Driver Name', store.graphDriverName],
      ['Driver Options', `[${store.graphOptions.join(' ')}]`],
      ...await store.status(),
    ];
    if (flagBool(flags, 'json')) out.json(pairs);
    else out.err(pairs.map(([key, value]) => `${key}: ${value}\n`).join(''));
    return 0;
  },
};

export const version: Verb = {
  optionsHelp: '',
  flags: [JSON_FLAG],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    const pairs = await store.version();
    if (flagBool(flags, 'json')) out.json(pairs);
    else out.err(pairs.map(([key, value]) => `${key}: ${value}\n`).join(''));
    return 0;
  },
};

export const wipe: Verb = {
  optionsHelp: '',
  flags: [JSON_FLAG],
  minArgs: 0,
  maxArgs: 0,
  run: ({ store, verb, flags, out }) => reportOutcome(() => store.wipe(), verb, flagBool(flags, 'json'), out),
};

export const shutdown: Verb = {
  optionsHelp: '',
  flags: [JSON_FLAG, { names: ['force', 'f'], kind: 'bool', help: 'Unmount mounted layers first' }],
  minArgs: 0,
  maxArgs: 0,
  run: ({ store, verb, flags, out }) => reportOutcome(() => store.shutdown(flagBool(flags, 'force')), verb, flagBool(flags, 'json'), out),
};

// JSON: `""` on success; Go encodes an error value as `{}` (no exported fields).
async function reportOutcome(action: () => Promise<unknown>, verb: string, json: boolean, out: Output): Promise<number> {
  try {
    await action();
    if (json) out.json('');
    return 0;
  } catch (err) {
    if (json) out.json({});
    else out.err(`${verb}: ${(err as Error).message}\n`);
    return 1;
  }
}
