// What `berth version` and `berth info` print, as podman's do, for Berth:
// the versions, the host, the runtime and conmon, and the store in use.

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import type { ContainerEngine } from '../../engine/index.js';
import { runtimeHandler } from '../../oci/index.js';
import { packageVersion } from '../package-version.js';
import { documentTemplateData, isTemplateFormat, renderReport } from '../template/index.js';

/** `version`: a table of the versions, JSON, or a template's text. */
export function versionText(format: string | undefined): string {
  const document = { Client: versionFields() };
  if (format === 'json') return `${JSON.stringify(document, null, 4)}\n`;
  if (isTemplateFormat(format)) return renderReport(format, [document], { name: 'version' });
  return `Client:       Berth\n${aligned(versionFields(), 14)}`;
}

/** `info`: podman's YAML of the host and the store, JSON, or a template's text. */
export async function infoText(engine: ContainerEngine, format: string | undefined): Promise<string> {
  const document = await infoDocument(engine);
  // As podman's: host and store under their JSON names, the version with its Go field names.
  const named = { host: jsonNames(document['Host']), store: jsonNames(document['Store']), version: document['Version'] };
  if (format === 'json') return `${JSON.stringify(named, null, 4)}\n`;
  if (isTemplateFormat(format)) return renderReport(format, [documentTemplateData(document)], { name: 'info' });
  return yaml(named);
}

function versionFields(): Record<string, string> {
  return { Version: packageVersion(), NodeVersion: process.version, OsArch: `${os.platform()}/${goArch(os.arch())}`, Os: os.platform() };
}

/** podman info's fields (Go's names, so that its templates run here), as far as they are facts of Berth. */
async function infoDocument(engine: ContainerEngine): Promise<Record<string, unknown>> {
  const { store } = engine;
  const handler = runtimeHandler(engine.runtime.config, undefined);
  // Berth's containers, as podman counts its own (not other tools' store containers).
  const containers = (await engine.list()).map((c) => engine.info(c).status);
  const memory = meminfo();
  return {
    Host: {
      Arch: goArch(os.arch()),
      CgroupManager: 'cgroupfs',
      CgroupsVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
      // Its two lines on one, as podman prints them.
      Conmon: { Path: handler.monitorPath, Version: commandOutput(handler.monitorPath, ['--version']).trim().split('\n').join(', ') },
      CPUs: os.cpus().length,
      Distribution: distribution(),
      Hostname: os.hostname(),
      Kernel: os.release(),
      MemFree: os.freemem(),
      MemTotal: os.totalmem(),
      OCIRuntime: { Name: handler.name, Path: handler.path, Version: commandOutput(handler.path, ['--version']).trim() },
      OS: os.platform(),
      Security: { Rootless: process.getuid?.() !== 0 },
      SwapFree: (memory.get('SwapFree') ?? 0) * 1024,
      SwapTotal: (memory.get('SwapTotal') ?? 0) * 1024,
      Uptime: uptime(os.uptime()),
    },
    Store: {
      ContainerStore: {
        Number: containers.length,
        Paused: containers.filter((s) => s === 'paused').length,
        Running: containers.filter((s) => s === 'running').length,
        Stopped: containers.filter((s) => s === 'stopped').length,
      },
      GraphDriverName: store.graphDriverName,
      GraphOptions: Object.fromEntries(store.graphOptions.map((option) => [option.split('=', 1)[0]!, option.slice(option.indexOf('=') + 1)])),
      GraphRoot: store.graphRoot,
      GraphStatus: Object.fromEntries(await store.status()),
      ImageStore: { Number: (await store.images()).length },
      RunRoot: store.runRoot,
    },
    Version: versionFields(),
  };
}

/** Node's arch names, as Go's GOARCH spells them. */
function goArch(arch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

function commandOutput(path: string, args: string[]): string {
  try {
    return execFileSync(path, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
  } catch {
    return '';
  }
}

/** podman's `7h 12m 44.00s (Approximately 0.29 days)`. */
function uptime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  return `${h}h ${m}m ${(seconds % 60).toFixed(2)}s (Approximately ${(seconds / 86400).toFixed(2)} days)`;
}

/** /etc/os-release's ID, VERSION_ID and VERSION_CODENAME. */
function distribution(): Record<string, string> {
  let text = '';
  try {
    text = readFileSync('/etc/os-release', 'utf8');
  } catch {
    // none: left empty
  }
  const field = (key: string): string => new RegExp(`^${key}="?([^"\\n]*)"?$`, 'm').exec(text)?.[1] ?? '';
  return { Distribution: field('ID'), Version: field('VERSION_ID'), Codename: field('VERSION_CODENAME') };
}

/** /proc/meminfo in kB. */
function meminfo(): Map<string, number> {
  const entries = new Map<string, number>();
  try {
    for (const [, key, value] of readFileSync('/proc/meminfo', 'utf8').matchAll(/^(\w+):\s+(\d+)/gm)) entries.set(key!, Number(value));
  } catch {
    // no /proc: zeros
  }
  return entries;
}

/** `Key:  value` lines, the values in one column. */
function aligned(fields: Record<string, string>, width: number): string {
  return Object.entries(fields).map(([key, value]) => `${`${key}:`.padEnd(width)}${value}\n`).join('');
}

/** podman info's JSON and YAML names: the Go field names with the first word in lower case. */
const JSON_NAMES: Readonly<Record<string, string>> = { OCIRuntime: 'ociRuntime', CPUs: 'cpus', OS: 'os', CgroupsVersion: 'cgroupVersion' };

function jsonNames(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(jsonNames);
  if (typeof value !== 'object' || value === null) return value;
  // Keys that are not field names (the driver's status lines, "Backing Filesystem") stay as they are.
  const name = (key: string): string => JSON_NAMES[key] ?? (/^[A-Z]\w*$/.test(key) ? key[0]!.toLowerCase() + key.slice(1) : key);
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [name(key), jsonNames(v)]));
}

/** Block YAML of plain data: maps and lists nested by two spaces, strings quoted when YAML would read them otherwise. */
function yaml(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    return value.length === 0 ? `${indent}[]\n` : value.map((v) => (isBlock(v) ? `${indent}-\n${yaml(v, `${indent}  `)}` : `${indent}- ${scalar(v)}\n`)).join('');
  }
  return Object.entries(value as Record<string, unknown>).map(([key, v]) => {
    if (isBlock(v) && (Array.isArray(v) ? v.length > 0 : Object.keys(v as object).length > 0)) return `${indent}${key}:\n${yaml(v, `${indent}  `)}`;
    if (isBlock(v)) return `${indent}${key}: ${Array.isArray(v) ? '[]' : '{}'}\n`;
    if (typeof v === 'string' && v.includes('\n')) return `${indent}${key}: |-\n${v.split('\n').map((line) => `${indent}  ${line}`).join('\n')}\n`;
    return `${indent}${key}: ${scalar(v)}\n`;
  }).join('');
}

function isBlock(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function scalar(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  return value === '' || /^[\s\-?:,[\]{}#&*!|>'"%@`]|: |\s#|\s$|^(true|false|null|yes|no|~|[-+.\d][\d.eE+-]*)$/i.test(value) ? JSON.stringify(value) : value;
}
