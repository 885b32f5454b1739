// What podman's `image inspect` shows beyond the image's record and config
// (containers/common libimage Inspect, podman 4.3): the parent image, the
// manifest's type and annotations, the comment and health check that a Docker
// config carries, and the graph driver's directories of the top layer.

import { graphDriverData, type GraphDriverData, type Image, type Store } from '../../storage/index.js';
import { DOCKER_MANIFEST, manifestMediaType, OCI_MANIFEST, type HistoryEntry, type ImageConfig } from '../manifest/index.js';
import { storedConfig } from './image-result.js';

export interface ImageInspectDetails {
  /** ID of the image this one was built on (libimage's layer tree), '' when none is stored. */
  parent: string;
  comment: string;
  /** The media type of the image's manifest; '' when it has none. */
  manifestType: string;
  /** The OCI manifest's annotations; {} for other images, as podman prints them. */
  annotations: Record<string, string>;
  /** A Docker config's Healthcheck (its container_config's first); OCI configs have none. */
  healthcheck?: Record<string, unknown>;
  graphDriver: GraphDriverData;
}

export async function imageInspectDetails(store: Store, image: Image, config: ImageConfig | undefined, signal?: AbortSignal): Promise<ImageInspectDetails> {
  const manifest = await storedManifest(store, image, signal);
  const raw = (config ?? {}) as RawConfig;
  const details: ImageInspectDetails = {
    parent: (await parentImage(store, image, config, signal))?.id ?? '',
    comment: '',
    manifestType: manifest?.mediaType ?? '',
    annotations: {},
    graphDriver: image.topLayer ? await graphDriverData(store, image.topLayer, { signal }) : { Name: store.graphDriverName, Data: null },
  };
  if (manifest?.mediaType === OCI_MANIFEST) {
    details.annotations = (manifest.body.annotations as Record<string, string> | undefined) ?? {};
    details.comment = config?.history?.[0]?.comment ?? '';
  } else if (manifest?.mediaType === DOCKER_MANIFEST) {
    details.comment = raw.comment ?? '';
    const healthcheck = raw.container_config?.Healthcheck ?? raw.config?.Healthcheck;
    if (healthcheck) details.healthcheck = healthcheck;
  }
  return details;
}

interface RawConfig {
  comment?: string;
  config?: { Healthcheck?: Record<string, unknown> | null };
  container_config?: { Healthcheck?: Record<string, unknown> | null };
}

/**
 * The image's `manifest` item: what Go's storage source reads for a reference by ID
 * (the newest manifest stored, which need not be the one of the image's digest).
 */
async function storedManifest(store: Store, image: Image, signal?: AbortSignal): Promise<{ mediaType: string; body: Record<string, unknown> } | undefined> {
  if (!image.bigDataNames.includes('manifest')) return undefined;
  try {
    const bytes = await store.imageBigData(image.id, 'manifest', { signal });
    return { mediaType: manifestMediaType(bytes), body: JSON.parse(bytes.toString('utf8')) as Record<string, unknown> };
  } catch {
    return undefined; // a manifest Berth cannot read leaves the fields empty, as inspect still shows the image
  }
}

/**
 * libimage's layer-tree parent: among the images whose top layer is this
 * image's top layer or that layer's parent (in store order), the first whose
 * diff IDs start this image's and whose history is this image's but its last entry.
 */
async function parentImage(store: Store, child: Image, childConfig: ImageConfig | undefined, signal?: AbortSignal): Promise<Image | undefined> {
  if (!childConfig) return undefined;
  const layers = child.topLayer ? [child.topLayer, (await store.layer(child.topLayer, { signal })).parent] : [undefined];
  const images = await store.images({ signal });
  const candidates = layers.flatMap((layer) => images.filter((image) => image.id !== child.id && image.topLayer === layer));
  for (const candidate of candidates) {
    const config = await storedConfig(store, candidate, signal);
    if (config && areParentAndChild(config, childConfig)) return candidate;
  }
  return undefined;
}

function areParentAndChild(parent: ImageConfig, child: ImageConfig): boolean {
  const [parentDiffs, childDiffs] = [parent.rootfs.diff_ids, child.rootfs.diff_ids];
  if (parentDiffs.length > childDiffs.length || parentDiffs.some((diff, i) => diff !== childDiffs[i])) return false;
  const [parentHistory, childHistory] = [parent.history ?? [], child.history ?? []];
  return parentHistory.length + 1 === childHistory.length && parentHistory.every((entry, i) => sameHistoryEntry(entry, childHistory[i]!));
}

function sameHistoryEntry(a: HistoryEntry, b: HistoryEntry): boolean {
  if ((a.created === undefined) !== (b.created === undefined)) return false;
  if (a.created !== undefined && b.created !== undefined && a.created !== b.created && Date.parse(a.created) !== Date.parse(b.created)) return false;
  return (a.created_by ?? '') === (b.created_by ?? '') && (a.author ?? '') === (b.author ?? '') && (a.comment ?? '') === (b.comment ?? '') && (a.empty_layer ?? false) === (b.empty_layer ?? false);
}
