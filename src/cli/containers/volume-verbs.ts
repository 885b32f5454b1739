// podman's `volume` verbs: create, ls, inspect, rm, prune, exists. The
// engine's volume code and the templates load only when one of them runs.

import type { Command } from 'commander';
import { EngineError, volumeNamesOf, type ContainerEngine } from '../../engine/index.js';
import type { Volume, VolumeErrorCode } from '../../volume/index.js';
import { confirmed } from './confirm.js';
import { removeEach } from './remove-each.js';
import type { EngineAction } from './context.js';
import { collect, hasLabel, keyValues, parseFilters, parsePositive, passesFilters } from './options.js';

/** podman's exit codes for `volume rm`: 1 when there is no such volume, 2 when one is in use. */
const RM_EXIT: Partial<Record<VolumeErrorCode, number>> = { 'volume-unknown': 1, 'volume-in-use': 2 };

export function registerVolumeVerbs(program: Command, act: EngineAction, setExit: (code: number) => void): void {
  const volume = program.command('volume').description('manage named volumes (create, ls, inspect, rm, prune, exists)');

  volume.command('create').description('create a volume').argument('[name]')
    .option('-d, --driver <driver>', 'volume driver (only local)', 'local')
    .option('-l, --label <label>', 'set a label (key=value)', collect, [])
    .option('-o, --opt <option>', 'a driver option (key=value)', collect, [])
    .option('--ignore', 'an existing volume of that name is not an error')
    .action(act(async (engine, name: string | undefined, opts: { driver: string; label: string[]; opt: string[]; ignore?: boolean }) => {
      const created = await (await engine.volumes()).create({
        name, driver: opts.driver, labels: keyValues(opts.label), options: keyValues(opts.opt), ignoreExisting: opts.ignore,
      });
      process.stdout.write(`${created.name}\n`);
    }));

  volume.command('ls').alias('list').description('list volumes')
    .option('-q, --quiet', 'print the names only')
    .option('--format <format>', 'json, or a Go template (`{{.Name}}`)')
    .option('-f, --filter <filter>', 'name=, label=KEY[=VALUE], driver=, dangling=true|false', collect, [])
    .option('--noheading', 'no header line in the table')
    .action(act(async (engine, opts: { quiet?: boolean; format?: string; filter: string[]; noheading?: boolean }) => {
      const volumes = await filtered(engine, parseFilters(opts.filter));
      if (opts.quiet) process.stdout.write(volumes.map((v) => `${v.name}\n`).join(''));
      else if (opts.format === 'json') process.stdout.write(`${JSON.stringify(volumes.map(volumeDocument), null, 2)}\n`);
      else process.stdout.write(await listing(opts.format ?? LS_TABLE, volumes, opts.noheading === true));
    }));

  volume.command('inspect').description('show volumes\' details').argument('[names...]')
    .option('-a, --all', 'every volume')
    .option('-f, --format <format>', 'json (default), or a Go template (`{{.Mountpoint}}`)')
    .action(act(async (engine, names: string[], opts: { all?: boolean; format?: string }) => {
      const verbs = await engine.volumes();
      if (!opts.all && names.length === 0) throw new EngineError('invalid-option', 'provide one or more volume names or use --all', {});
      const volumes = opts.all ? verbs.list() : names.map((name) => verbs.get(name));
      if (opts.format && opts.format !== 'json') process.stdout.write(await listing(opts.format, volumes));
      else process.stdout.write(`${JSON.stringify(volumes.map(volumeDocument), null, 4)}\n`);
    }));

  volume.command('rm').alias('remove').description('remove volumes').argument('[names...]')
    .option('-a, --all', 'every volume (those in use only with --force)')
    .option('-f, --force', 'remove the containers that use them first')
    .option('-t, --time <seconds>', 'with -f: seconds to wait for running containers to stop before killing them (default: their stop timeout)')
    .action(act(async (engine, names: string[], opts: { all?: boolean; force?: boolean; time?: string }) => {
      const timeoutSeconds = opts.time === undefined ? undefined : parsePositive(opts.time, 'timeout');
      const verbs = await engine.volumes();
      if (!opts.all && names.length === 0) throw new EngineError('invalid-option', 'choose either one or more volumes or all', {});
      return removeEach(opts.all ? verbs.list().map((v) => v.name) : names, async (name) => {
        await verbs.remove(name, { force: opts.force, timeoutSeconds });
        return name;
      }, RM_EXIT);
    }));

  volume.command('prune').description('remove every volume no container uses')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <filter>', 'label=KEY[=VALUE]: prune only those volumes', collect, [])
    .action(act(async (engine, opts: { force?: boolean; filter: string[] }) => {
      const verbs = await engine.volumes();
      const filters = parseFilters(opts.filter);
      if (!opts.force) {
        process.stdout.write('WARNING! This will remove all volumes not used by at least one container. The following volumes will be removed:\n');
        const used = await usedVolumes(engine);
        process.stdout.write(verbs.list().filter((v) => !used.has(v.name) && matches(v, filters, false)).map((v) => `${v.name}\n`).join(''));
        if (!confirmed('Are you sure you want to continue? [y/N] ')) return 0;
      }
      for (const name of await verbs.prune((v) => !matches(v, filters, false))) process.stdout.write(`${name}\n`);
      return 0;
    }));

  volume.command('exists').description('exit 0 when the volume exists, 1 when not').argument('<name>')
    .action(act(async (engine, name: string) => ((await engine.volumes()).exists(name) ? 0 : 1)));

  volume.action(() => {
    volume.outputHelp();
    setExit(125);
  });
}

