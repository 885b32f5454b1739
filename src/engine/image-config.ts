// An image's run config as containers/image stores it: the config blob is
// image big data under its digest (`sha256:<image ID>` for pulled images);
// the manifest names it otherwise.

import type { Image, Store } from '../storage/index.js';
import type { ImageConfig } from '../image/index.js';
import type { ImageRunConfig } from '../oci/index.js';
import { EngineError } from './errors.js';

export async function imageRunConfig(store: Store, image: Image): Promise<ImageRunConfig> {
  return ((await imageConfigDocument(store, image)).config ?? {}) as ImageRunConfig;
}

/** The image's whole config blob (run config, rootfs diff IDs, history), parsed. */
export async function imageConfigDocument(store: Store, image: Image): Promise<ImageConfig> {
  const key = await configKey(store, image);
  try {
    return JSON.parse((await store.imageBigData(image.id, key)).toString()) as ImageConfig;
  } catch (err) {
    throw new EngineError('image-config', `image ${image.id}: its config ${key} cannot be read: ${(err as Error).message}`, { image: image.id }, { cause: err });
  }
}

async function configKey(store: Store, image: Image): Promise<string> {
  const byId = `sha256:${image.id}`;
  if (image.bigDataNames.includes(byId)) return byId;
  if (image.bigDataNames.includes('manifest')) {
    const manifest = JSON.parse((await store.imageBigData(image.id, 'manifest')).toString()) as { config?: { digest?: string } };
    const digest = manifest.config?.digest;
    if (digest && image.bigDataNames.includes(digest)) return digest;
  }
  throw new EngineError('image-config', `image ${image.id} has no config blob (big data ${byId} or one its manifest names)`, { image: image.id });
}
