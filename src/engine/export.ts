// `export`: a container's root filesystem as one tar, as podman export
// writes it: every entry of the mounted root, owners as the container sees
// them (its ID maps reversed), volumes and /proc not included.

import { pipeline } from 'node:stream/promises';
import { exportDirectory } from '../archive/index.js';
import { IdMappings } from '../idmap/index.js';
import type { IDMap } from '../storage/index.js';

export async function exportRoot(root: string, maps: { uidMap?: IDMap[]; gidMap?: IDMap[] }, output: NodeJS.WritableStream, end: boolean): Promise<void> {
  const mappings = maps.uidMap?.length || maps.gidMap?.length ? new IdMappings(maps.uidMap, maps.gidMap) : undefined;
  await pipeline(exportDirectory(root, mappings), output, { end });
}
