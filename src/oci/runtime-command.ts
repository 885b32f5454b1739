// One command of an OCI runtime's CLI (`runc --root R state <id>`, `crun …
// kill <id> 15`), its output captured, its refusals typed: CRI-O's runtimeCmd.

import { accessSync, closeSync, constants } from 'node:fs';
import { OciError } from './errors.js';
import type { RuntimeHandler } from './handlers.js';
import { exitCodeOf, readOutput, sealedExecutable, spawnProcess, type SpawnOptions, type SpawnedProcess } from '../util/index.js';

export interface CommandResult {
  stdout: Buffer;
  stderr: Buffer;
}

// runc: "container does not exist", "container not running", "invalid process";
// crun: "No such process" (capitalised, which CRI-O's case-sensitive match misses).
const NOT_FOUND = /container does not exist|container not running|invalid process|no such process|error opening file `[^`]*\/status`|cannot open directory/i;

/** Runs `<runtime> --root <root> <args…>`; rejects with a typed error unless it exits 0. */
export async function runtimeCommand(handler: RuntimeHandler, args: string[]): Promise<CommandResult> {
  requireExecutable(handler.path, `runtime ${handler.name}`);
  const child = spawnRuntime(handler, ['--root', handler.root, ...args]);
  let result: CommandResult;
  let code: number;
  try {
    code = exitCodeOf(await child.exited);
    result = { stdout: readOutput(child.outputs.get(1)!), stderr: readOutput(child.outputs.get(2)!) };
  } finally {
    for (const fd of child.outputs.values()) closeSync(fd);
  }
  if (code === 0) return result;
  const said = runtimeMessage(result.stderr);
  const detail = { runtime: handler.name, args, exitCode: code, stderr: said };
  if (NOT_FOUND.test(said)) throw new OciError('container-not-found', `${handler.name} ${args[0]}: ${said}`, detail);
  throw new OciError('runtime-failed', `${handler.name} ${args[0]} failed (exit ${code}): ${said}`, detail);
}

/**
 * The runtime started from its sealed copy when it wants one, else (or when
 * no copy can be made or started: no memfd, a policy against executing one)
 * from its path, where it makes its own copy. Its output is small and wanted
 * once it has exited: memory files, not pipes to drain meanwhile.
 */
function spawnRuntime(handler: RuntimeHandler, args: string[]): SpawnedProcess {
  const options: SpawnOptions = { fds: ['ignore', 'to-memory', 'to-memory'], env: process.env, argv0: handler.path };
  if (handler.execSealedCopy) {
    try {
      return spawnProcess(sealedExecutable(handler.path), args, options);
    } catch {
      // As it is, below; its own error (a missing binary) comes from that start.
    }
  }
  return spawnProcess(handler.path, args, options);
}

/** runc logs `time="…" level=error msg="…"`; crun prints the message plainly. */
function runtimeMessage(stderr: Buffer | string): string {
  const text = stderr.toString().trim();
  const logfmt = /msg="((?:[^"\\]|\\.)*)"/.exec(text);
  if (logfmt?.[1] !== undefined) return logfmt[1].replace(/\\(.)/g, '$1');
  return text;
}

export function requireExecutable(path: string, what: string): void {
  try {
    accessSync(path, constants.X_OK);
  } catch (err) {
    throw new OciError('binary-missing', `${what}: ${path} is missing or not executable`, { path }, { cause: err });
  }
}
