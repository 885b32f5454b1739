// Every `berth storage` verb: names (first is canonical, then Go's aliases), the
// one-line usage, and where its code lives. Nothing here imports a verb: only the
// verb that runs is loaded, so start-up cost does not grow with the verb count.

import type { Verb } from './verb.js';

export interface VerbEntry {
  names: readonly string[];
  usage: string;
  load(): Promise<Verb>;
}

const admin = () => import('./verbs/admin.js');
const check = () => import('./verbs/check.js');
const copy = () => import('./verbs/copy.js');
const create = () => import('./verbs/create.js');
const data = () => import('./verbs/data.js');
const del = () => import('./verbs/delete.js');
const diff = () => import('./verbs/diff.js');
const exists = () => import('./verbs/exists.js');
const inspect = () => import('./verbs/inspect.js');
const list = () => import('./verbs/list.js');
const metadata = () => import('./verbs/metadata.js');
const mount = () => import('./verbs/mount.js');
const names = () => import('./verbs/names.js');
const storageLayers = () => import('./verbs/storage-layers.js');

// In the Go CLI's order, so `berth storage --help` lists them as `containers-storage --help` does.
export const VERBS: readonly VerbEntry[] = [
  { names: ['check'], usage: 'Check storage consistency', load: async () => (await check()).check },
  { names: ['repair'], usage: 'Check storage consistency and remove damaged images and layers', load: async () => (await check()).repair },
  { names: ['container'], usage: 'Examine a container', load: async () => (await inspect()).container },
  { names: ['list-container-data', 'listcontainerdata'], usage: 'List data items that are attached to an container', load: async () => (await data()).listContainerData },
  { names: ['get-container-data', 'getcontainerdata'], usage: 'Get data that is attached to an container', load: async () => (await data()).getContainerData },
  { names: ['get-container-data-size', 'getcontainerdatasize'], usage: 'Get size of data that is attached to an container', load: async () => (await data()).getContainerDataSize },
  { names: ['get-container-data-digest', 'getcontainerdatadigest'], usage: 'Get digest of data that is attached to an container', load: async () => (await data()).getContainerDataDigest },
  { names: ['set-container-data', 'setcontainerdata'], usage: 'Set data that is attached to an container', load: async () => (await data()).setContainerData },
  { names: ['get-container-dir', 'getcontainerdir'], usage: "Find the container's associated data directory", load: async () => (await data()).getContainerDir },
  { names: ['get-container-run-dir', 'getcontainerrundir'], usage: "Find the container's associated runtime directory", load: async () => (await data()).getContainerRunDir },
  { names: ['container-parent-owners'], usage: 'Compute the set of unmapped parent UIDs and GIDs of the container', load: async () => (await inspect()).containerParentOwners },
  { names: ['containers'], usage: 'List containers', load: async () => (await list()).containers },
  { names: ['copy'], usage: 'Copy files or directories into a layer, possibly from another layer', load: async () => (await copy()).copy },
  { names: ['create-storage-layer'], usage: 'Create a new layer only in the storage driver', load: async () => (await storageLayers()).createStorageLayer },
  { names: ['create-layer', 'createlayer'], usage: 'Create a new layer', load: async () => (await create()).createLayer },
  { names: ['import-layer', 'importlayer'], usage: 'Import a new layer', load: async () => (await create()).importLayer },
  { names: ['create-image', 'createimage'], usage: 'Create a new image using layers', load: async () => (await create()).createImage },
  { names: ['create-container', 'createcontainer'], usage: 'Create a new container from an image', load: async () => (await create()).createContainer },
  { names: ['delete'], usage: 'Delete a layer or image or container, with no safety checks', load: async () => (await del()).deleteAny },
  { names: ['delete-layer', 'deletelayer'], usage: 'Delete a layer, with safety checks', load: async () => (await del()).deleteLayer },
  { names: ['delete-image', 'deleteimage'], usage: 'Delete an image, with safety checks', load: async () => (await del()).deleteImage },
  { names: ['delete-container', 'deletecontainer'], usage: 'Delete a container, with safety checks', load: async () => (await del()).deleteContainer },
  { names: ['changes'], usage: 'Compare two layers', load: async () => (await diff()).changes },
  { names: ['diffsize', 'diff-size'], usage: 'Compare two layers', load: async () => (await diff()).diffSize },
  { names: ['diff'], usage: 'Compare two layers', load: async () => (await diff()).diff },
  { names: ['applydiff', 'apply-diff'], usage: 'Apply a diff to a layer', load: async () => (await diff()).applyDiff },
  { names: ['exists'], usage: 'Check if a layer or image or container exists', load: async () => (await exists()).exists },
  { names: ['image'], usage: 'Examine an image', load: async () => (await inspect()).image },
  { names: ['list-image-data', 'listimagedata'], usage: 'List data items that are attached to an image', load: async () => (await data()).listImageData },
  { names: ['get-image-data', 'getimagedata'], usage: 'Get data that is attached to an image', load: async () => (await data()).getImageData },
  { names: ['get-image-data-size', 'getimagedatasize'], usage: 'Get size of data that is attached to an image', load: async () => (await data()).getImageDataSize },
  { names: ['get-image-data-digest', 'getimagedatadigest'], usage: 'Get digest of data that is attached to an image', load: async () => (await data()).getImageDataDigest },
  { names: ['set-image-data', 'setimagedata'], usage: 'Set data that is attached to an image (with sometimes wrong digest)', load: async () => (await data()).setImageData },
  { names: ['images'], usage: 'List images', load: async () => (await list()).images },
  { names: ['images-by-digest'], usage: 'List images by digest', load: async () => (await list()).imagesByDigest },
  { names: ['layer'], usage: 'Examine a layer', load: async () => (await inspect()).layer },
  { names: ['layer-parent-owners'], usage: 'Compute the set of unmapped parent UIDs and GIDs of the layer', load: async () => (await inspect()).layerParentOwners },
  { names: ['list-layer-data', 'listlayerdata'], usage: 'List data items that are attached to a layer', load: async () => (await data()).listLayerData },
  { names: ['get-layer-data', 'getlayerdata'], usage: 'Get data that is attached to a layer', load: async () => (await data()).getLayerData },
  { names: ['set-layer-data', 'setlayerdata'], usage: 'Set data that is attached to a layer', load: async () => (await data()).setLayerData },
  { names: ['layers'], usage: 'List layers', load: async () => (await list()).layers },
  { names: ['storage-layers'], usage: 'List storage layers', load: async () => (await storageLayers()).storageLayers },
  { names: ['metadata'], usage: 'Retrieve layer, image, or container metadata', load: async () => (await metadata()).metadata },
  { names: ['set-metadata', 'setmetadata'], usage: 'Set layer, image, or container metadata', load: async () => (await metadata()).setMetadata },
  { names: ['mount'], usage: 'Mount a layer or container', load: async () => (await mount()).mount },
  { names: ['unmount', 'umount'], usage: 'Unmount an image, layer or container', load: async () => (await mount()).unmount },
  { names: ['mounted'], usage: 'Check if a file system is mounted', load: async () => (await mount()).mounted },
  { names: ['get-names', 'getnames'], usage: 'Get layer, image, or container name or names', load: async () => (await names()).getNames },
  { names: ['add-names', 'addnames'], usage: 'Add layer, image, or container name or names', load: async () => (await names()).addNames },
  { names: ['remove-names', 'removenames'], usage: 'Remove layer, image, or container name or names', load: async () => (await names()).removeNames },
  { names: ['set-names', 'setnames'], usage: 'Set layer, image, or container name or names', load: async () => (await names()).setNames },
  { names: ['shutdown'], usage: 'Shut down layer storage', load: async () => (await admin()).shutdown },
  { names: ['status'], usage: 'Check on graph driver status', load: async () => (await admin()).status },
  { names: ['version'], usage: 'Return containers-storage version information', load: async () => (await admin()).version },
  { names: ['wipe'], usage: 'Wipe all layers, images, and containers', load: async () => (await admin()).wipe },
];

export function findVerb(name: string): VerbEntry | undefined {
  return VERBS.find((entry) => entry.names.includes(name));
}
