// Health checks as podman 4.3 keeps them: the check of the image's HEALTHCHECK
// or of --health-cmd and its flags, run in the container by
// `healthcheck run`, and the health it leaves in the container's state
// (starting, healthy or unhealthy, the failing streak and the last five
// results). podman schedules the runs with systemd timers; without systemd
// (this machine kind) neither tool runs them on its own.

import { EngineError } from './errors.js';
import { goTimeNow } from '../util/index.js';
import type { HealthCheck, HealthState } from '../oci/index.js';

/** podman's defaults for what the user and the image leave out: 30 s interval and timeout, 3 retries. */
const DEFAULT_INTERVAL_NS = 30e9;
const DEFAULT_TIMEOUT_NS = 30e9;
const DEFAULT_RETRIES = 3;
/** podman keeps the last five results, each output cut to 500 characters. */
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 500;

/** The image config's Healthcheck (Docker's), durations in nanoseconds. */
export interface ImageHealthcheck {
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  StartPeriod?: number;
  Retries?: number;
}

/** The run flags: `--health-cmd` and the rest (milliseconds), and `--no-healthcheck`. */
export interface HealthCheckOptions {
  command?: string;
  intervalMs?: number;
  timeoutMs?: number;
  startPeriodMs?: number;
  retries?: number;
  disabled?: boolean;
}

/**
 * The container's check: the flags over the image's, or none when disabled
 * (`--no-healthcheck`, `--health-cmd none`, an image's NONE) or when neither
 * gives a command. The other flags alone need a command from one of them.
 */
export function healthCheckOf(image: ImageHealthcheck | undefined, options: HealthCheckOptions = {}): HealthCheck | undefined {
  const test = options.command !== undefined ? healthTest(options.command) : image?.Test;
  if (options.disabled || !test?.length || test[0] === 'NONE') {
    if (!options.disabled && options.command === undefined && hasTimingFlags(options)) {
      throw new EngineError('invalid-option', 'healthcheck options were given without a healthcheck command (--health-cmd, or a HEALTHCHECK in the image)', {});
    }
    return undefined;
  }
  const ns = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : Math.round(ms * 1e6));
  const retries = options.retries ?? image?.Retries;
  if (retries !== undefined && (!Number.isInteger(retries) || retries < 1)) {
    throw new EngineError('invalid-option', `healthcheck-retries must be greater than 0: ${retries}`, { retries });
  }
  return {
    test,
    intervalNs: ns(options.intervalMs) ?? positive(image?.Interval) ?? DEFAULT_INTERVAL_NS,
    timeoutNs: ns(options.timeoutMs) ?? positive(image?.Timeout) ?? DEFAULT_TIMEOUT_NS,
    startPeriodNs: ns(options.startPeriodMs) ?? positive(image?.StartPeriod) ?? 0,
    retries: retries ?? DEFAULT_RETRIES,
  };
}

/**
 * podman's --health-cmd: a JSON array is the exec form (`["CMD", …]`,
 * `["CMD-SHELL", …]`, or a bare argv taken as CMD), anything else a shell
 * command; `none` disables the image's check.
 */
export function healthTest(command: string): string[] {
  if (command.trim().toLowerCase() === 'none') return ['NONE'];
  if (command.trim().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(command);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || parsed.length === 0 || !parsed.every((part) => typeof part === 'string')) {
      throw new EngineError('invalid-option', `invalid --health-cmd ${JSON.stringify(command)}: a JSON array of strings, or a shell command`, { command });
    }
    const argv = parsed as string[];
    return argv[0] === 'CMD' || argv[0] === 'CMD-SHELL' || argv[0] === 'NONE' ? argv : ['CMD', ...argv];
  }
  return ['CMD-SHELL', command];
}

/** What runs in the container for the check's test. */
export function healthCommand(test: readonly string[]): string[] {
  return test[0] === 'CMD-SHELL' ? ['/bin/sh', '-c', test.slice(1).join(' ')] : test.slice(1);
}

/** The health of a container that has a check and has not been checked since it started. */
export function startingHealth(previous?: HealthState): HealthState {
  return { status: 'starting', failingStreak: previous?.failingStreak ?? 0, log: previous?.log ?? [] };
}

/**
 * The health after one result, as podman's updateHealthCheckLog makes it: a
 * success makes it healthy; a failure outside the start period adds to the
 * failing streak, and at `retries` failures in a row it is unhealthy.
 */
export function healthAfter(current: HealthState | undefined, check: HealthCheck, result: { start: string; exitCode: number; output: string; inStartPeriod: boolean }): HealthState {
  const before = current ?? startingHealth();
  const entry = { start: result.start, end: goTimeNow(), exitCode: result.exitCode, output: result.output.slice(0, MAX_OUTPUT) };
  const log = [...before.log, entry].slice(-MAX_LOG_ENTRIES);
  if (result.exitCode === 0) return { status: 'healthy', failingStreak: 0, log };
  if (result.inStartPeriod) return { ...before, log };
  const failingStreak = before.failingStreak + 1;
  return { status: failingStreak >= check.retries ? 'unhealthy' : before.status, failingStreak, log };
}

/** podman inspect's Config.Healthcheck (Go durations in nanoseconds, StartPeriod only when set). */
export function inspectHealthcheck(check: HealthCheck): Record<string, unknown> {
  return {
    Test: check.test,
    Interval: check.intervalNs,
    Timeout: check.timeoutNs,
    ...(check.startPeriodNs ? { StartPeriod: check.startPeriodNs } : {}),
    Retries: check.retries,
  };
}

/** podman inspect's State.Health: empty for a container without a check. */
export function inspectHealth(health: HealthState | undefined, hasCheck: boolean): Record<string, unknown> {
  const state = health ?? (hasCheck ? startingHealth() : undefined);
  if (!state) return { Status: '', FailingStreak: 0, Log: null };
  return {
    Status: state.status,
    FailingStreak: state.failingStreak,
    Log: state.log.length ? state.log.map((e) => ({ Start: e.start, End: e.end, ExitCode: e.exitCode, Output: e.output })) : null,
  };
}

function positive(ns: number | undefined): number | undefined {
  return ns !== undefined && ns > 0 ? ns : undefined;
}

function hasTimingFlags(options: HealthCheckOptions): boolean {
  return options.intervalMs !== undefined || options.timeoutMs !== undefined || options.startPeriodMs !== undefined || options.retries !== undefined;
}
