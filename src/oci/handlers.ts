// Runtime handlers as crio.conf's [crio.runtime.runtimes.NAME] describes
// them, read from berth.conf's [berth.runtime.runtimes.NAME] tables; runc and
// crun are there out of the box.

import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { blankTomlCommentLines } from '../util/index.js';
import { OciError } from './errors.js';

export interface RuntimeHandler {
  name: string;
  /** The OCI runtime binary. */
  path: string;
  /** Only `oci` (runc-compatible CLI driven through conmon). */
  type: 'oci';
  /** The runtime's state root (`--root`). */
  root: string;
  /** conmon binary that supervises the container. */
  monitorPath: string;
  /** Annotations the runtime may receive from users (others are dropped). */
  allowedAnnotations: string[];
  /** Runtime binary per platform (`linux/arm64`), for images of another platform. */
  platformRuntimePaths: Record<string, string>;
  /**
   * Berth's own (berth.conf `exec_sealed_copy`): run the runtime's commands
   * (start, kill, delete…), and conmon's create and exec, from a sealed
   * in-memory copy of its binary, made once per Berth process. crun makes
   * such a copy of itself and runs again from it at every start unless it
   * already runs from one (~5-7 ms per command here); runc does not.
   * Default: on for a binary named crun or crun-*.
   */
  execSealedCopy: boolean;
}

export interface RuntimeConfig {
  defaultRuntime: string;
  /**
   * Whether berth.conf's default_runtime or the caller (`--runtime`) chose defaultRuntime; else
   * it is the built-in crun, and containers.conf's `[engine] runtime` comes first, as in podman.
   */
  defaultRuntimeChosen?: boolean;
  runtimes: Record<string, RuntimeHandler>;
}

const CONMON = '/usr/bin/conmon';

export function defaultRuntimeConfig(): RuntimeConfig {
  return {
    defaultRuntime: 'crun',
    runtimes: {
      crun: handler('crun', { path: '/usr/bin/crun', root: '/run/crun' }),
      runc: handler('runc', { path: '/usr/sbin/runc', root: '/run/runc' }),
    },
  };
}

function handler(name: string, fields: Partial<RuntimeHandler> & { path: string; root: string }): RuntimeHandler {
  const binary = fields.path.slice(fields.path.lastIndexOf('/') + 1);
  const clonesItself = binary === 'crun' || binary.startsWith('crun-');
  return { name, type: 'oci', monitorPath: CONMON, allowedAnnotations: [], platformRuntimePaths: {}, execSealedCopy: clonesItself, ...fields };
}

/**
 * berth.conf (TOML): `[berth.runtime] default_runtime = "runc"` and
 * `[berth.runtime.runtimes.NAME]` with `runtime_path`, `runtime_type`,
 * `runtime_root`, `monitor_path`, `allowed_annotations`,
 * `platform_runtime_paths` — crio.conf's keys. Tables add to or override
 * the built-in handlers.
 */
