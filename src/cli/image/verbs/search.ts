// `berth search`: repositories of a registry whose name contains the term,
// from the distribution API's `_catalog` (what containers/image asks a v2
// registry), and `--list-tags` for one repository; podman's output.

import { ImageError, isImageError, parseNormalizedReference, type RegistryClient, type RegistryContext } from '../../../image/index.js';
import { loadCliRegistryContext, registryClientFor, type RegistryCliFlags } from '../registry.js';

export interface SearchFlags extends Pick<RegistryCliFlags, 'tlsVerify' | 'authfile' | 'certDir' | 'creds'> {
  limit?: string;
  listTags?: boolean;
  format?: string;
  noTrunc?: boolean;
}

interface SearchRow {
  Index: string;
  Name: string;
  Description: string;
  Stars: number;
  Official: string;
  Automated: string;
  Tag: string;
}

/** podman's default per registry. */
const DEFAULT_LIMIT = 25;

export async function search(term: string, flags: SearchFlags): Promise<void> {
  const limit = flags.limit === undefined ? DEFAULT_LIMIT : Number(flags.limit);
  if (!Number.isInteger(limit) || limit <= 0) throw new ImageError('invalid-option', `--limit ${flags.limit}: want a positive count`, { limit: flags.limit });
  if (flags.format !== undefined && flags.format !== 'json' && flags.format !== 'table') {
    throw new ImageError('invalid-option', `--format ${flags.format}: want json or table`, { format: flags.format });
  }
  const context = await loadCliRegistryContext(flags);
  const rows = flags.listTags ? await tagRows(context, term, limit, flags) : await repositoryRows(context, term, limit, flags);
  if (flags.format === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 4)}\n`);
    return;
  }
  const table = flags.listTags
    ? [['NAME', 'TAG'], ...rows.map((r) => [r.Name, r.Tag])]
    : [['NAME', 'DESCRIPTION'], ...rows.map((r) => [r.Name, flags.noTrunc ? r.Description : r.Description.slice(0, 44)])];
  const width = Math.max(...table.map((row) => row[0]!.length)) + 2;
  for (const [name, rest] of table) process.stdout.write(`${name!.padEnd(width)}${rest}`.trimEnd() + '\n');
}

/** `host/term` searches that registry; a bare term every unqualified-search registry, as podman does. */
async function repositoryRows(context: RegistryContext, term: string, limit: number, flags: SearchFlags): Promise<SearchRow[]> {
  const slash = term.indexOf('/');
  const head = slash > 0 ? term.slice(0, slash) : '';
  const qualified = head.includes('.') || head.includes(':') || head === 'localhost';
  const hosts = qualified ? [head] : context.registries.unqualifiedSearchRegistries;
  if (hosts.length === 0) throw new ImageError('invalid-option', `"${term}" names no registry, and registries.conf has no unqualified-search-registries`, { term });
  const needle = qualified ? term.slice(slash + 1) : term;
  const rows: SearchRow[] = [];
  for (const host of hosts) {
    const repositories = await withClient(context, host, flags, (client) => client.catalog());
    for (const repository of repositories.filter((r) => r.includes(needle)).slice(0, limit)) {
      rows.push({ Index: host, Name: `${host}/${repository}`, Description: '', Stars: 0, Official: '', Automated: '', Tag: '' });
    }
  }
  return rows;
}

async function tagRows(context: RegistryContext, term: string, limit: number, flags: SearchFlags): Promise<SearchRow[]> {
  const reference = parseNormalizedReference(term);
  if (reference.tag !== undefined || reference.digest !== undefined) {
    throw new ImageError('invalid-reference', `--list-tags takes a repository without a tag or digest: ${term}`, { term });
  }
  const tags = await withClient(context, reference.domain, flags, (client) => client.listTags(reference.path));
  const name = `${reference.domain}/${reference.path}`;
  return tags.slice(0, limit).map((tag) => ({ Index: reference.domain, Name: name, Description: '', Stars: 0, Official: '', Automated: '', Tag: tag }));
}

async function withClient<T>(context: RegistryContext, host: string, flags: SearchFlags, use: (client: RegistryClient) => Promise<T>): Promise<T> {
  const client = await registryClientFor(context, host, flags.tlsVerify, await context.transportOptions.credentials?.(host));
  try {
    return await use(client);
  } catch (err) {
    if (isImageError(err)) throw new ImageError(err.code, `searching ${host}: ${err.message}`, { registry: host }, { cause: err });
    throw err;
  } finally {
    client.close();
  }
}
