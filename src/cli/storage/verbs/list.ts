// Listing verbs: layers (also as a tree), images, images-by-digest, containers.

import type { Container, Image, Store } from '../../../storage/index.js';
import { goJsonStringify } from '../../../util/index.js';
import { flagBool, type FlagSpec, type ParsedFlags } from '../flags.js';
import { goContainer, goImage, goLayer, goSlice } from '../go-records.js';
import { TextBlocks, type Output } from '../output.js';
import { printTree, type TreeNode } from '../tree.js';
import { JSON_FLAG, type Verb } from '../verb.js';

const QUIET_FLAG: FlagSpec = { names: ['quiet', 'q'], kind: 'bool', help: 'Only print IDs' };

export const layers: Verb = {
  optionsHelp: '[options [...]]',
  flags: [
    { names: ['tree', 't'], kind: 'bool', help: 'Use a tree' },
    // v1.50.2: just the IDs.
    { names: ['quick', 'q'], kind: 'bool', help: 'Just the IDs' },
    JSON_FLAG,
  ],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    const all = await store.layers();
    if (flagBool(flags, 'quick') && !flagBool(flags, 'json') && !flagBool(flags, 'tree')) {
      out.out(all.map((layer) => `${layer.id}\n`).join(''));
      return 0;
    }
    if (flagBool(flags, 'json')) {
      out.json(all.map(goLayer));
      return 0;
    }
    const { imagesByLayer, containerByLayer } = await layerUsers(store);
    if (flagBool(flags, 'tree')) {
      const nodes: TreeNode[] = all.map((layer) => {
        const notes = layer.names.map((name) => `name: ${name}`);
        if (layer.mountPoint) notes.push(`mount: ${layer.mountPoint}`);
        for (const image of imagesByLayer.get(layer.id) ?? []) {
          notes.push(`image: ${image.id}`, ...image.names.map((name) => `image name: ${name}`));
        }
        const container = containerByLayer.get(layer.id);
        if (container) notes.push(`container: ${container.id}`, ...container.names.map((name) => `container name: ${name}`));
        return { left: layer.parent || '(base)', right: layer.id, notes };
      });
      out.out(printTree(nodes));
      return 0;
    }
    let text = '';
    for (const layer of all) {
      text += `${layer.id}\n`;
      for (const name of layer.names) text += `\tname: ${name}\n`;
      for (const image of imagesByLayer.get(layer.id) ?? []) {
        text += `\timage: ${image.id}\n`;
        for (const name of image.names) text += `\t\tname: ${name}\n`;
      }
      const container = containerByLayer.get(layer.id);
      if (container) {
        text += `\tcontainer: ${container.id}\n`;
        for (const name of container.names) text += `\t\tname: ${name}\n`;
      }
    }
    out.out(text);
    return 0;
  },
};

// The Go CLI shows which images use a layer as top (or mapped top) layer and which
// container owns it; a failure to list them only drops those lines.
async function layerUsers(store: Store): Promise<{ imagesByLayer: Map<string, Image[]>; containerByLayer: Map<string, Readonly<Container>> }> {
  const imagesByLayer = new Map<string, Image[]>();
  const containerByLayer = new Map<string, Readonly<Container>>();
  const images = await store.images().catch(() => []);
  for (const image of images) {
    for (const layerId of [image.topLayer ?? '', ...(image.mappedTopLayers ?? [])]) {
      const list = imagesByLayer.get(layerId) ?? [];
      list.push(image);
      imagesByLayer.set(layerId, list);
    }
  }
  await store.eachContainer((container) => containerByLayer.set(container.layerId, container)).catch(() => undefined);
  return { imagesByLayer, containerByLayer };
}

export const images: Verb = {
  optionsHelp: '[options [...]]',
  flags: [JSON_FLAG, QUIET_FLAG],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    // Store.Images gives a nil slice when there are none: `null`.
    printImages(await store.images(), flags, out, true);
    return 0;
  },
};

export const imagesByDigest: Verb = {
  optionsHelp: '[options [...]] DIGEST',
  flags: [JSON_FLAG, QUIET_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    const matched: Image[] = [];
    for (const arg of args) {
      const problem = digestProblem(arg);
      if (problem) {
        out.err(`${arg}: ${problem}\n`);
        return 1;
      }
      matched.push(...await store.imagesByDigest(arg));
    }
    // The Go CLI starts this list as an empty slice: `[]`.
    printImages(matched, flags, out, false);
    return 0;
  },
};

function printImages(list: Image[], flags: ParsedFlags, out: Output, nilWhenEmpty: boolean): void {
  if (flagBool(flags, 'json')) {
    const records = list.map(goImage);
    out.json(nilWhenEmpty ? goSlice(records) : records);
    return;
  }
  let text = '';
  for (const image of list) {
    text += `${image.id}\n`;
    if (flagBool(flags, 'quiet')) continue;
    for (const name of image.names) text += `\tname: ${name}\n`;
    for (const digest of image.digests) text += `\tdigest: ${digest}\n`;
    for (const name of image.bigDataNames) text += `\tdata: ${name}\n`;
  }
  out.out(text);
}

// go-digest's Validate, for the algorithms it knows, with its error texts.
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
function digestProblem(text: string): string | undefined {
  const colon = text.indexOf(':');
  if (colon <= 0 || colon + 1 === text.length) return 'invalid checksum digest format';
  const algorithm = text.slice(0, colon);
  const length = DIGEST_HEX_LENGTH[algorithm];
  if (length === undefined) return 'unsupported digest algorithm';
  const hex = text.slice(colon + 1);
  if (hex.length !== length) return 'invalid checksum digest length';
  if (!/^[a-f0-9]+$/.test(hex)) return 'invalid checksum digest format';
  return undefined;
}

export const containers: Verb = {
  optionsHelp: '[options [...]]',
  flags: [JSON_FLAG],
  minArgs: 0,
  maxArgs: 0,
  async run({ store, flags, out }) {
    // No copies of the records (eachContainer), and the text made record by record into
    // TextBlocks: this verb lists stores of thousands.
    const text = new TextBlocks();
    if (flagBool(flags, 'json')) {
      // Go's encoder writes a list compactly: the records' own encodings between commas.
      let separator = '[';
      await store.eachContainer((container) => {
        text.add(separator);
        text.add(goJsonStringify(goContainer(container)));
        separator = ',';
      });
      text.add(separator === '[' ? '[]\n' : ']\n');
      text.writeTo(out);
      return 0;
    }
    await store.eachContainer(({ id, names, bigDataNames }) => {
      text.add(`${id}\n`);
      for (let i = 0; i < names.length; i++) text.add(`\tname: ${names[i]}\n`);
      for (let i = 0; i < bigDataNames.length; i++) text.add(`\tdata: ${bigDataNames[i]}\n`);
    });
    text.writeTo(out);
    return 0;
  },
};
