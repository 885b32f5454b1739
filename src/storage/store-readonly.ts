// The additional image stores (storage.conf `additionalimagestores`, driver
// option `<driver>.imagestore`): other graph roots whose images and layers
// this store lists, looks up and builds on, without writing to them. Go's
// Store searches its own records first, then each additional store in order.

import type { NamedRecord } from './id-index.js';
import type { ImageStore } from './image-store.js';
import type { LayerStore } from './layer-store.js';
import type { RecordStore } from './record-store.js';
import type { StoreParts } from './store-parts.js';
import type { Image, Layer } from './types.js';

/** The layers of every additional store not shadowed by an earlier one, each under its read lock. */
export async function readOnlyLayers(parts: StoreParts, except: ReadonlySet<string> = new Set()): Promise<Layer[]> {
  return firstOfEachId(parts.roLayers(), except);
}

/** The first additional store's layer that `ref` (ID, name or ID prefix) names. */
export async function findReadOnlyLayer(parts: StoreParts, ref: string): Promise<{ layer: Layer; store: LayerStore } | undefined> {
  const found = await firstHolding<Layer, LayerStore>(parts.roLayers(), ref);
  return found && { layer: found.record, store: found.store };
}

/** The images of every additional store not shadowed by an earlier one. */
export async function readOnlyImages(parts: StoreParts, except: ReadonlySet<string> = new Set()): Promise<Image[]> {
  return firstOfEachId(parts.roImages, except);
}

/** The first additional store's image that `ref` names. */
export async function findReadOnlyImage(parts: StoreParts, ref: string): Promise<{ image: Image; store: ImageStore } | undefined> {
  const found = await firstHolding<Image, ImageStore>(parts.roImages, ref);
  return found && { image: found.record, store: found.store };
}

/** Every record of `stores`, in store order, skipping IDs in `except` or already taken from an earlier store. */
async function firstOfEachId<R extends NamedRecord>(stores: ReadonlyArray<RecordStore<R>>, except: ReadonlySet<string>): Promise<R[]> {
  const seen = new Set(except);
  const out: R[] = [];
  for (const store of stores) {
    await store.read(() => {
      for (const record of store.index.all()) {
        if (seen.has(record.id)) continue;
        seen.add(record.id);
        out.push(record);
      }
    });
  }
  return out;
}

async function firstHolding<R extends NamedRecord, S extends RecordStore<R> & { lookup(ref: string): R | undefined }>(
  stores: readonly S[], ref: string,
): Promise<{ record: R; store: S } | undefined> {
  for (const store of stores) {
    const record = await store.read(() => store.lookup(ref));
    if (record) return { record, store };
  }
  return undefined;
}

/** A layer of this store or, failing that, of an additional store. */
export async function findAnyLayer(parts: StoreParts, ref: string): Promise<Layer | undefined> {
  const layers = parts.layers();
  return (await layers.read(() => layers.lookup(ref))) ?? (await findReadOnlyLayer(parts, ref))?.layer;
}
