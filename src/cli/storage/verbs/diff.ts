// Layer comparison verbs: changes, diffsize, diff (a tar, optionally
// compressed), applydiff (a tar from stdin or --file into an existing layer).

import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { ChangeKind, Compression } from '../../../archive/index.js';
import { flagBool, flagString, type ParsedFlags } from '../flags.js';
import { goChange, goSlice } from '../go-records.js';
import { goStrconvQuote } from '../go-quote.js';
import { layerInput } from '../input.js';
import { JSON_FLAG, type Verb } from '../verb.js';

const COMPARE_HELP = '[options [...]] layerNameOrID [referenceLayerNameOrID]';
const CHANGE_WORDS: Record<ChangeKind, string> = { [ChangeKind.Add]: 'Add', [ChangeKind.Modify]: 'Modify', [ChangeKind.Delete]: 'Delete' };

export const changes: Verb = {
  optionsHelp: COMPARE_HELP,
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 2,
  async run({ store, args, flags, out }) {
    const list = await store.changes(args[0]!, { from: args[1] || undefined });
    if (flagBool(flags, 'json')) {
      out.json(goSlice(list.map(goChange)));
    } else {
      out.out(list.map((change) => `${CHANGE_WORDS[change.kind] ?? '?'} ${goStrconvQuote(change.path)}\n`).join(''));
    }
    return 0;
  },
};

export const diffSize: Verb = {
  optionsHelp: COMPARE_HELP,
  flags: [],
  minArgs: 1,
  maxArgs: 2,
  async run({ store, args, out }) {
    out.out(`${await store.diffSize(args[0]!, { from: args[1] || undefined })}\n`);
    return 0;
  },
};

export const diff: Verb = {
  optionsHelp: COMPARE_HELP,
  flags: [
    { names: ['file', 'f'], kind: 'string', help: 'Write to file instead of stdout' },
    { names: ['uncompressed', 'u'], kind: 'bool', help: 'Use no compression' },
    { names: ['gzip', 'c'], kind: 'bool', help: 'Compress using gzip' },
    { names: ['bzip2', 'bz2', 'b'], kind: 'bool', help: 'Compress using bzip2 (not currently supported)' },
    { names: ['xz', 'x'], kind: 'bool', help: 'Compress using xz (not currently supported)' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run({ store, args, flags, out }) {
    const reader = await store.diff(args[0]!, { from: args[1] || undefined, ...compressionOf(flags) });
    const file = flagString(flags, 'file');
    if (file) await pipeline(reader, createWriteStream(file));
    // stdout stays open: other output may follow, and Node never closes it anyway.
    else await pipeline(reader, out.stdout, { end: false });
    return 0;
  },
};

// The last flag in Go's order wins: xz over bzip2 over gzip over none; no flag
// means the layer's own compression.
function compressionOf(flags: ParsedFlags): { compression?: Compression } {
  if (flagBool(flags, 'xz')) return { compression: Compression.Xz };
  if (flagBool(flags, 'bzip2')) return { compression: Compression.Bzip2 };
  if (flagBool(flags, 'gzip')) return { compression: Compression.Gzip };
  if (flagBool(flags, 'uncompressed')) return { compression: Compression.None };
  return {};
}

export const applyDiff: Verb = {
  optionsHelp: COMPARE_HELP,
  flags: [{ names: ['file', 'f'], kind: 'string', help: 'Read from file instead of stdin' }],
  minArgs: 1,
  maxArgs: 1,
  async run({ store, args, flags }) {
    await store.applyDiff(args[0]!, layerInput(flagString(flags, 'file')));
    return 0;
  },
};
