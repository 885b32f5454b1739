// How container verbs print: podman's `ps` table and status words, its
// inspect JSON fields, human durations.

import type { ContainerInfo } from '../../engine/index.js';

/** podman 4.3's words: `Up 3 seconds ago (healthy)`, `Exited (0) 2 minutes ago`, `Created`, `Paused`. */
export function statusText(info: ContainerInfo, now = Date.now()): string {
  switch (info.status) {
    case 'running':
      return `Up ${duration(now - Date.parse(info.started ?? info.created))} ago${info.health ? ` (${info.health})` : ''}`;
    case 'paused':
      return 'Paused';
    case 'stopped':
      return info.finished ? `Exited (${info.exitCode ?? 0}) ${duration(now - Date.parse(info.finished))} ago` : `Exited (${info.exitCode ?? 0})`;
    case 'storage':
      return 'Storage';
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
    Mounts: info.mounts,
    Networks: info.networks,
  };
}
