// What the store knows that saves a push work: each pulled layer's
// compressed blob (digest and size as the registry had it) and the
// repositories its images are named after, where that blob may already be.
// containers/image keeps the same facts in its blob-info cache.

import type { BlobInfo, DockerTransportOptions } from '../../image/index.js';
import { OCI_LAYER_GZIP, OCI_LAYER_ZSTD, parseNormalizedReference } from '../../image/index.js';
import type { Store } from '../../storage/index.js';
import { Compression } from '../../archive/index.js';

export type PushHints = Pick<DockerTransportOptions, 'compressedVariants' | 'mountCandidates'>;

export async function pushHintsFrom(store: Store, signal?: AbortSignal): Promise<PushHints> {
  const layers = new Map((await store.layers({ signal })).map((layer) => [layer.id, layer]));
  const variants = new Map<string, BlobInfo[]>();
  for (const layer of layers.values()) {
    const mediaType = layer.compressionType === Compression.Gzip ? OCI_LAYER_GZIP : layer.compressionType === Compression.Zstd ? OCI_LAYER_ZSTD : undefined;
    if (!layer.uncompressedDigest || !layer.compressedDigest || !mediaType || layer.compressedDigest === layer.uncompressedDigest) continue;
    const known = variants.get(layer.uncompressedDigest) ?? [];
    if (!known.some((v) => v.digest === layer.compressedDigest)) known.push({ digest: layer.compressedDigest, size: layer.compressedSize ?? -1, mediaType });
    variants.set(layer.uncompressedDigest, known);
  }
  // blob digest → `host/repository` of every image whose chain has it.
  const locations = new Map<string, Set<string>>();
  for (const image of await store.images({ signal })) {
    const repositories = image.names.flatMap((name) => {
      try {
        const ref = parseNormalizedReference(name);
        return [`${ref.domain}/${ref.path}`];
      } catch {
        return [];
      }
    });
    for (let layer = image.topLayer ? layers.get(image.topLayer) : undefined; layer; layer = layer.parent ? layers.get(layer.parent) : undefined) {
      if (!layer.compressedDigest) continue;
      const set = locations.get(layer.compressedDigest) ?? new Set<string>();
      for (const repository of repositories) set.add(repository);
      locations.set(layer.compressedDigest, set);
    }
  }
  return {
    compressedVariants: (digest) => variants.get(digest) ?? [],
    mountCandidates: (digest, host) => [...(locations.get(digest) ?? [])]
      .filter((location) => host === undefined || location.startsWith(`${host}/`))
      .map((location) => (host === undefined ? location : location.slice(host.length + 1))),
  };
}
