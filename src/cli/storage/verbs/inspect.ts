// Examining verbs: layer, image, container (several at once; exit 1 when any is
// not found, with no message, as the Go CLI does) and the parent-owner queries.

import type { Container, Layer } from '../../../storage/index.js';
import { errorText } from '../error-text.js';
import { flagBool } from '../flags.js';
import { goContainer, goImage, goLayer, goSlice } from '../go-records.js';
import { JSON_FLAG, type Verb, type VerbContext } from '../verb.js';

export const layer: Verb = {
  optionsHelp: '[options [...]] layerNameOrID [...]',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run(context) {
    const matched = await found(context.args, (arg) => context.store.layer(arg));
    return printMatches(context, matched, goLayer, (item) => {
      let text = `ID: ${item.id}\n`;
      for (const m of item.uidMap ?? []) text += `UID mapping: (container=${m.containerId}, host=${m.hostId}, size=${m.size})\n`;
      for (const m of item.gidMap ?? []) text += `GID mapping: (container=${m.containerId}, host=${m.hostId}, size=${m.size})\n`;
      if (item.parent) text += `Parent: ${item.parent}\n`;
      for (const name of item.names) text += `Name: ${name}\n`;
      if (item.readOnly) text += 'Read Only: true\n';
      return text;
    });
  },
};

export const image: Verb = {
  optionsHelp: '[options [...]] imageNameOrID [...]',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run(context) {
    const { store } = context;
    const matched = await found(context.args, (arg) => store.image(arg));
    return printMatches(context, matched, goImage, async (item) => {
      let text = `ID: ${item.id}\n`;
      for (const name of item.names) text += `Name: ${name}\n`;
      text += `Top Layer: ${item.topLayer ?? ''}\n`;
      for (const layerId of item.mappedTopLayers ?? []) text += `Top Layer: ${layerId}\n`;
      for (const digest of item.digests) text += `Digest: ${digest}\n`;
      for (const name of item.bigDataNames) text += `Data: ${name}\n`;
      text += await sizeLine(() => store.imageSize(item.id));
      if (item.readOnly) text += 'Read Only: true\n';
      return text;
    });
  },
};

export const container: Verb = {
  optionsHelp: '[options [...]] containerNameOrID [...]',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run(context) {
    const { store } = context;
    // Listed first, even for --json, as the Go CLI does: a store whose images cannot be read fails here.
    const images = await store.images();
    const matched = await found(context.args, (arg) => store.container(arg));
    return printMatches(context, matched, goContainer, async (item) => {
      let text = `ID: ${item.id}\n`;
      for (const name of item.names) text += `Name: ${name}\n`;
      text += `Image: ${item.imageId}\n`;
      for (const name of images.find((img) => img.id === item.imageId)?.names ?? []) text += `Image name: ${name}\n`;
      text += await sizeLine(() => store.containerSize(item.id));
      text += `Layer: ${item.layerId}\n`;
      for (const name of item.bigDataNames) text += `Data: ${name}\n`;
      return text;
    });
  },
};

/** --json: the matched records in Go's shape; else each one's text block. Exit 1 when an argument matched nothing. */
async function printMatches<T>(
  { args, flags, out }: VerbContext, matched: T[], goRecord: (item: T) => unknown, describe: (item: T) => string | Promise<string>,
): Promise<number> {
  if (flagBool(flags, 'json')) {
    out.json(matched.map((item) => goRecord(item)));
  } else {
    let text = '';
    for (const item of matched) text += await describe(item);
    out.out(text);
  }
  return matched.length === args.length ? 0 : 1;
}

export const layerParentOwners: Verb = {
  optionsHelp: '[options [...]] layerNameOrID [...]',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  run: (context) => parentOwners(context, (arg) => context.store.layer(arg), (item: Layer) => item.id, 'LayerParentOwner', true),
};

export const containerParentOwners: Verb = {
  optionsHelp: '[options [...]] containerNameOrID [...]',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  run: (context) => parentOwners(context, (arg) => context.store.container(arg), (item: Container) => item.layerId, 'ContainerParentOwner', false),
};

// The layer verb prints the UID/GID lines only when non-empty, the container verb always.
async function parentOwners<T extends Layer | Container>(
  { store, args, flags, out }: VerbContext,
  lookup: (arg: string) => Promise<T>, layerOf: (item: T) => string, label: string, skipEmpty: boolean,
): Promise<number> {
  const matched = await found(args, lookup);
  for (const item of matched) {
    let owners;
    try {
      owners = await store.layerParentOwners(layerOf(item));
    } catch (err) {
      out.err(`${label}: ${errorText(err)}\n`);
      return 1;
    }
    if (flagBool(flags, 'json')) {
      out.json({ ID: item.id, UIDs: goSlice(owners.uids), GIDs: goSlice(owners.gids) });
    } else {
      let text = `ID: ${item.id}\n`;
      if (!skipEmpty || owners.uids.length) text += `UIDs: [${owners.uids.join(' ')}]\n`;
      if (!skipEmpty || owners.gids.length) text += `GIDs: [${owners.gids.join(' ')}]\n`;
      out.out(text);
    }
  }
  return matched.length === args.length ? 0 : 1;
}

/** The records that lookups find; misses are dropped silently (the exit code tells). */
async function found<T>(args: string[], lookup: (arg: string) => Promise<T>): Promise<T[]> {
  const matched: T[] = [];
  for (const arg of args) {
    try {
      matched.push(await lookup(arg));
    } catch {
      // Not found or ambiguous: the Go CLI prints nothing for it.
    }
  }
  return matched;
}

async function sizeLine(size: () => Promise<number>): Promise<string> {
  try {
    return `Size: ${await size()}\n`;
  } catch (err) {
    return `Size unknown: ${errorText(err)}\n`;
  }
}