export function parseRuntimeConfig(text: string, source = 'berth.conf'): RuntimeConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(blankTomlCommentLines(text)) as Record<string, unknown>;
  } catch (err) {
    throw new OciError('invalid-spec', `${source}: ${(err as Error).message}`, { source }, { cause: err });
  }
  const config = defaultRuntimeConfig();
  const runtime = table(table(doc, 'berth', source), 'runtime', source);
  if (runtime['default_runtime'] !== undefined) {
    config.defaultRuntime = stringField(runtime, 'default_runtime', source);
    config.defaultRuntimeChosen = true;
  }
  for (const [name, value] of Object.entries(table(runtime, 'runtimes', source))) {
    const entry = asTable(value, `runtimes.${name}`, source);
    const base = config.runtimes[name];
    const type = entry['runtime_type'] === undefined ? 'oci' : stringField(entry, 'runtime_type', source);
    if (type !== 'oci') throw new OciError('invalid-spec', `${source}: runtime ${name}: runtime_type ${JSON.stringify(type)} is not supported (only "oci")`, { source, name });
    const path = entry['runtime_path'] === undefined ? base?.path : stringField(entry, 'runtime_path', source);
    if (!path) throw new OciError('invalid-spec', `${source}: runtime ${name} has no runtime_path`, { source, name });
    config.runtimes[name] = handler(name, {
      path,
      root: entry['runtime_root'] === undefined ? (base?.root ?? `/run/${name}`) : stringField(entry, 'runtime_root', source),
      monitorPath: entry['monitor_path'] === undefined ? (base?.monitorPath ?? CONMON) : stringField(entry, 'monitor_path', source),
      allowedAnnotations: entry['allowed_annotations'] === undefined ? (base?.allowedAnnotations ?? []) : stringList(entry, 'allowed_annotations', source),
      platformRuntimePaths: entry['platform_runtime_paths'] === undefined ? (base?.platformRuntimePaths ?? {}) : stringMap(entry, 'platform_runtime_paths', source),
      ...(entry['exec_sealed_copy'] === undefined ? {} : { execSealedCopy: booleanField(entry, 'exec_sealed_copy', source) }),
    });
  }
  if (!config.runtimes[config.defaultRuntime]) {
    throw new OciError('runtime-handler-unknown', `${source}: default_runtime ${JSON.stringify(config.defaultRuntime)} is not a configured runtime`, { source });
  }
  return config;
}

/** `config` as a berth.conf that parseRuntimeConfig reads back as it is (the built-in handlers it names are replaced by its own). */
export function formatRuntimeConfig(config: RuntimeConfig): string {
  const runtimes = Object.fromEntries(Object.entries(config.runtimes).map(([name, h]) => [name, {
    runtime_path: h.path, runtime_type: h.type, runtime_root: h.root, monitor_path: h.monitorPath,
    allowed_annotations: h.allowedAnnotations, platform_runtime_paths: h.platformRuntimePaths, exec_sealed_copy: h.execSealedCopy,
  }]));
  return `${stringifyToml({ berth: { runtime: { default_runtime: config.defaultRuntime, runtimes } } })}\n`;
}

export function runtimeHandler(config: RuntimeConfig, name: string | undefined): RuntimeHandler {
  const chosen = name || config.defaultRuntime;
  const found = config.runtimes[chosen];
  if (!found) {
    throw new OciError('runtime-handler-unknown', `runtime handler ${JSON.stringify(chosen)} is not configured (known: ${Object.keys(config.runtimes).join(', ')})`, { name: chosen });
  }
  return found;
}

function table(parent: Record<string, unknown>, key: string, source: string): Record<string, unknown> {
  const value = parent[key];
  return value === undefined ? {} : asTable(value, key, source);
}

function asTable(value: unknown, key: string, source: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OciError('invalid-spec', `${source}: ${key} must be a table`, { source, key });
  return value as Record<string, unknown>;
}

function stringField(entry: Record<string, unknown>, key: string, source: string): string {
  const value = entry[key];
  if (typeof value !== 'string') throw new OciError('invalid-spec', `${source}: ${key} must be a string`, { source, key });
  return value;
}

function booleanField(entry: Record<string, unknown>, key: string, source: string): boolean {
  const value = entry[key];
  if (typeof value !== 'boolean') throw new OciError('invalid-spec', `${source}: ${key} must be true or false`, { source, key });
  return value;
}

function stringList(entry: Record<string, unknown>, key: string, source: string): string[] {
  const value = entry[key];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw new OciError('invalid-spec', `${source}: ${key} must be a list of strings`, { source, key });
  return value as string[];
}

function stringMap(entry: Record<string, unknown>, key: string, source: string): Record<string, string> {
  const map = asTable(entry[key], key, source);
  for (const [k, v] of Object.entries(map)) if (typeof v !== 'string') throw new OciError('invalid-spec', `${source}: ${key}.${k} must be a string`, { source, key });
  return map as Record<string, string>;
}
