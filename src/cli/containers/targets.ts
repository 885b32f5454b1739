// Which containers a verb acts on, as podman's verbs choose them: the names
// and IDs given, or --all (every container the verb applies to), --latest
// (the one made last), --cidfile (the IDs `run --cidfile` wrote).

import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EngineError, type ContainerEngine } from '../../engine/index.js';
import type { Container } from '../../oci/index.js';
import { matchesFilters } from './container-filters.js';
import { collect, parseFilters } from './options.js';

export interface TargetFlags {
  all?: boolean;
  latest?: boolean;
  cidfile?: string[];
  filter?: string[];
}

/** Adds podman's -a/--all (described as `all`), -l/--latest, --cidfile and --filter to a verb. */
export function targetOptions(command: Command, all: string): Command {
  return command
    .option('-a, --all', all)
    .option('-l, --latest', 'the container made last')
    .option('--cidfile <file>', 'read the container ID from a file (as run --cidfile wrote it)', collect)
    .option('--filter <filter>', FILTER_DESCRIPTION, collect);
}

/** What --filter chooses, for the verbs that declare their options themselves. */
export const FILTER_DESCRIPTION = 'every container that passes (as ps filters: name=, label=, status=, id=, ancestor=, until=, …)';

/**
 * The names or IDs to act on, in order: `refs` as given, the IDs of the
 * --cidfile files, or with --all the containers `applies` takes (by age),
 * with --latest the newest, with --filter every container (by age) that
 * passes the filters, as podman's. Exactly one of the five ways is allowed.
 */
export async function targetsOf(engine: ContainerEngine, refs: readonly string[], flags: TargetFlags, applies: (container: Container) => boolean = () => true): Promise<string[]> {
  const filtered = (flags.filter?.length ?? 0) > 0;
  if (filtered && refs.length) throw new EngineError('invalid-option', '--filter takes no arguments', {});
  const ways = [refs.length > 0, flags.all === true, flags.latest === true, (flags.cidfile?.length ?? 0) > 0, filtered].filter(Boolean).length;
  if (ways === 0) throw new EngineError('invalid-option', 'you must provide at least one container name or ID', {});
  if (ways > 1) throw new EngineError('invalid-option', '--all, --latest, --cidfile, --filter and container names cannot be used together', {});
  if (refs.length) return [...refs];
  if (flags.cidfile?.length) return flags.cidfile.map(idFromFile);
  const containers = await byAge(engine);
  if (flags.latest) return [latestOf(containers)];
  if (filtered) {
    const filters = parseFilters(flags.filter!);
    return containers.filter((c) => matchesFilters(engine.info(c), filters)).map((c) => c.id);
  }
  return containers.filter(applies).map((c) => c.id);
}

/** Adds podman's -l/--latest to a verb whose operands name containers. */
export function latestOption(command: Command): Command {
  return command.option('-l, --latest', 'the container made last, instead of a name');
}

/**
 * The operands of a verb with latestOption: without --latest, `first` (the
 * container) and the rest as given; with it, the newest container's ID and
 * every operand after it (`exec -l ls`: `ls` is the command).
 */
export async function withLatest(engine: ContainerEngine, first: string | undefined, rest: readonly string[], latest: boolean | undefined): Promise<[string, string[]]> {
  if (!latest) {
    if (first === undefined) throw new EngineError('invalid-option', 'you must provide a container name or ID, or --latest', {});
    return [first, [...rest]];
  }
  return [latestOf(await byAge(engine)), first === undefined ? [...rest] : [first, ...rest]];
}

/** The containers named, or with --latest the newest alone (not both). */
export async function namedOrLatest(engine: ContainerEngine, refs: readonly string[], latest: boolean | undefined): Promise<string[]> {
  if (latest && refs.length) throw new EngineError('invalid-option', '--latest and containers cannot be used together', {});
  if (latest) return [latestOf(await byAge(engine))];
  if (!refs.length) throw new EngineError('invalid-option', 'you must provide at least one container name or ID, or --latest', {});
  return [...refs];
}

/** Every container, oldest first. */
export async function byAge(engine: ContainerEngine): Promise<Container[]> {
  return (await engine.list()).sort((a, b) => Date.parse(a.state.created) - Date.parse(b.state.created));
}

function latestOf(containers: readonly Container[]): string {
  const latest = containers.at(-1);
  if (!latest) throw new EngineError('container-unknown', 'no containers to act on: there is no latest container', {});
  return latest.id;
}

function idFromFile(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new EngineError('invalid-option', `reading CIDFile ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const id = text.trim();
  if (!/^[0-9a-f]{64}$/.test(id)) throw new EngineError('invalid-option', `CIDFile ${file} does not hold a container ID`, { file });
  return id;
}
