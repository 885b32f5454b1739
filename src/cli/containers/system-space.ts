// `berth system df` and `berth system prune`, as podman's: what images,
// containers and volumes take on disk and how much of it is unused, and the
// removal of what is unused. Loaded only by these verbs.

import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { volumeNamesOf, type ContainerEngine } from '../../engine/index.js';
import { ContainerStatus, type Container } from '../../oci/index.js';
import { unitsHumanSize } from '../image/format.js';
import { isTemplateFormat, renderReport } from '../template/index.js';
import { confirmed } from './confirm.js';

interface SpaceRow {
  Type: string;
  Total: number;
  Active: number;
  RawSize: number;
  RawReclaimable: number;
}

/** `system df`: podman's summary table, JSON, or a template over the rows (`{{.Type}} {{.Size}}`). */
export async function diskUsageText(engine: ContainerEngine, format: string | undefined): Promise<string> {
  const rows = await diskUsage(engine);
  const views = rows.map((row) => ({ ...row, Size: unitsHumanSize(row.RawSize), Reclaimable: reclaimable(row) }));
  if (format === 'json') return `${JSON.stringify(views, null, 4)}\n`;
  return renderReport(isTemplateFormat(format) ? format : DF_TABLE, views, { name: 'df', defaultTable: DF_TABLE });
}

const DF_TABLE = 'table {{.Type}}\t{{.Total}}\t{{.Active}}\t{{.Size}}\t{{.Reclaimable}}';

/** podman's RECLAIMABLE: the unused part's size and its share of the whole, rounded. */
function reclaimable(row: SpaceRow): string {
  const percent = row.RawSize > 0 ? Math.round((row.RawReclaimable / row.RawSize) * 100) : 0;
  return `${unitsHumanSize(row.RawReclaimable)} (${percent}%)`;
}

async function diskUsage(engine: ContainerEngine): Promise<SpaceRow[]> {
  const { store } = engine;
  const containers = await engine.list();
  // Any container of the store keeps its image in use, Berth's or another tool's.
  const usedImages = new Set((await store.containers()).map((c) => c.imageId));
  const images = { Type: 'Images', Total: 0, Active: 0, RawSize: 0, RawReclaimable: 0 };
  for (const image of await store.images()) {
    const size = await store.imageSize(image.id);
    images.Total++;
    images.RawSize += size;
    if (usedImages.has(image.id)) images.Active++;
    else images.RawReclaimable += size;
  }
  const ctrs = { Type: 'Containers', Total: 0, Active: 0, RawSize: 0, RawReclaimable: 0 };
  for (const container of containers) {
    const size = await containerLayerSize(engine, container.id);
    ctrs.Total++;
    ctrs.RawSize += size;
    if (isRunning(container)) ctrs.Active++;
    else ctrs.RawReclaimable += size;
  }
  const usedVolumes = new Set(containers.flatMap(volumeNamesOf));
  const volumes = { Type: 'Local Volumes', Total: 0, Active: 0, RawSize: 0, RawReclaimable: 0 };
  for (const volume of (await engine.volumes()).list()) {
    const size = treeSize(volume.mountpoint);
    volumes.Total++;
    volumes.RawSize += size;
    if (usedVolumes.has(volume.name)) volumes.Active++;
    else volumes.RawReclaimable += size;
  }
  return [images, ctrs, volumes];
}

/** Running or paused: what prune leaves and df counts as active. */
function isRunning(container: Container): boolean {
  return container.state.status === ContainerStatus.Running || container.state.status === ContainerStatus.Paused;
}

async function containerLayerSize(engine: ContainerEngine, id: string): Promise<number> {
  const { layerId } = await engine.store.container(id);
  return engine.store.diffSize(layerId);
}

/** The bytes of the files under `dir` (directories themselves not counted), as podman sizes a volume. */
function treeSize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? treeSize(path) : lstatSync(path).size;
  }
  return total;
}

export interface SystemPruneOptions {
  /** Every image no container uses, not only those without names. */
  all?: boolean;
  /** Also the volumes no container uses. */
  volumes?: boolean;
  force?: boolean;
}

/**
 * `system prune`: after podman's warning (unless `force`), the exited
 * containers, then (with `volumes`) the volumes no container uses, then the
 * unused images: dangling ones, or with `all` every one no container uses.
 */
export async function systemPrune(engine: ContainerEngine, options: SystemPruneOptions): Promise<void> {
  if (!options.force) {
    const warning = [
      'WARNING! This command removes:',
      '\t- all stopped containers',
      ...(options.volumes ? ['\t- all volumes not used by at least one container'] : []),
      options.all ? '\t- all images without at least one container associated with them' : '\t- all dangling images',
      '', 'Are you sure you want to continue? [y/N] ',
    ].join('\n');
    if (!confirmed(warning)) return;
  }
  // Sized before they go: only those prune may remove (running ones stay, and their layers are not walked).
  const containerSizes = new Map<string, number>();
  for (const container of await engine.list()) {
    if (!isRunning(container)) containerSizes.set(container.id, await containerLayerSize(engine, container.id));
  }
  const removedContainers = await engine.prune();
  let reclaimed = removedContainers.reduce((sum, id) => sum + (containerSizes.get(id) ?? 0), 0);
  const removedVolumes: string[] = [];
  if (options.volumes) {
    const verbs = await engine.volumes();
    const sizes = new Map(verbs.list().map((v) => [v.name, treeSize(v.mountpoint)]));
    for (const name of await verbs.prune()) {
      removedVolumes.push(name);
      reclaimed += sizes.get(name) ?? 0;
    }
  }
  const { ImageServer } = await import('../../image/index.js');
  const sizes = new Map<string, number>();
  for (const image of await engine.store.images()) sizes.set(image.id, await engine.store.imageSize(image.id));
  const removedImages = await new ImageServer(engine.store, { events: engine.events }).pruneImages({ all: options.all });
  for (const id of removedImages) reclaimed += sizes.get(id) ?? 0;
  const section = (title: string, ids: string[]): string => (ids.length ? `${title}\n${ids.map((id) => `${id}\n`).join('')}` : '');
  process.stdout.write(`${section('Deleted Containers', removedContainers)}${section('Deleted Volumes', removedVolumes)}${section('Deleted Images', removedImages)}Total reclaimed space: ${unitsHumanSize(reclaimed)}\n`);
}
