// `cp` between the host and a container's root filesystem. Paths inside the
// container are resolved as if its root were `/` (symlinks and `..` cannot
// leave it); copies into it go through the archive's confined apply, so a
// symlink the container planted cannot redirect a write to the host.

import { spawn } from 'node:child_process';
import { lstatSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer } from '../archive/index.js';
import { resolveInRoot } from '../util/index.js';
import { EngineError } from './errors.js';

/** Copies the container's `path` (file or tree, symlinks kept as links) to `hostTarget` with tar. */
export async function copyOut(root: string, path: string, hostTarget: string): Promise<void> {
  const source = resolveInRoot(root, path);
  try {
    lstatSync(source);
  } catch (err) {
    throw new EngineError('invalid-option', `${path} does not exist in the container`, { path }, { cause: err });
  }
  const toDirectory = kindOf(hostTarget) === 'directory';
  const targetDir = toDirectory ? hostTarget : dirname(hostTarget);
  const transform = toDirectory ? [] : [renameTransform(basename(source), basename(hostTarget))];
  const reader = spawn('tar', ['-C', dirname(source), '-cf', '-', basename(source)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = spawn('tar', ['-C', targetDir, '-xf', '-', ...transform], { stdio: ['pipe', 'ignore', 'pipe'] });
  reader.stdout.pipe(writer.stdin);
  await Promise.all([exited(reader, 'tar -c'), exited(writer, 'tar -x')]);
}

/** How a copy into a container writes: `owner` (podman's --archive, its default) the files' owner on the host side of the container's ID maps; `overwrite` a directory replaced by a file or the reverse. */
export interface CopyInOptions {
  owner?: { uid: number; gid: number };
  overwrite?: boolean;
}

/**
 * Copies `hostSource` into the container at `path` (into it when it is an
 * existing directory, else as that name): a tar of it, names prefixed with
 * the destination, applied by the archive's confined apply into the root.
 * A directory is not replaced by a file, nor the reverse, unless `overwrite`.
 */
export async function copyIn(root: string, hostSource: string, path: string, options: CopyInOptions = {}): Promise<void> {
  const resolved = resolveInRoot(root, path);
  const inside = posix.relative(root, resolved);
  const destination = kindOf(resolved) === 'directory' ? posix.join(inside, basename(hostSource)) : inside;
  if (destination === '' || destination.startsWith('..')) throw new EngineError('invalid-option', `cannot copy onto the container's root ${path}`, { path });
  const there = kindOf(resolveInRoot(root, destination));
  const given = kindOf(hostSource);
  if (!options.overwrite && there !== undefined && given !== undefined && (there === 'directory') !== (given === 'directory')) {
    throw new EngineError('invalid-option', `copier: put: error creating "/${destination}": a ${there} is there, and the copy is a ${given} (--overwrite replaces it)`, { path: destination });
  }
  const owner = options.owner ? [`--owner=${options.owner.uid}`, `--group=${options.owner.gid}`, '--numeric-owner'] : [];
  const reader = spawn('tar', ['-C', dirname(hostSource), ...owner, '-cf', '-', renameTransform(basename(hostSource), destination), basename(hostSource)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await Promise.all([
    applyLayer(root, reader.stdout as Readable, { whiteoutFormat: 'overlay' }),
    exited(reader, 'tar -c'),
  ]);
}

/** `directory`, `file` (anything else), or undefined where nothing is. */
function kindOf(path: string): 'directory' | 'file' | undefined {
  try {
    return lstatSync(path).isDirectory() ? 'directory' : 'file';
  } catch {
    return undefined;
  }
}

/** A `--transform=s,FROM,TO,` expression that renames exactly `from` at the start of each name. */
function renameTransform(from: string, to: string): string {
  const pattern = from.replace(/[\\,.[\]*^$]/g, '\\$&');
  const replacement = to.replace(/[\\,&]/g, '\\$&');
  return `--transform=s,^${pattern},${replacement},`;
}

/** Resolves when `child` exits 0; else rejects with its stderr, as `${what} failed: …`. */
export function exited(child: ReturnType<typeof spawn>, what: string): Promise<void> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new EngineError('invalid-option', `${what} failed: ${stderr.trim()}`, { code }))));
  });
}
