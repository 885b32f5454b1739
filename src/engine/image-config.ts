// An image's run config as containers/image stores it: the config blob is
// image big data under its digest (`sha256:<image ID>` for pulled images);
// the manifest names it otherwise.

import type { Image, Store } from '../storage/index.js';
import type { ImageRunConfig } from '../oci/index.js';
import { EngineError } from './errors.js';

export async function imageRunConfig(store: Store, image: Image): Promise<ImageRunConfig> {
  const key = await configKey(store, image);
  let parsed: { config?: ImageRunConfig };
  try {
    parsed = JSON.parse((await store.imageBigData(image.id, key)).toString()) as { config?: ImageRunConfig };
  } catch (err) {
    throw new EngineError('image-config', `image ${image.id}: its config ${key} cannot be read: ${(err as Error).message}`, { image: image.id }, { cause: err });
  }
  return parsed.config ?? {};
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
