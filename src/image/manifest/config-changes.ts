// Dockerfile-style changes to an image config, as `podman import --change`
// takes them: CMD, ENTRYPOINT (JSON or shell form), ENV, EXPOSE, LABEL,
// USER, VOLUME, WORKDIR, STOPSIGNAL; `KEY=value` or `KEY value`.

import { ImageError } from '../errors.js';
import type { ImageConfig } from './manifest.js';

/** An image config's `config`: what a container runs with. */
export type RunConfig = NonNullable<ImageConfig['config']>;

export function applyConfigChanges(config: RunConfig, changes: readonly string[]): RunConfig {
  const result: RunConfig = structuredClone(config);
  for (const change of changes) {
    const match = /^\s*([A-Za-z]+)(?:\s*=\s*|\s+)(.*)$/s.exec(change);
    if (!match) throw new ImageError('config-invalid', `invalid change ${JSON.stringify(change)}: expected INSTRUCTION=value`, { change });
    const instruction = (match[1] as string).toUpperCase();
    const value = (match[2] as string).trim();
    switch (instruction) {
      case 'CMD':
        result.Cmd = commandOf(value, change);
        break;
      case 'ENTRYPOINT':
        result.Entrypoint = commandOf(value, change);
        break;
      case 'ENV':
        for (const [k, v] of pairsOf(value, change)) result.Env = [...(result.Env ?? []).filter((e) => !e.startsWith(`${k}=`)), `${k}=${v}`];
        break;
      case 'LABEL':
        for (const [k, v] of pairsOf(value, change)) result.Labels = { ...(result.Labels ?? {}), [k]: v };
        break;
      case 'EXPOSE':
        for (const port of value.split(/\s+/).filter(Boolean)) result.ExposedPorts = { ...(result.ExposedPorts ?? {}), [port.includes('/') ? port : `${port}/tcp`]: {} };
        break;
      case 'VOLUME':
        for (const volume of listOf(value)) result.Volumes = { ...(result.Volumes ?? {}), [volume]: {} };
        break;
      case 'USER':
        result.User = value;
        break;
      case 'WORKDIR':
        result.WorkingDir = value;
        break;
      case 'STOPSIGNAL':
        result.StopSignal = value;
        break;
      default:
        throw new ImageError('config-invalid', `invalid change ${JSON.stringify(change)}: ${instruction} is not one of CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR, STOPSIGNAL`, { change });
    }
  }
  return result;
}

/** JSON array form as is; shell form runs under /bin/sh -c. */
function commandOf(value: string, change: string): string[] {
  if (value.startsWith('[')) {
    const parsed: unknown = JSON.parse(value);
    if (!Array.isArray(parsed) || !parsed.every((p) => typeof p === 'string')) throw new ImageError('config-invalid', `invalid change ${JSON.stringify(change)}: not a JSON array of strings`, { change });
    return parsed;
  }
  return ['/bin/sh', '-c', value];
}

function listOf(value: string): string[] {
  if (value.startsWith('[')) return JSON.parse(value) as string[];
  return value.split(/\s+/).filter(Boolean);
}

/** `K=V K2="V 2"` or the old `K V` form. */
function pairsOf(value: string, change: string): Array<[string, string]> {
  if (!value.includes('=')) {
    const space = value.indexOf(' ');
    if (space < 0) throw new ImageError('config-invalid', `invalid change ${JSON.stringify(change)}: expected KEY=value`, { change });
    return [[value.slice(0, space), value.slice(space + 1).trim()]];
  }
  const pairs: Array<[string, string]> = [];
  const re = /([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/g;
  for (const m of value.matchAll(re)) {
    const raw = m[2] as string;
    pairs.push([m[1] as string, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw]);
  }
  return pairs;
}
