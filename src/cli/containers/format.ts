// How container verbs print: podman's `ps` table and status words, its
// inspect JSON fields, human durations.

import { readFileSync } from 'node:fs';
import type { ContainerInfo } from '../../engine/index.js';
import type { ContainerStats } from '../../oci/index.js';
import { humanBinarySize, humanSize } from '../image/format.js';
import { GoTime } from '../template/index.js';

/** `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`, `Paused`. */
export function statusText(info: ContainerInfo, now = Date.now()): string {
  switch (info.status) {
    case 'running':
      return `Up ${duration(now - Date.parse(info.started ?? info.created))}`;
    case 'paused':
      return 'Paused';
    case 'stopped':
      return info.finished ? `Exited (${info.exitCode ?? 0}) ${duration(now - Date.parse(info.finished))} ago` : `Exited (${info.exitCode ?? 0})`;
    default:
      return 'Created';
  }
}

export function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 1) return 'Less than a second';
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'}`;
  return `${Math.round(hours / 24)} days`;
}

/** podman ps --format json's field names. */
export function psJson(info: ContainerInfo): Record<string, unknown> {
  return {
    Id: info.id,
    Names: [info.name],
    Image: info.image,
    ImageID: info.imageId,
    Command: info.command,
    State: info.status === 'stopped' ? 'exited' : info.status,
    Status: statusText(info),
    ExitCode: info.exitCode ?? 0,
    Exited: info.status === 'stopped',
    Pid: info.pid,
    Created: Math.floor(Date.parse(info.created) / 1000),
    CreatedAt: info.created,
    StartedAt: info.started ? Math.floor(Date.parse(info.started) / 1000) : 0,
    ExitedAt: info.finished ? Math.floor(Date.parse(info.finished) / 1000) : 0,
    Labels: info.labels,
  };
}

/** podman ps's default columns, for a bare `--format table`. */
export const PS_TABLE_FORMAT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Column headers of ps's template fields that are not the field's name in capitals. */
export const PS_HEADERS: Record<string, string> = { ID: 'CONTAINER ID', CreatedHuman: 'CREATED', RunningFor: 'CREATED' };

/** A row of `ps --format '{{…}}'`: the fields podman's ps templates see, as podman prints them. */
export function psView(info: ContainerInfo, noTrunc: boolean, now = Date.now()): Record<string, unknown> {
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
    Mounts: [],
    Networks: [],
    Pod: '',
    PodName: '',
    IsInfra: false,
  };
}

/** Column headers of stats' template fields that are not the field's name in capitals (podman's). */
export const STATS_HEADERS: Record<string, string> = { CPUPerc: 'CPU %', AvgCPU: 'AVG CPU %', MemUsage: 'MEM USAGE / LIMIT', MemPerc: 'MEM %', CPU: 'CPU TIME', UpTime: 'UP TIME' };

/**
 * A row of `stats --format '{{…}}'`: podman's stats fields that the cgroup
 * tells. CPU % is over the container's life so far (podman's first sample);
 * the memory limit of an unlimited container is the host's memory, as podman shows it.
 */
export function statsView(row: ContainerStats & { id: string; name: string; started?: string }, hostMemory = totalMemory()): Record<string, unknown> {
  const upMs = row.started ? Math.max(1, row.timestamp - Date.parse(row.started)) : 0;
  const cpuPercent = upMs > 0 ? (row.cpuUsageNanos / 1e6 / upMs) * 100 : 0;
  const limit = row.memoryLimitBytes ?? hostMemory;
  const memPercent = limit > 0 ? (row.memoryUsageBytes / limit) * 100 : 0;
  return {
    ID: row.id.slice(0, 12),
    Name: row.name,
    CPUNano: row.cpuUsageNanos,
    CPU: goDuration(row.cpuUsageNanos / 1e6),
    CPUPerc: `${cpuPercent.toFixed(2)}%`,
    AvgCPU: `${cpuPercent.toFixed(2)}%`,
    MemUsage: `${humanSize(row.memoryUsageBytes)} / ${humanSize(limit)}`,
    MemUsageBytes: `${humanBinarySize(row.memoryUsageBytes)} / ${humanBinarySize(limit)}`,
    MemPerc: `${memPercent.toFixed(2)}%`,
    PIDs: row.pids,
    UpTime: goDuration(upMs),
  };
}

function totalMemory(): number {
  // os.totalmem, without loading node:os for every verb.
  return Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0) * 1024;
}

/** Go's time.Duration printing, to the millisecond: `1m2.5s`, `340ms`. */
function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Number((totalSeconds % 60).toFixed(3));
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${seconds}s`;
}
