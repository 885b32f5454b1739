// podman's container filters (`--filter KEY=VALUE`), as ps lists by them and
// stop, start, restart, rm, pause, unpause and container prune choose by them.

import type { ContainerInfo } from '../../engine/index.js';
import { hasLabel, passesFilters, pointInTime } from './options.js';

/** Whether the container passes every filter (each key: any of its values). */
export function matchesFilters(info: ContainerInfo, filters: Map<string, string[]>): boolean {
  return passesFilters(info, filters, {
    id: (c, value) => c.id.startsWith(value),
    name: (c, value) => new RegExp(value).test(c.name),
    status: (c, value) => (c.status === 'stopped' ? 'exited' : c.status) === value,
    exited: (c, value) => c.status === 'stopped' && String(c.exitCode) === value,
    ancestor: (c, value) => c.image === value || c.imageId.startsWith(value),
    label: (c, value) => hasLabel(c.labels, value),
    // A volume by name, or any mount by where it is mounted, as podman's.
    volume: (c, value) => c.volumes.includes(value) || c.mounts.includes(value),
    network: (c, value) => c.networks.includes(value),
    // Made before that time (RFC 3339, or a duration back from now), as podman's prune and ps take it.
    until: (c, value) => Date.parse(c.created) < pointInTime(value).getTime(),
  }, 'containers');
}
