// Runs one CNI plugin as the CNI spec says: the command and container in
// CNI_* variables, the plugin's config (with name, cniVersion, prevResult
// and runtimeConfig) on stdin, a result or an error as JSON on stdout.

import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginConfig } from './conflist.js';
import { NetworkError } from './errors.js';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

/** The CNI result (0.4.0 and 1.0.0 shape) as the chain passes it along. */
export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ address: string; gateway?: string; interface?: number; version?: string }>;
  routes?: Array<{ dst: string; gw?: string }>;
  dns?: Record<string, unknown>;
}

export interface PortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp' | 'sctp';
  hostIP?: string;
}

export interface PluginInvocation {
  command: CniCommand;
  containerId: string;
  netns: string;
  ifName: string;
  /** Dirs searched for the plugin's executable, in order (CNI_PATH). */
  pluginDirs: string[];
  networkName: string;
  cniVersion: string;
  plugin: PluginConfig;
  prevResult?: CniResult;
  /** Capability values, given to a plugin only for the capabilities it declares (dnsname's aliases: by network). */
  capabilityArgs?: { portMappings?: PortMapping[]; aliases?: Record<string, string[]> };
  /** The container's name, as K8S_POD_NAME (podman's): the name dnsname serves; default its ID. */
  containerName?: string;
  /** More CNI_ARGS: podman's static IP= (host-local) and MAC= (tuning). */
  cniArgs?: Record<string, string>;
}

/** Runs the plugin; resolves to its result for ADD, to undefined for DEL and CHECK. */
export async function invokePlugin(inv: PluginInvocation): Promise<CniResult | undefined> {
  const executable = await findPlugin(inv.plugin.type, inv.pluginDirs);
  const { stdout, stderr, code } = await run(executable, pluginEnv(inv), JSON.stringify(pluginStdin(inv)));
  if (code !== 0) throw pluginError(inv, stdout, stderr, code);
  if (inv.command !== 'ADD') return undefined;
  try {
    return JSON.parse(stdout) as CniResult;
  } catch (cause) {
    throw new NetworkError('plugin-failed', `CNI plugin ${inv.plugin.type} printed no JSON result for ADD`, { plugin: inv.plugin.type, network: inv.networkName, stdout }, { cause });
  }
}

async function findPlugin(type: string, dirs: readonly string[]): Promise<string> {
  const found = await installedPlugin(type, dirs);
  if (found === undefined) throw new NetworkError('plugin-missing', `CNI plugin "${type}" is in none of ${dirs.join(':')}`, { plugin: type, dirs });
  return found;
}

/** The executable of plugin `type` in the first of `dirs` that has it (CNI_PATH's order), or undefined where none does. */
export async function installedPlugin(type: string, dirs: readonly string[]): Promise<string | undefined> {
  // A conflist names a plugin, not a path: `../../bin/sh` must not run.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(type)) {
    throw new NetworkError('config-invalid', `CNI plugin type ${JSON.stringify(type)} is not a plain executable name`, { plugin: type });
  }
  for (const dir of dirs) {
    const candidate = join(dir, type);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch { /* try the next dir */ }
  }
  return undefined;
}

function pluginEnv(inv: PluginInvocation): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
    CNI_COMMAND: inv.command,
    CNI_CONTAINERID: inv.containerId,
    CNI_NETNS: inv.netns,
    CNI_IFNAME: inv.ifName,
    CNI_PATH: inv.pluginDirs.join(':'),
    CNI_ARGS: [`IgnoreUnknown=1;K8S_POD_NAME=${inv.containerName ?? inv.containerId}`, ...Object.entries(inv.cniArgs ?? {}).map(([key, value]) => `${key}=${value}`)].join(';'),
  };
}

function pluginStdin(inv: PluginInvocation): Record<string, unknown> {
  const config: Record<string, unknown> = { ...inv.plugin, name: inv.networkName, cniVersion: inv.cniVersion };
  delete config.capabilities;
  // libcni passes a capability's value only to plugins that declare it, under runtimeConfig.
  const runtimeConfig: Record<string, unknown> = {};
  for (const [cap, on] of Object.entries(inv.plugin.capabilities ?? {})) {
    const value = (inv.capabilityArgs as Record<string, unknown> | undefined)?.[cap];
    if (on && value !== undefined) runtimeConfig[cap] = value;
  }
  if (Object.keys(runtimeConfig).length > 0) config.runtimeConfig = runtimeConfig;
  if (inv.prevResult) config.prevResult = inv.prevResult;
  return config;
}

function pluginError(inv: PluginInvocation, stdout: string, stderr: string, exitCode: number | null): NetworkError {
  let cniCode: unknown;
  let msg = stderr.trim() || `exit ${exitCode}`;
  let details: unknown;
  try {
    const parsed = JSON.parse(stdout) as { code?: unknown; msg?: unknown; details?: unknown };
    cniCode = parsed.code;
    if (typeof parsed.msg === 'string') msg = parsed.msg;
    details = parsed.details;
  } catch { /* not a CNI error object: keep stderr */ }
  return new NetworkError('plugin-failed', `CNI plugin ${inv.plugin.type} ${inv.command} on network ${inv.networkName}: ${msg}`,
    { plugin: inv.plugin.type, network: inv.networkName, command: inv.command, cniCode, msg, details, exitCode });
}

function run(file: string, env: NodeJS.ProcessEnv, input: string): Promise<{ stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, [], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), code }));
    child.stdin.end(input);
  });
}
