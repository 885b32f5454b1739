// Container stats from its cgroup: v1 controllers (this machine kind is
// hybrid, all controllers on v1) or v2 where the unified hierarchy has them.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ContainerStats {
  /** Nanoseconds of CPU used since the container started. */
  cpuUsageNanos: number;
  memoryUsageBytes: number;
  /** Usage less inactive file pages (CRI-O's working set). */
  memoryWorkingSetBytes: number;
  /** Undefined when unlimited. */
  memoryLimitBytes?: number;
  pids: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** A spec's absolute cgroupsPath as a path under each hierarchy's root. */
function relativeCgroup(cgroupsPath: string): string {
  return cgroupsPath.replace(/^\/+/, '');
}
const UNLIMITED_V1 = 0x7ffffffffffff000;

export function readCgroupStats(cgroupsPath: string): ContainerStats {
  const relative = relativeCgroup(cgroupsPath);
  const v2 = join(CGROUP_ROOT, relative);
  if (cgroupV2Has(v2, 'memory')) return readV2(v2);
  return readV1(relative);
}

function readV1(relative: string): ContainerStats {
  const memory = join(CGROUP_ROOT, 'memory', relative);
  const usage = number(join(memory, 'memory.usage_in_bytes'));
  const limit = number(join(memory, 'memory.limit_in_bytes'));
  const stat = keyed(join(memory, 'memory.stat'));
  return {
    cpuUsageNanos: number(join(CGROUP_ROOT, 'cpuacct', relative, 'cpuacct.usage')),
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - (stat['total_inactive_file'] ?? 0)),
    memoryLimitBytes: limit >= UNLIMITED_V1 ? undefined : limit,
    pids: number(join(CGROUP_ROOT, 'pids', relative, 'pids.current')),
    timestamp: Date.now(),
  };
}

function readV2(dir: string): ContainerStats {
  const usage = number(join(dir, 'memory.current'));
  const max = readFileSync(join(dir, 'memory.max'), 'utf8').trim();
  const stat = keyed(join(dir, 'memory.stat'));
  return {
    cpuUsageNanos: (keyed(join(dir, 'cpu.stat'))['usage_usec'] ?? 0) * 1000,
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: Math.max(0, usage - (stat['inactive_file'] ?? 0)),
    memoryLimitBytes: max === 'max' ? undefined : Number(max),
    pids: number(join(dir, 'pids.current')),
    timestamp: Date.now(),
  };
}

/** PIDs in the container's cgroup: the pids controller on v1, the unified group on v2. */
export function cgroupProcesses(cgroupsPath: string): number[] {
  const relative = relativeCgroup(cgroupsPath);
  for (const dir of [join(CGROUP_ROOT, 'pids', relative), join(CGROUP_ROOT, relative), join(CGROUP_ROOT, 'unified', relative)]) {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      // Not this hierarchy.
    }
  }
  return [];
}

function cgroupV2Has(dir: string, controller: string): boolean {
  try {
    return readFileSync(join(dir, 'cgroup.controllers'), 'utf8').split(/\s+/).includes(controller);
  } catch {
    return false;
  }
}

function number(path: string): number {
  return Number(readFileSync(path, 'utf8').trim());
}

function keyed(path: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const [key, value] = line.split(' ');
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

/**
 * Whether the cgroup's processes are all frozen: v1's freezer.state says FROZEN (not FREEZING, which
 * it says while the kernel is still stopping them), v2's cgroup.events `frozen 1`; true when the
 * cgroup has no freezer to ask (nothing to wait for).
 */
export function cgroupFrozen(cgroupsPath: string): boolean {
  const relative = relativeCgroup(cgroupsPath);
  try {
    return readFileSync(join(CGROUP_ROOT, 'freezer', relative, 'freezer.state'), 'utf8').trim() === 'FROZEN';
  } catch {
    try {
      return /^frozen 1$/m.test(readFileSync(join(CGROUP_ROOT, relative, 'cgroup.events'), 'utf8'));
    } catch {
      return true;
    }
  }
}
