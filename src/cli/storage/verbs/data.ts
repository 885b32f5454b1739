// Big-data verbs for images, containers and layers (list, get, size, digest,
// set) and the container directory lookups.

import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Store } from '../../../storage/index.js';
import { readAll } from '../../../util/index.js';
import { flagBool, flagString, type FlagSpec } from '../flags.js';
import { goSlice } from '../go-records.js';
import { inputStream } from '../input.js';
import { JSON_FLAG, type Verb, type VerbContext } from '../verb.js';

const WRITE_FILE_FLAG: FlagSpec = { names: ['file', 'f'], kind: 'string', help: 'Write data to file' };
const READ_FILE_FLAG: FlagSpec = { names: ['file', 'f'], kind: 'string', help: 'Read data from file' };

/** How one kind of record reaches its big data; `resolve` turns a name or prefix into the ID. */
interface BigDataKind {
  noun: string;
  resolve(store: Store, ref: string): Promise<string>;
  list(store: Store, id: string): Promise<string[]>;
  get(store: Store, id: string, key: string): Promise<Buffer | Readable>;
  set(store: Store, id: string, key: string, data: Buffer): Promise<void>;
  size?(store: Store, id: string, key: string): Promise<number>;
  digest?(store: Store, id: string, key: string): Promise<string>;
}

const IMAGE: BigDataKind = {
  noun: 'imageNameOrID',
  resolve: async (store, ref) => (await store.image(ref)).id,
  list: (store, id) => store.listImageBigData(id),
  get: (store, id, key) => store.imageBigData(id, key),
  // The Go CLI records sha256 of the bytes for manifest keys too ("with sometimes wrong digest").
  set: (store, id, key, data) => store.setImageBigData(id, key, data),
  size: (store, id, key) => store.imageBigDataSize(id, key),
  digest: (store, id, key) => store.imageBigDataDigest(id, key),
};

const CONTAINER: BigDataKind = {
  noun: 'containerNameOrID',
  resolve: async (store, ref) => (await store.container(ref)).id,
  list: (store, id) => store.listContainerBigData(id),
  get: (store, id, key) => store.containerBigData(id, key),
  set: (store, id, key, data) => store.setContainerBigData(id, key, data),
  size: (store, id, key) => store.containerBigDataSize(id, key),
  digest: (store, id, key) => store.containerBigDataDigest(id, key),
};

const LAYER: BigDataKind = {
  noun: 'layerNameOrID',
  resolve: async (store, ref) => (await store.layer(ref)).id,
  list: (store, id) => store.listLayerBigData(id),
  get: (store, id, key) => store.layerBigData(id, key),
  set: (store, id, key, data) => store.setLayerBigData(id, key, data),
};

export const listImageData = listVerb(IMAGE);
export const getImageData = getVerb(IMAGE);
export const getImageDataSize = sizeVerb(IMAGE);
export const getImageDataDigest = digestVerb(IMAGE);
export const setImageData = setVerb(IMAGE);
export const listContainerData = listVerb(CONTAINER);
export const getContainerData = getVerb(CONTAINER);
export const getContainerDataSize = sizeVerb(CONTAINER);
export const getContainerDataDigest = digestVerb(CONTAINER);
export const setContainerData = setVerb(CONTAINER);
export const listLayerData = listVerb(LAYER);
export const getLayerData = getVerb(LAYER, 'layerID');
export const setLayerData = setVerb(LAYER, 'layerID');

function listVerb(kind: BigDataKind): Verb {
  return {
    optionsHelp: `[options [...]] ${kind.noun}`,
    flags: [JSON_FLAG],
    minArgs: 1,
    maxArgs: 1,
    async run({ store, args, flags, out }) {
      const names = await kind.list(store, await kind.resolve(store, args[0]!));
      if (flagBool(flags, 'json')) out.json(goSlice(names));
      else out.out(names.map((name) => `${name}\n`).join(''));
      return 0;
    },
  };
}

function getVerb(kind: BigDataKind, noun = kind.noun): Verb {
  return {
    optionsHelp: `[options [...]] ${noun} dataName`,
    flags: [WRITE_FILE_FLAG],
    minArgs: 2,
    maxArgs: 0,
    async run({ store, args, flags, out }) {
      const data = await kind.get(store, await kind.resolve(store, args[0]!), args[1]!);
      const file = flagString(flags, 'file');
      if (Buffer.isBuffer(data)) {
        if (file) await writeFile(file, data);
        else out.out(data);
      } else if (file) {
        await pipeline(data, createWriteStream(file));
      } else {
        await pipeline(data, out.stdout, { end: false });
      }
      return 0;
    },
  };
}

function sizeVerb(kind: BigDataKind): Verb {
  return valueVerb(kind, (store, id, key) => kind.size!(store, id, key).then(String));
}

function digestVerb(kind: BigDataKind): Verb {
  return valueVerb(kind, (store, id, key) => kind.digest!(store, id, key));
}

function valueVerb(kind: BigDataKind, value: (store: Store, id: string, key: string) => Promise<string>): Verb {
  return {
    optionsHelp: `[options [...]] ${kind.noun} dataName`,
    flags: [],
    minArgs: 2,
    maxArgs: 0,
    async run({ store, args, out }: VerbContext) {
      out.out(`${await value(store, await kind.resolve(store, args[0]!), args[1]!)}\n`);
      return 0;
    },
  };
}

function setVerb(kind: BigDataKind, noun = kind.noun): Verb {
  return {
    optionsHelp: `[options [...]] ${noun} dataName`,
    flags: [READ_FILE_FLAG],
    minArgs: 2,
    maxArgs: 0,
    async run({ store, args, flags }) {
      const id = await kind.resolve(store, args[0]!);
      await kind.set(store, id, args[1]!, await readAll(inputStream(flagString(flags, 'file'))));
      return 0;
    },
  };
}

export const getContainerDir: Verb = directoryVerb((store, ref) => store.containerDirectory(ref));
export const getContainerRunDir: Verb = directoryVerb((store, ref) => store.containerRunDirectory(ref));

function directoryVerb(directory: (store: Store, ref: string) => Promise<string>): Verb {
  return {
    optionsHelp: '[options [...]] containerNameOrID',
    flags: [],
    minArgs: 1,
    maxArgs: 0,
    async run({ store, args, out }) {
      out.out(`${await directory(store, args[0]!)}\n`);
      return 0;
    },
  };
}
