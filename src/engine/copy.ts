// `cp` between the host and a container's root filesystem. Paths inside the
// container are resolved as if its root were `/` (symlinks and `..` cannot
// leave it); copies into it go through the archive's confined apply, so a
// symlink the container planted cannot redirect a write to the host.

import { spawn } from 'node:child_process';
import { lstatSync, readlinkSync } from 'node:fs';
import { basename, dirname, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { applyLayer } from '../archive/index.js';
import { EngineError } from './errors.js';

const MAX_SYMLINKS = 40;

/** The host path of `path` inside `root`, following symlinks as a chroot would. */
export function resolveInRoot(root: string, path: string): string {
  let resolved: string[] = [];
  let pending = posix.normalize(`/${path}`).split('/').filter(Boolean);
  for (let links = 0; pending.length > 0; ) {
    const name = pending.shift()!;
    if (name === '.') continue;
    if (name === '..') {
      resolved.pop();
      continue;
    }
    const host = posix.join(root, ...resolved, name);
    let target: string | undefined;
    try {
      target = lstatSync(host).isSymbolicLink() ? readlinkSync(host) : undefined;
    } catch {
      target = undefined; // Does not exist (yet): the rest is taken literally.
    }
    if (target === undefined) {
      resolved.push(name);
      continue;
    }
    if (++links > MAX_SYMLINKS) throw new EngineError('invalid-option', `too many levels of symbolic links in ${path}`, { path });
    if (target.startsWith('/')) resolved = [];
    pending = [...target.split('/').filter(Boolean), ...pending];
  }
  return posix.join(root, ...resolved);
}

/** Copies the container's `path` (file or tree, symlinks kept as links) to `hostTarget` with tar. */
export async function copyOut(root: string, path: string, hostTarget: string): Promise<void> {
  const source = resolveInRoot(root, path);
  try {
    lstatSync(source);
  } catch (err) {
    throw new EngineError('invalid-option', `${path} does not exist in the container`, { path }, { cause: err });
  }
  const toDirectory = isDirectory(hostTarget);
  const targetDir = toDirectory ? hostTarget : dirname(hostTarget);
  const transform = toDirectory ? [] : [renameTransform(basename(source), basename(hostTarget))];
  const reader = spawn('tar', ['-C', dirname(source), '-cf', '-', basename(source)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const writer = spawn('tar', ['-C', targetDir, '-xf', '-', ...transform], { stdio: ['pipe', 'ignore', 'pipe'] });
  reader.stdout.pipe(writer.stdin);
  await Promise.all([exited(reader, 'tar -c'), exited(writer, 'tar -x')]);
}

/**
 * Copies `hostSource` into the container at `path` (into it when it is an
 * existing directory, else as that name): a tar of it, names prefixed with
 * the destination, applied by the archive's confined apply into the root.
 */
export async function copyIn(root: string, hostSource: string, path: string): Promise<void> {
  const resolved = resolveInRoot(root, path);
  const inside = posix.relative(root, resolved);
  const destination = isDirectory(resolved) ? posix.join(inside, basename(hostSource)) : inside;
  if (destination === '' || destination.startsWith('..')) throw new EngineError('invalid-option', `cannot copy onto the container's root ${path}`, { path });
  const reader = spawn('tar', ['-C', dirname(hostSource), '-cf', '-', renameTransform(basename(hostSource), destination), basename(hostSource)], { stdio: ['ignore', 'pipe', 'pipe'] });
  await Promise.all([
    applyLayer(root, reader.stdout as Readable, { whiteoutFormat: 'overlay' }),
    exited(reader, 'tar -c'),
  ]);
}

function isDirectory(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
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
