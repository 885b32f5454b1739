// `berth events`: the events of the store's containers, images, volumes and networks
// as podman prints them (its text, `--format json`, or a template), those
// recorded so far and, unless --stream=false or --until, those to come.

import type { Command } from 'commander';
import { EventTail, type BerthEvent } from '../../engine/index.js';
import type { EngineAction } from './context.js';
import { collect, hasLabel, parseFilters, passesFilters, pointInTime } from './options.js';

export function registerEventsVerb(program: Command, act: EngineAction): void {
  program.command('events').description('show the events of containers, images, volumes and networks (followed until interrupted)')
    .option('--since <time>', 'only events since this RFC 3339 time or duration (10m)')
    .option('--until <time>', 'only events before this time; the stream ends there')
    .option('-f, --filter <filter>', 'container=, event=, image=, label=, type=, volume=, network=', collect, [])
    .option('--format <format>', 'json, or a Go template (`{{.Status}} {{.Name}}`)')
    .option('--stream', 'follow the events to come (the default)')
    .option('--no-stream', 'print the events recorded so far and exit')
    .action(act(async (engine, opts: { since?: string; until?: string; filter: string[]; format?: string; stream?: boolean }) => {
      const since = opts.since === undefined ? undefined : pointInTime(opts.since).getTime();
      const until = opts.until === undefined ? undefined : pointInTime(opts.until).getTime();
      const filters = parseFilters(opts.filter);
      const printer = await printerFor(opts.format);
      const show = (event: BerthEvent): void => {
        const at = Date.parse(event.Time);
        if ((since !== undefined && at < since) || (until !== undefined && at >= until) || !matches(event, filters)) return;
        process.stdout.write(printer(event));
      };
      // The history and then what comes, read from one offset on: no event twice, none lost between the two.
      new EventTail(engine.events.rotatedPath).next().forEach(show);
      const reader = new EventTail(engine.events.path);
      reader.next().forEach(show);
      if (opts.stream === false || (until !== undefined && until <= Date.now())) return;
      for (;;) {
        reader.next().forEach(show);
        if (until !== undefined && Date.now() >= until) return;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }));
}

/** podman's event filters; several values of one key are alternatives. */
function matches(event: BerthEvent, filters: Map<string, string[]>): boolean {
  return passesFilters(event, filters, {
    container: (e, value) => e.Type === 'container' && (e.Name === value || (e.ID ?? '').startsWith(value)),
    event: (e, value) => e.Status === value,
    status: (e, value) => e.Status === value,
    image: (e, value) => e.Image === value || (e.Type === 'image' && e.Name === value),
    label: (e, value) => hasLabel(e.Attributes ?? {}, value),
    type: (e, value) => e.Type === value,
    volume: (e, value) => e.Type === 'volume' && e.Name === value,
    network: (e, value) => e.Type === 'network' && e.network === value,
  }, 'events');
}

/** podman's text line, its JSON line, or a template over the event. */
async function printerFor(format: string | undefined): Promise<(event: BerthEvent) => string> {
  if (format === 'json') return (event) => `${JSON.stringify(event)}\n`;
  if (format) {
    const { documentTemplateData, renderReport } = await import('../template/index.js');
    // A template sees podman's Event struct: its health status as HealthStatus (the JSON key is health_status),
    // and an exit code (0 when the JSON leaves it out).
    return (event) => renderReport(format, [documentTemplateData({ ...event, ContainerExitCode: event.ContainerExitCode ?? 0, HealthStatus: event.health_status ?? '' })], { name: 'events' });
  }
  return textLine;
}

/** `2026-12-05 04:21:58.31652547 +0000 UTC container start ID (image=…, name=…, label=…)`, and the shorter lines of the other types. */
function textLine(event: BerthEvent): string {
  const time = event.Time.replace('T', ' ').replace(/Z$/, ' +0000 UTC');
  // An image event's ID comes before its name, empty when it has none (pull, loadfromarchive), as podman prints it.
  if (event.Type === 'image') return `${time} image ${event.Status} ${event.ID ?? ''} ${event.Name}\n`;
  if (event.Type === 'network') return `${time} network ${event.Status} ${event.ID ?? ''} (container=${event.ID ?? ''}, name=${event.network ?? ''})\n`;
  if (event.Type !== 'container') return `${time} ${event.Type} ${event.Status} ${event.Name}\n`;
  const attributes = Object.entries(event.Attributes ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `, ${k}=${v}`).join('');
  const health = event.health_status ? `, health_status=${event.health_status}` : '';
  return `${time} container ${event.Status} ${event.ID ?? ''} (image=${event.Image ?? ''}, name=${event.Name ?? ''}${health}${attributes})\n`;
}
