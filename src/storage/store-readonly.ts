// The additional image stores (storage.conf `additionalimagestores`, driver
// option `<driver>.imagestore`): other graph roots whose images and layers
// this store lists, looks up and builds on, without writing to them. Go's
// Store searches its own records first, then each additional store in order.

import type { ImageStore } from './image-store.js';
import type { LayerStore } from './layer-store.js';
import type { StoreParts } from './store-parts.js';
import type { Image, Layer } from './types.js';

/** The layers of every additional store not shadowed by an earlier one, each under its read lock. */
export async function readOnlyLayers(parts: StoreParts, except: ReadonlySet<string> = new Set()): Promise<Layer[]> {
  const seen = new Set(except);
  const out: Layer[] = [];
  for (const store of parts.roLayers()) {
    await store.read(() => {
      for (const layer of store.index.all()) {
        if (seen.has(layer.id)) continue;
        seen.add(layer.id);
        out.push(layer);
      }
    });
  }
  return out;
}

/** The first additional store's layer that `ref` (ID, name or ID prefix) names. */
export async function findReadOnlyLayer(parts: StoreParts, ref: string): Promise<{ layer: Layer; store: LayerStore } | undefined> {
  for (const store of parts.roLayers()) {
    const layer = await store.read(() => store.lookup(ref));
    if (layer) return { layer, store };
  }
  return undefined;
}

/** The images of every additional store not shadowed by an earlier one. */
export async function readOnlyImages(parts: StoreParts, except: ReadonlySet<string> = new Set()): Promise<Image[]> {
  const seen = new Set(except);
  const out: Image[] = [];
  for (const store of parts.roImages) {
    await store.read(() => {
      for (const image of store.index.all()) {
        if (seen.has(image.id)) continue;
        seen.add(image.id);
        out.push(image);
      }
    });
  }
  return out;
}

/** The first additional store's image that `ref` names. */
export async function findReadOnlyImage(parts: StoreParts, ref: string): Promise<{ image: Image; store: ImageStore } | undefined> {
  for (const store of parts.roImages) {
    const image = await store.read(() => store.lookup(ref));
    if (image) return { image, store };
  }
  return undefined;
}

/** A layer of this store or, failing that, of an additional store. */
export async function findAnyLayer(parts: StoreParts, ref: string): Promise<Layer | undefined> {
  const layers = parts.layers();
  return (await layers.read(() => layers.lookup(ref))) ?? (await findReadOnlyLayer(parts, ref))?.layer;
}
