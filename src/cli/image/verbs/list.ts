// `berth images`: podman's table (REPOSITORY TAG IMAGE ID CREATED SIZE, and
// DIGEST with --digests), `-q` IDs, `--format json`, `--filter`.

import type { ImageResult } from '../../../image/index.js';
import { isShortName, nameMatchingShortName } from '../../../util/index.js';
import { GoTime, isTemplateFormat, renderReport } from '../../template/index.js';
import { humanSize, shortId, splitRepoTag, timeAgo } from '../format.js';
import { withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export interface ImagesFlags {
  format?: string;
  filter?: string[];
  digests?: boolean;
  quiet?: boolean;
  noTrunc?: boolean;
  noheading?: boolean;
  /** podman's --sort keys: created (the default, newest first), id, repository, size, tag. */
  sort?: 'created' | 'id' | 'repository' | 'size' | 'tag';
}

export async function images(globals: GlobalImageOptions, flags: ImagesFlags, name?: string): Promise<void> {
  await withImageServer(globals, async (server) => {
    let list = await server.listImages();
    const filters = [...(flags.filter ?? []), ...(name ? [`reference=${name}`] : [])];
    const containers = await server.getStore().containers();
    const used = new Map<string, number>();
    for (const c of containers) used.set(c.imageId, (used.get(c.imageId) ?? 0) + 1);
    for (const filter of filters) list = applyFilter(list, filter, used);
    list.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    if (flags.quiet) {
      process.stdout.write([...new Set(list.map((i) => (flags.noTrunc ? `sha256:${i.id}` : shortId(i.id))))].map((id) => `${id}\n`).join(''));
      return;
    }
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(list.map((i) => podmanJson(i, used.get(i.id) ?? 0)), null, 4)}\n`);
      return;
    }
    // No format is podman's default listing, a table made by the same template code.
    const format = isTemplateFormat(flags.format) ? flags.format : 'table';
    const named = list.flatMap((image) => namedRows(image).map(([repository, tag]) => ({ image, repository, tag })));
    const rows = sortedRows(named, flags.sort).map(({ image, repository, tag }) => imageView(image, repository, tag, used.get(image.id) ?? 0, flags.noTrunc === true));
    process.stdout.write(renderReport(format, rows, { name: 'images', headers: IMAGE_HEADERS, defaultTable: flags.digests ? IMAGES_DIGESTS_TABLE_FORMAT : IMAGES_TABLE_FORMAT, noHeading: flags.noheading }));
  });
}

/** podman's images --sort: by repository, tag or ID in order, by size largest first; created (newest first) as listed. */
function sortedRows<T extends { image: ImageResult; repository: string; tag: string }>(rows: T[], key: ImagesFlags['sort']): T[] {
  if (key === undefined || key === 'created') return rows;
  const text = (row: T): string => (key === 'repository' ? row.repository : key === 'tag' ? row.tag : row.image.id);
  return [...rows].sort(key === 'size' ? (a, b) => (b.image.size ?? 0) - (a.image.size ?? 0) : (a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
}

/** An image's rows: one per name (repository and tag), or one of `<none>`s when it has none. */
function namedRows(image: ImageResult): Array<[string, string]> {
  if (image.repoTags.length === 0) return [['<none>', '<none>']];
  return image.repoTags.map((name) => splitRepoTag(name));
}

const IMAGES_TABLE_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';
const IMAGES_DIGESTS_TABLE_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.Created}}\t{{.Size}}';

/** A row of `images --format '{{…}}'`: the fields podman's images templates see, as podman prints them. */
function imageView(image: ImageResult, repository: string, tag: string, containers: number, noTrunc: boolean): Record<string, unknown> {
  const created = timeAgo(image.created);
  return {
    ID: noTrunc ? `sha256:${image.id}` : shortId(image.id),
    Repository: repository,
    Tag: tag,
    Digest: image.digest ?? '<none>',
    Created: created,
    CreatedSince: created,
    // podman's image summary keeps whole seconds.
    CreatedAt: new GoTime(new Date(Math.floor(Date.parse(image.created) / 1000) * 1000).toISOString().replace('.000Z', 'Z')),
    Size: humanSize(image.size ?? 0),
    VirtualSize: image.size ?? 0,
    SharedSize: 0,
    UniqueSize: image.size ?? 0,
    Containers: containers,
    Names: image.repoTags,
    Labels: new Map(Object.entries(image.labels)),
    Dangling: image.repoTags.length === 0 && containers === 0,
    History: image.namesHistory.join(', '),
  };
}

/** Column headers of the images template fields that are not the field's words in capitals. */
const IMAGE_HEADERS = { ID: 'IMAGE ID', CreatedSince: 'CREATED' };

/** podman's filters: reference=, id=, dangling=, label=, before=, since=. */
function applyFilter(list: ImageResult[], filter: string, used: ReadonlyMap<string, number>): ImageResult[] {
  const eq = filter.indexOf('=');
  if (eq < 0) throw new Error(`invalid filter ${JSON.stringify(filter)}: expected key=value`);
  const key = filter.slice(0, eq);
  const value = filter.slice(eq + 1);
  switch (key) {
    case 'reference': {
      const pattern = globToRegExp(value);
      // As podman: a short name also lists the images it finds under any registry (`busybox` → localhost/x/busybox).
      const short = isShortName(value);
      return list.filter((i) => i.repoTags.some((tag) => pattern.test(tag) || pattern.test(splitRepoTag(tag)[0]) || pattern.test(familiar(tag)) || pattern.test(splitRepoTag(familiar(tag))[0]))
        || (short && nameMatchingShortName(i.repoTags, value) !== undefined));
    }
    case 'id':
      return list.filter((i) => i.id.startsWith(value.replace(/^sha256:/, '')));
    case 'dangling':
      return list.filter((i) => (i.repoTags.length === 0 && !used.has(i.id)) === (value === 'true'));
    case 'label': {
      const [k, v] = value.split('=', 2) as [string, string | undefined];
      return list.filter((i) => k in i.labels && (v === undefined || i.labels[k] === v));
    }
    case 'before':
    case 'since': {
      const ref = list.find((i) => i.id.startsWith(value) || i.repoTags.includes(value) || i.repoTags.some((t) => familiar(t) === value));
      if (!ref) throw new Error(`filter ${key}: image ${value} not known`);
      const t = Date.parse(ref.created);
      return list.filter((i) => (key === 'before' ? Date.parse(i.created) < t : Date.parse(i.created) > t));
    }
    default:
      throw new Error(`invalid filter ${JSON.stringify(key)}`);
  }
}

function familiar(name: string): string {
  return name.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** The fields of `podman images --format json`. */
function podmanJson(image: ImageResult, containers: number): Record<string, unknown> {
  return {
    Id: image.id,
    ParentId: '',
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Size: image.size ?? 0,
    SharedSize: 0,
    VirtualSize: image.size ?? 0,
    Labels: Object.keys(image.labels).length > 0 ? image.labels : null,
    Containers: containers,
    Names: image.repoTags,
    Digest: image.digest ?? '',
    History: image.namesHistory,
    Created: Math.floor(Date.parse(image.created) / 1000),
    CreatedAt: image.created,
  };
}
