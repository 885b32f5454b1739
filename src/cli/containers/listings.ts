// The listings of `ps`, `inspect` and `stats` that go through a Go template
// (podman's `--format`, and ps's default table): loaded only by those verbs,
// so that `run` does not initialise the template code at every start.

import { totalmem } from 'node:os';
import type { ContainerEngine, ContainerInfo, TopTable } from '../../engine/index.js';
import { goDuration } from '../../util/index.js';
import type { ContainerStats } from '../../oci/index.js';
import { humanBinarySize, humanSize } from '../image/format.js';
import { documentTemplateData, GoTime, isTemplateFormat, renderReport } from '../template/index.js';
import { duration, statusText } from './format.js';

/** `ps` without `--format json`: its template's rows, or podman's default table (with SIZE for `-s`). */
export async function psListing(engine: ContainerEngine, infos: ContainerInfo[], opts: { format?: string; trunc?: boolean; size?: boolean; noheading?: boolean }): Promise<string> {
  const rows = [];
  for (const info of infos) rows.push({ ...psView(info, opts.trunc === false), ...(opts.size ? { Size: await containerSize(engine, info.id) } : {}) });
  const defaultTable = opts.size ? `${PS_TABLE_FORMAT}\t{{.Size}}` : PS_TABLE_FORMAT;
  return renderReport(isTemplateFormat(opts.format) ? opts.format : 'table', rows, { name: 'ps', headers: PS_HEADERS, defaultTable, noHeading: opts.noheading });
}

/** `inspect -f TEMPLATE`: the template on each document. */
export function inspectListing(format: string, documents: unknown[]): string {
  return renderReport(format, documents.map((doc) => documentTemplateData(doc)), { name: 'inspect' });
}

/** `stats --format TEMPLATE`: the template on each sample. */
export function statsListing(format: string, rows: Array<ContainerStats & { id: string; name: string; started?: string }>): string {
  return renderReport(format, rows.map((row) => statsView(row)), { name: 'stats', headers: STATS_HEADERS });
}

/** podman ps --size: what the container's layer holds, and its whole root filesystem (`2.05kB (virtual 2.01MB)`). */
async function containerSize(engine: ContainerEngine, id: string): Promise<string> {
  const { layerId, imageId } = await engine.store.container(id);
  const own = await engine.store.diffSize(layerId);
  const image = await engine.store.imageSize(imageId).catch(() => 0);
  return `${humanSize(own)} (virtual ${humanSize(own + image)})`;
}

/** podman ps's default columns, for a bare `--format table`. */
const PS_TABLE_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Column headers of ps's template fields that are not the field's name in capitals. */
const PS_HEADERS: Record<string, string> = { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', RunningFor: 'CREATED' };

/** A row of `ps --format '{{…}}'`: the fields podman's ps templates see, as podman prints them. */
function psView(info: ContainerInfo, noTrunc: boolean, now = Date.now()): Record<string, unknown> {
  const command = info.command.join(' ');
  const created = `${duration(now - Date.parse(info.created))} ago`;
  return {
    ID: noTrunc ? info.id : info.id.slice(0, 12),
    Image: info.image,
    ImageID: info.imageId,
    // podman cuts the command at 17 characters unless --no-trunc.
    Command: noTrunc || command.length <= 17 ? command : `${command.slice(0, 17)}...`,
    CreatedHuman: created,
    RunningFor: created,
    Created: new GoTime(info.created),
    CreatedAt: new GoTime(info.created),
    Status: statusText(info, now),
    State: info.status === 'stopped' ? 'exited' : info.status,
    Ports: '',
    Names: info.name,
    Labels: new Map(Object.entries(info.labels)),
    ExitCode: info.exitCode ?? 0,
    Exited: info.status === 'stopped',
    ExitedAt: info.finished ? Math.floor(Date.parse(info.finished) / 1000) : 0,
    StartedAt: info.started ? Math.floor(Date.parse(info.started) / 1000) : 0,
    Pid: info.pid,
    Mounts: info.mounts,
    Networks: info.networks,
    Pod: '',
    PodName: '',
    IsInfra: false,
  };
}

/** Column headers of stats' template fields that are not the field's name in capitals (podman's). */
const STATS_HEADERS: Record<string, string> = { CPUPerc: 'CPU %', AvgCPU: 'AVG CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', CPU: 'CPU TIME', UpTime: 'UP TIME' };

/**
 * A row of `stats --format '{{…}}'`: podman's stats fields that the cgroup
 * tells. CPU % is over the container's life so far (podman's first sample);
 * the memory limit of an unlimited container is the host's memory, as podman shows it.
 */
function statsView(row: ContainerStats & { id: string; name: string; started?: string }, hostMemory = totalmem()): Record<string, unknown> {
  const upMs = row.started ? Math.max(1, row.timestamp - Date.parse(row.started)) : 0;
  const cpuPercent = upMs > 0 ? (row.cpuUsageNanos / 1e6 / upMs) * 100 : 0;
  const limit = row.memoryLimitBytes ?? hostMemory;
  const memPercent = limit > 0 ? (row.memoryUsageBytes / limit) * 100 : 0;
  return {
    ID: row.id.slice(0, 12),
    Name: row.name,
    CPUNano: row.cpuUsageNanos,
    CPU: goDurationMs(row.cpuUsageNanos / 1e6),
    CPUPerc: `${cpuPercent.toFixed(2)}%`,
    AvgCPU: `${cpuPercent.toFixed(2)}%`,
    MemUsage: `${humanSize(row.memoryUsageBytes)} / ${humanSize(limit)}`,
    MemUsageBytes: `${humanBinarySize(row.memoryUsageBytes)} / ${humanBinarySize(limit)}`,
    MemPerc: `${memPercent.toFixed(2)}%`,
    PIDs: row.pids,
    UpTime: goDurationMs(upMs),
  };
}

/** Go's time.Duration printing, to the millisecond: `1m2.5s`, `340ms`. */
function goDurationMs(ms: number): string {
  return goDuration(Math.round(ms) * 1e6);
}

/** `top`: podman's aligned columns of the descriptors' header and values. */
export function topListing(table: TopTable): string {
  const fields = table.headers.map((_, i) => `c${i}`);
  const rows = table.rows.map((row) => Object.fromEntries(row.map((cell, i) => [`c${i}`, cell])));
  return renderReport(`table ${fields.map((f) => `{{.${f}}}`).join('\t')}`, rows, { name: 'top', headers: Object.fromEntries(table.headers.map((h, i) => [`c${i}`, h])) });
}
