// `berth inspect`, `history`, `image tree`: what the store and the image's
// config say about an image, as podman prints it.

import { documentTemplateData, GoTime, isTemplateFormat, renderReport } from '../../template/index.js';
import { humanSize, shortId, timeAgo } from '../format.js';
import type { ImageServer } from '../../../image/index.js';
import { withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export async function inspect(globals: GlobalImageOptions, images: string[], flags: { format?: string } = {}): Promise<void> {
  await withImageServer(globals, async (server) => {
    const out = [];
    for (const image of images) out.push(await imageInspectDocument(server, image));
    if (isTemplateFormat(flags.format)) process.stdout.write(renderReport(flags.format, out.map((doc) => documentTemplateData(doc)), { name: 'inspect' }));
    else process.stdout.write(`${JSON.stringify(out, null, 4)}\n`);
  });
}

/** One image as podman's `image inspect` prints it (libimage's ImageData; also what top-level `inspect` prints for an image). */
export async function imageInspectDocument(server: ImageServer, image: string): Promise<Record<string, unknown>> {
  const i = await server.inspectImage(image);
  return {
    Id: i.id,
    Digest: i.digest ?? '',
    RepoTags: i.repoTags,
    RepoDigests: i.repoDigests,
    Parent: i.parent,
    Comment: i.comment,
    Created: i.ociConfig?.created ?? i.created,
    Config: ociImageConfig(i.ociConfig?.config),
    Version: '',
    Author: i.ociConfig?.author ?? '',
    Architecture: i.architecture ?? '',
    ...(i.ociConfig?.variant ? { Variant: i.ociConfig.variant } : {}),
    Os: i.os ?? '',
    Size: i.size ?? 0,
    VirtualSize: i.size ?? 0,
    GraphDriver: i.graphDriver,
    RootFS: { Type: 'layers', Layers: i.layers },
    Labels: Object.keys(i.labels).length > 0 ? i.labels : null,
    Annotations: i.annotations,
    ManifestType: i.manifestType,
    User: i.user,
    History: i.history,
    NamesHistory: i.namesHistory,
    ...(i.healthcheck ? { Healthcheck: i.healthcheck } : {}),
  };
}

/**
 * The fields of the OCI image-spec's ImageConfig, in its order, as Go reads a
 * config (also a Docker one) into that struct and prints it: the others
 * (Hostname, Healthcheck, …) dropped, empty values omitted.
 */
const OCI_CONFIG_FIELDS = ['User', 'ExposedPorts', 'Env', 'Entrypoint', 'Cmd', 'Volumes', 'WorkingDir', 'Labels', 'StopSignal'] as const;

function ociImageConfig(config: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of OCI_CONFIG_FIELDS) {
    const value = config?.[field];
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'object' && Object.keys(value).length === 0) continue;
    out[field] = value;
  }
  return out;
}

export async function history(globals: GlobalImageOptions, image: string, flags: { format?: string; quiet?: boolean; noTrunc?: boolean; human?: boolean }): Promise<void> {
  await withImageServer(globals, async (server) => {
    const items = await server.imageHistory(image);
    if (flags.quiet) {
      process.stdout.write(items.map((i) => `${flags.noTrunc || i.id === '<missing>' ? i.id : shortId(i.id)}\n`).join(''));
      return;
    }
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(items.map((i) => ({ id: i.id, created: i.created, createdBy: i.createdBy, size: i.size, comment: i.comment })), null, 4)}\n`);
      return;
    }
    // No format is podman's default listing, a table made by the same template code.
    const rows = items.map((i) => ({
      ID: flags.noTrunc || i.id === '<missing>' ? i.id : shortId(i.id),
      // --human=false: the time itself, as podman prints it (RFC 3339, to the second).
      Created: !i.created ? '' : flags.human === false ? new Date(i.created).toISOString().replace(/\.\d+Z$/, 'Z') : timeAgo(i.created),
      CreatedAt: i.created ? new GoTime(i.created) : '',
      CreatedBy: flags.noTrunc ? i.createdBy : truncate(i.createdBy, 45),
      Size: humanSize(i.size),
      Comment: i.comment,
    }));
    process.stdout.write(renderReport(isTemplateFormat(flags.format) ? flags.format : 'table', rows, { name: 'history', defaultTable: HISTORY_TABLE_FORMAT }));
  });
}

const HISTORY_TABLE_FORMAT = 'table {{.ID}}\t{{.Created}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';

/** podman's tree: the image, then its layers top-down with sizes and the tags on them. */
export async function tree(globals: GlobalImageOptions, image: string): Promise<void> {
  await withImageServer(globals, async (server) => {
    const { image: result, layers } = await server.imageTree(image);
    const lines = [`Image ID: ${shortId(result.id)}`, `Tags:     [${result.repoTags.join(' ')}]`, `Size:     ${humanSize(layers.reduce((n, l) => n + l.size, 0))}`, `Image Layers`];
    layers.forEach((layer, i) => {
      const last = i === layers.length - 1;
      const tags = layer.tags.length > 0 ? ` Top Layer of: [${layer.tags.join(' ')}]` : '';
      lines.push(`${last ? '└──' : '├──'} ID: ${shortId(layer.id)} Size: ${humanSize(layer.size).padStart(8)}${tags}`);
    });
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}

function truncate(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}
