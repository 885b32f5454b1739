// Go's idSet (containers/storage idset.go): sets of IDs as sorted, disjoint
// [start, end) intervals, for allocating user namespaces out of subordinate ranges.

import type { IDMap } from './mappings.js';

export interface Interval {
  start: number;
  end: number;
}

export class IdSet {
  /** Sorted, disjoint, non-empty. */
  readonly intervals: readonly Interval[];

  constructor(intervals: readonly Interval[]) {
    const sorted = intervals.filter((i) => i.end > i.start).sort((a, b) => a.start - b.start);
    const merged: Interval[] = [];
    for (const i of sorted) {
      const last = merged[merged.length - 1];
      if (last && i.start <= last.end) last.end = Math.max(last.end, i.end);
      else merged.push({ ...i });
    }
    this.intervals = merged;
  }

  /** The host IDs of maps. */
  static hostIds(maps: readonly IDMap[]): IdSet {
    return new IdSet(maps.map((m) => ({ start: m.hostId, end: m.hostId + m.size })));
  }

  /** The container IDs of maps. */
  static containerIds(maps: readonly IDMap[]): IdSet {
    return new IdSet(maps.map((m) => ({ start: m.containerId, end: m.containerId + m.size })));
  }

  get size(): number {
    return this.intervals.reduce((sum, i) => sum + i.end - i.start, 0);
  }

  subtract(other: IdSet): IdSet {
    let rest = this.intervals.map((i) => ({ ...i }));
    for (const cut of other.intervals) {
      rest = rest.flatMap((i) => {
        if (cut.end <= i.start || cut.start >= i.end) return [i];
        return [{ start: i.start, end: cut.start }, { start: cut.end, end: i.end }].filter((p) => p.end > p.start);
      });
    }
    return new IdSet(rest);
  }

  /** The first `n` IDs, lowest first; undefined when there are fewer. */
  take(n: number): IdSet | undefined {
    const taken: Interval[] = [];
    let left = n;
    for (const i of this.intervals) {
      if (left <= 0) break;
      const end = Math.min(i.end, i.start + left);
      taken.push({ start: i.start, end });
      left -= end - i.start;
    }
    return left > 0 ? undefined : new IdSet(taken);
  }

  /** Go's zip: these (host) IDs paired in order with `container`'s IDs, as maps. */
  zip(container: IdSet): IDMap[] {
    const hosts = this.intervals.map((i) => ({ ...i }));
    const containers = container.intervals.map((i) => ({ ...i }));
    const maps: IDMap[] = [];
    let h = 0;
    let c = 0;
    while (h < hosts.length && c < containers.length) {
      const host = hosts[h]!;
      const inside = containers[c]!;
      const size = Math.min(host.end - host.start, inside.end - inside.start);
      maps.push({ containerId: inside.start, hostId: host.start, size });
      host.start += size;
      inside.start += size;
      if (host.start >= host.end) h++;
      if (inside.start >= inside.end) c++;
    }
    return maps;
  }
}
