// ImageResult (seed 001) from a store's image record and its config: names
// split into tags and digests as CRI-O reports them.

import type { Image, Store } from '../../storage/index.js';
import { parseConfig, type ImageConfig } from '../manifest/index.js';

export interface ImageResult {
  id: string;
  /** The first name, when the image has one. */
  name?: string;
  repoTags: string[];
  repoDigests: string[];
  /** Bytes of the layers and big data; undefined when not known. */
  size?: number;
  /** Digest of the image's manifest (the one it was pulled by). */
  digest?: string;
  configDigest: string;
  user: string;
  /** The newest name the image had before, when it has none now. */
  previousName?: string;
  labels: Record<string, string>;
  ociConfig?: ImageConfig;
  created: string;
  namesHistory: string[];
}

export async function imageResultOf(store: Store, image: Image, options: { withSize?: boolean; signal?: AbortSignal } = {}): Promise<ImageResult> {
  const configKey = `sha256:${image.id}`;
  const config = await storedConfig(store, image, options.signal);
  const repoTags = image.names.filter((n) => !n.includes('@'));
  const repositories = [...new Set(image.names.map(repositoryOf))];
  const repoDigests: string[] = [];
  for (const repository of repositories) for (const digest of image.digests) repoDigests.push(`${repository}@${digest}`);
  // libimage sorts them (podman image inspect's RepoDigests).
  repoDigests.sort();
  return {
    id: image.id,
    name: image.names[0],
    repoTags,
    repoDigests,
    size: options.withSize ? await store.imageSize(image.id, { signal: options.signal }).catch(() => undefined) : undefined,
    digest: image.digest,
    configDigest: configKey,
    user: config?.config?.User ?? '',
    previousName: image.names.length === 0 ? image.namesHistory?.[0] : undefined,
    labels: config?.config?.Labels ?? {},
    ociConfig: config,
    created: image.created,
    namesHistory: image.namesHistory ?? [],
  };
}

/** The image's config from its big data; undefined when it has none or Berth cannot read it (the image is still listed). */
export async function storedConfig(store: Store, image: Image, signal?: AbortSignal): Promise<ImageConfig | undefined> {
  const key = `sha256:${image.id}`;
  if (!image.bigDataNames.includes(key)) return undefined;
  try {
    return parseConfig(await store.imageBigData(image.id, key, { signal }));
  } catch {
    return undefined;
  }
}

/** `repo:tag` / `repo@digest` → `repo`. */
export function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}
