// Creating verbs: create-layer, import-layer (a layer from a tar on stdin or
// --file), create-image, create-container.

import { parseIdMapSpecs, subIdMappings } from '../../../idmap/index.js';
import type { CreateLayerOptions, IDMappingOptions, Layer } from '../../../storage/index.js';
import { flagBool, flagList, flagString, type FlagSpec, type ParsedFlags } from '../flags.js';
import { goContainer, goImage, goLayer } from '../go-records.js';
import { layerInput, METADATA_FLAGS, metadataOf } from '../input.js';
import type { Output } from '../output.js';
import { JSON_FLAG, type Verb } from '../verb.js';

// The Go CLI's ID-mapping flags of create-layer, import-layer and create-container.
const ID_MAP_FLAGS: readonly FlagSpec[] = [
  { names: ['hostuidmap'], kind: 'bool', help: 'Force host UID map' },
  { names: ['hostgidmap'], kind: 'bool', help: 'Force host GID map' },
  { names: ['uidmap'], kind: 'string', help: 'UID map' },
  { names: ['gidmap'], kind: 'string', help: 'GID map' },
  { names: ['subuidmap'], kind: 'string', help: 'subuid UID map for a user' },
  { names: ['subgidmap'], kind: 'string', help: 'subgid GID map for a group' },
];

const LAYER_FLAGS: readonly FlagSpec[] = [
  { names: ['label', 'l'], kind: 'string', help: 'Mount Label' },
  { names: ['name', 'n'], kind: 'list', help: 'Layer name' },
  { names: ['id', 'i'], kind: 'string', help: 'Layer ID' },
  { names: ['readonly', 'r'], kind: 'bool', help: 'Mark as read-only' },
  JSON_FLAG,
  ...ID_MAP_FLAGS,
];

export const createLayer: Verb = {
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  flags: LAYER_FLAGS,
  minArgs: 0,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    const layer = await store.createLayer(layerOptionsOf(args, flags));
    printLayer(layer, flags, out);
    return 0;
  },
};

export const importLayer: Verb = {
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  flags: [...LAYER_FLAGS, { names: ['file', 'f'], kind: 'string', help: 'Read from file instead of stdin' }],
  minArgs: 0,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    const { layer } = await store.putLayer(layerInput(flagString(flags, 'file')), layerOptionsOf(args, flags));
    printLayer(layer, flags, out);
    return 0;
  },
};

export const createImage: Verb = {
  optionsHelp: '[options [...]] topLayerNameOrID',
  flags: [
    { names: ['name', 'n'], kind: 'list', help: 'Image name' },
    { names: ['id', 'i'], kind: 'string', help: 'Image ID' },
    { names: ['digest', 'd'], kind: 'string', help: 'Image Digest' },
    ...METADATA_FLAGS,
    JSON_FLAG,
  ],
  minArgs: 0,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    const metadata = await metadataOf(flags);
    const digest = flagString(flags, 'digest');
    const image = await store.createImage({ id: optional(flagString(flags, 'id')), names: flagList(flags, 'name'), layer: optional(args[0] ?? ''), metadata, digest: digest || undefined });
    if (flagBool(flags, 'json')) out.json(goImage(image));
    else out.out(`${image.id}\n${image.names.map((name) => `\t${name}\n`).join('')}`);
    return 0;
  },
};

export const createContainer: Verb = {
  optionsHelp: '[options [...]] parentImageNameOrID',
  flags: [
    { names: ['name', 'n'], kind: 'list', help: 'Container name' },
    { names: ['volatile'], kind: 'bool', help: 'Mark as volatile' },
    { names: ['id', 'i'], kind: 'string', help: 'Container ID' },
    ...METADATA_FLAGS,
    JSON_FLAG,
    ...ID_MAP_FLAGS,
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ store, args, flags, out }) {
    const metadata = await metadataOf(flags);
    const container = await store.createContainer({
      id: optional(flagString(flags, 'id')),
      names: flagList(flags, 'name'),
      image: args[0],
      metadata,
      volatile: flagBool(flags, 'volatile') || undefined,
      ...idMappingOptionsOf(flags),
    });
    if (flagBool(flags, 'json')) out.json(goContainer(container));
    // The Go CLI 1.43 prints the names without a newline after each; kept for scripts that split on it.
    else out.out(`${container.id}\n${container.names.map((name) => `\t${name}`).join('')}`);
    return 0;
  },
};

function printLayer(layer: Layer, flags: ParsedFlags, out: Output): void {
  if (flagBool(flags, 'json')) out.json(goLayer(layer));
  else out.out(`${layer.id}\n${layer.names.map((name) => `\t${name}\n`).join('')}`);
}

/**
 * The Go CLI's paramIDMapping: `--subuidmap`/`--subgidmap` name a user and group
 * of /etc/subuid and /etc/subgid (one stands for both when the other is absent),
 * `--uidmap`/`--gidmap` add `container:host:size` triples, `--hostuidmap` and
 * `--hostgidmap` exclude them.
 */
function idMappingOptionsOf(flags: ParsedFlags): IDMappingOptions {
  const hostUidMapping = flagBool(flags, 'hostuidmap');
  const hostGidMapping = flagBool(flags, 'hostgidmap');
  const uidSpec = flagString(flags, 'uidmap');
  const gidSpec = flagString(flags, 'gidmap');
  let subUser = flagString(flags, 'subuidmap');
  let subGroup = flagString(flags, 'subgidmap');
  if (hostUidMapping && (uidSpec !== '' || subUser !== '')) throw new Error('host uid map specified along with UID mapping');
  if (hostGidMapping && (gidSpec !== '' || subGroup !== '')) throw new Error('host gid map specified along with GID mapping');
  subUser ||= subGroup;
  subGroup ||= subUser;
  const sub = subUser !== '' ? subIdMappings(subUser, subGroup) : { uidMap: [], gidMap: [] };
  return {
    hostUidMapping: hostUidMapping || undefined,
    hostGidMapping: hostGidMapping || undefined,
    uidMap: [...sub.uidMap, ...parseIdMapSpecs([uidSpec], 'uid')],
    gidMap: [...sub.gidMap, ...parseIdMapSpecs([gidSpec], 'gid')],
  };
}

function optional(value: string): string | undefined {
  return value === '' ? undefined : value;
}

/** create-layer and import-layer: the parent argument and the layer flags. */
function layerOptionsOf(args: string[], flags: ParsedFlags): CreateLayerOptions {
  return {
    id: optional(flagString(flags, 'id')),
    parent: optional(args[0] ?? ''),
    names: flagList(flags, 'name'),
    mountLabel: flagString(flags, 'label'),
    writeable: !flagBool(flags, 'readonly'),
    ...idMappingOptionsOf(flags),
  };
}
