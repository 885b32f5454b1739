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
  let config: ImageConfig | undefined;
  if (image.bigDataNames.includes(configKey)) {
    try {
      config = parseConfig(await store.imageBigData(image.id, configKey, { signal: options.signal }));
    } catch {
      config = undefined; // an image whose config Berth cannot read is still listed
    }
  }
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

/** `repo:tag` / `repo@digest` → `repo`. */
export function repositoryOf(name: string): string {
  const at = name.indexOf('@');
  if (at >= 0) return name.slice(0, at);
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}
