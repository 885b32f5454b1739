// Runs an external tool (Go CLI, podman, skopeo, berth's own CLI) to completion
// and returns its exit code and output, for tests that compare against it.

import { spawn } from 'node:child_process';

export interface ToolResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export interface ToolOptions {
  /** Bytes written to the tool's stdin (stdin is closed either way). */
  input?: Buffer | string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export class ToolFailedError extends Error {
  constructor(readonly command: string, readonly result: ToolResult) {
    super(`${command} exited ${result.code}: ${result.stderr.trim() || result.stdout.toString().trim()}`);
    this.name = 'ToolFailedError';
  }
}

/** Runs `cmd args…`; resolves whatever the exit code is. */
export function runTool(cmd: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() });
    });
    // A tool that exits without reading its stdin makes the write fail with EPIPE; the exit code tells the story.
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs `cmd args…` and rejects with the tool's stderr unless it exits 0. */
export async function runToolOk(cmd: string, args: string[], options: ToolOptions = {}): Promise<ToolResult> {
  const result = await runTool(cmd, args, options);
  if (result.code !== 0) throw new ToolFailedError(`${cmd} ${args.join(' ')}`, result);
  return result;
}
