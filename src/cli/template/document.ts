// A JSON document (podman's inspect and info output) as the value a template runs on.

import { GoTime } from './execute.js';

/** Keys whose values are Go maps in podman's inspect documents (printed map[k:v], a missing key is empty). */
const MAP_KEYS = new Set(['Labels', 'Annotations', 'Ports', 'PortBindings', 'Networks', 'Sysctls', 'ExposedPorts', 'Volumes', 'GraphOptions', 'GraphStatus', 'IPAMOptions']);
/**
 * The fields of an image's (and a container's) Config that JSON leaves out
 * when empty but a template still finds, as zero values.
 */
const CONFIG_ZERO: Readonly<Record<string, unknown>> = { User: '', ExposedPorts: null, Env: [], Entrypoint: [], Cmd: [], Volumes: null, WorkingDir: '', Labels: null, StopSignal: '' };
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

/**
 * An inspect document as a template sees podman's: objects are structs, the
 * MAP_KEYS objects maps, RFC 3339 strings times, and `ID` and `Id` the same field.
 */
export function documentTemplateData(value: unknown, key = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => documentTemplateData(v));
  if (typeof value === 'string') return RFC3339.test(value) ? new GoTime(value) : value;
  if (value === null && MAP_KEYS.has(key)) return new Map();
  if (typeof value !== 'object' || value === null) return value;
  const fields = key === 'Config' ? { ...CONFIG_ZERO, ...value } : value;
  const entries = Object.entries(fields).map(([k, v]) => [k, documentTemplateData(v, k)] as const);
  if (MAP_KEYS.has(key)) return new Map(entries);
  const struct: Record<string, unknown> = Object.fromEntries(entries);
  if ('Id' in struct && !('ID' in struct)) struct['ID'] = struct['Id'];
  return struct;
}