/** podman's default `volume ls` columns. */
const LS_TABLE = 'table {{.Driver}}\t{{.Name}}';

/** The volumes that pass every filter; dangling (no container uses it) is asked of the containers only when filtered on. */
async function filtered(engine: ContainerEngine, filters: Map<string, string[]>): Promise<Volume[]> {
  const volumes = (await engine.volumes()).list();
  if (!filters.has('dangling')) return volumes.filter((v) => matches(v, filters, false));
  const used = await usedVolumes(engine);
  return volumes.filter((v) => matches(v, filters, !used.has(v.name)));
}

/** The names of the volumes Berth's containers use. */
async function usedVolumes(engine: ContainerEngine): Promise<Set<string>> {
  return new Set((await engine.list()).flatMap(volumeNamesOf));
}

/** podman's volume filters; dangling (no container uses it) is given, as it needs the containers. */
function matches(volume: Volume, filters: Map<string, string[]>, dangling: boolean): boolean {
  return passesFilters(volume, filters, {
    name: (v, value) => v.name.includes(value),
    driver: (v, value) => v.driver === value,
    label: (v, value) => hasLabel(v.labels, value),
    dangling: (_v, value) => {
      if (value !== 'true' && value !== 'false') throw new EngineError('invalid-option', `invalid dangling filter value ${JSON.stringify(value)}: want true or false`, { filter: value });
      return dangling === (value === 'true');
    },
  }, 'volumes');
}

/** podman volume inspect's fields. */
export function volumeDocument(volume: Volume): Record<string, unknown> {
  return {
    Name: volume.name,
    Driver: volume.driver,
    Mountpoint: volume.mountpoint,
    CreatedAt: volume.createdAt,
    Labels: volume.labels,
    Scope: 'local',
    Options: volume.options,
    MountCount: 0,
    ...(volume.needsCopyUp ? { NeedsCopyUp: true } : {}),
    ...(volume.needsChown ? { NeedsChown: true } : {}),
    ...(volume.anonymous ? { Anonymous: true } : {}),
  };
}

async function listing(format: string, volumes: Volume[], noHeading = false): Promise<string> {
  const { documentTemplateData, renderReport } = await import('../template/index.js');
  return renderReport(format, volumes.map((v) => documentTemplateData(volumeDocument(v))), { name: 'volume', headers: { Name: 'VOLUME NAME' }, defaultTable: LS_TABLE, noHeading });
}
