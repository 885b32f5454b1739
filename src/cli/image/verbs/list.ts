// `berth images`: podman's table (REPOSITORY TAG IMAGE ID CREATED SIZE, and
// DIGEST with --digests), `-q` IDs, `--format json`, `--filter`.

import type { ImageResult } from '../../../image/index.js';
import { isShortName, nameMatchingShortName } from '../../../util/index.js';
import { humanSize, shortId, splitRepoTag, table, timeAgo } from '../format.js';
import { withImageServer } from '../server.js';
import type { GlobalImageOptions } from '../store.js';

export interface ImagesFlags {
  format?: string;
  filter?: string[];
  digests?: boolean;
  quiet?: boolean;
  noTrunc?: boolean;
}

export async function images(globals: GlobalImageOptions, flags: ImagesFlags, name?: string): Promise<void> {
  await withImageServer(globals, async (server) => {
    let list = await server.listImages();
    const filters = [...(flags.filter ?? []), ...(name ? [`reference=${name}`] : [])];
    const containers = await server.getStore().containers();
    const used = new Set(containers.map((c) => c.imageId));
    for (const filter of filters) list = applyFilter(list, filter, used);
    list.sort((a, b) => Date.parse(b.created) - Date.parse(a.created));
    if (flags.quiet) {
      process.stdout.write([...new Set(list.map((i) => (flags.noTrunc ? `sha256:${i.id}` : shortId(i.id))))].map((id) => `${id}\n`).join(''));
      return;
    }
    if (flags.format === 'json') {
      process.stdout.write(`${JSON.stringify(list.map((i) => podmanJson(i, used.has(i.id) ? 1 : 0)), null, 4)}\n`);
      return;
    }
    if (flags.format) throw new Error(`--format ${flags.format}: only json is supported`);
    const header = ['REPOSITORY', 'TAG', ...(flags.digests ? ['DIGEST'] : []), 'IMAGE ID', 'CREATED', 'SIZE'];
    const rows: string[][] = [];
    for (const image of list) {
      const names = image.repoTags.length > 0 ? image.repoTags : ['<none>:<none>'];
      for (const name of names) {
        const [repository, tag] = name === '<none>:<none>' ? ['<none>', '<none>'] : splitRepoTag(name);
        rows.push([repository, tag, ...(flags.digests ? [image.digest ?? '<none>'] : []), flags.noTrunc ? `sha256:${image.id}` : shortId(image.id), timeAgo(image.created), humanSize(image.size ?? 0)]);
      }
    }
    process.stdout.write(table(header, rows));
  });
}

/** podman's filters: reference=, id=, dangling=, label=, before=, since=. */
function applyFilter(list: ImageResult[], filter: string, used: Set<string>): ImageResult[] {
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
