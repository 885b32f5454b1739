// The overlay mount call for one layer: Go's mount data (absolute paths) in
// one mount(2) when it fits in a page; otherwise the new mount API with one
// `lowerdir+` per lower (Linux 6.8+: no limit but the lower count), and on
// kernels without it Go's fallback — relative `l/<name>` lowers resolved from
// the driver home as the working directory.

import { join } from 'node:path';
import { isErrno } from '../../util/index.js';
import { DriverError } from './errors.js';
import { fsMountSyscall, mountSyscall, parseMountOptions } from './mount-syscalls.js';
import { runProgram } from './run-program.js';

/** mount(2) refuses data longer than a page; Go compares against the page size (4096 here). */
const PAGE_SIZE = 4096;

export interface OverlayMountRequest {
  home: string;
  id: string;
  /** `l/<name>` entries, nearest first; empty for a base layer. */
  lowers: string[];
  /** The absolute path of a lower entry (in the home or an additional image store). */
  lowerPath(lower: string): string;
  readWrite: boolean;
  /** Mount options after the lowerdir/upperdir/workdir items (`nodev`, `volatile`, …). */
  options: string[];
}

/** Mounts the layer on `<home>/<id>/merged` and returns the mount data used. */
export async function mountOverlayLayer(request: OverlayMountRequest): Promise<string> {
  const { home, id } = request;
  const absolute = mountData(request, (p) => join(home, p), request.lowerPath);
  if (absolute.length < PAGE_SIZE) {
    const { flags, data } = parseMountOptions(absolute);
    mountSyscall('overlay', join(home, id, 'merged'), 'overlay', flags, data);
    return absolute;
  }
  if (newMountApi !== false) {
    try {
      const { flags, data } = parseMountOptions(request.options.filter((o) => o !== '').join(','));
      const params = ['source=overlay', ...layerDirParams(request, (p) => join(home, p)), ...(data ? data.split(',') : [])];
      fsMountSyscall('overlay', join(home, id, 'merged'), params, flags);
      newMountApi = true;
      return params.join(',');
    } catch (err) {
      // ENOSYS: no fsopen (before 5.2); EINVAL on `lowerdir+`: overlay without it (before 6.8).
      const cause = (err as { cause?: unknown }).cause;
      const missing = isErrno(cause, 'ENOSYS') || (isErrno(cause, 'EINVAL') && /fsconfig lowerdir\+/.test((cause as Error).message));
      if (!missing) throw err;
      newMountApi = false;
    }
  }
  // Relative lowers name links in the home only.
  const relative = mountData(request, (p) => p, (lower) => lower);
  if (relative.length >= PAGE_SIZE) {
    throw new DriverError('mount-data-too-large', `cannot mount layer "${id}", mount data too large ${relative.length} >= page size ${PAGE_SIZE}`, { id });
  }
  await mountFromHome(home, join(id, 'merged'), relative);
  return relative;
}

/** Whether this kernel's overlay takes `lowerdir+` through fsconfig; learnt at the first large mount. */
let newMountApi: boolean | undefined;

/** The new mount API's parameters for the layer's directories: `lowerdir+` per lower, then upper and work. */
function layerDirParams(request: OverlayMountRequest, place: (relative: string) => string): string[] {
  const { id, lowers, readWrite } = request;
  const lowerDirs = lowers.length > 0 ? lowers.map(request.lowerPath) : [place(join(id, 'empty'))];
  const diff = place(join(id, 'diff'));
  if (!readWrite) return [diff, ...lowerDirs].map((dir) => `lowerdir+=${dir}`);
  return [...lowerDirs.map((dir) => `lowerdir+=${dir}`), `upperdir=${diff}`, `workdir=${place(join(id, 'work'))}`];
}

/**
 * `lowerdir=…,upperdir=…,workdir=…[,options]` (read-only: `lowerdir=<diff>:<lowers>`),
 * every path given relative to the home and passed through `place`.
 */
function mountData(request: OverlayMountRequest, place: (relative: string) => string, placeLower: (lower: string) => string): string {
  const { id, lowers, readWrite, options } = request;
  const lowerDirs = lowers.length > 0 ? lowers.map(placeLower) : [place(join(id, 'empty'))];
  const diff = place(join(id, 'diff'));
  const base = readWrite
    ? `lowerdir=${lowerDirs.join(':')},upperdir=${diff},workdir=${place(join(id, 'work'))}`
    : `lowerdir=${diff}:${lowerDirs.join(':')}`;
  const extra = options.filter((o) => o !== '');
  return extra.length > 0 ? `${base},${extra.join(',')}` : base;
}

/**
 * v1.43 re-executes itself chdir'd into the home for this case. A process-wide
 * chdir is unsafe in Node (libuv's threads resolve relative paths against it),
 * so mount(8) runs as a child with the home as its working directory; mount(8)
 * turns flag words such as `nodev` into MS_* bits itself.
 */
async function mountFromHome(home: string, target: string, options: string): Promise<void> {
  try {
    await runProgram('mount', ['-t', 'overlay', '-o', options, 'overlay', target], { cwd: home });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim() ?? '';
    throw new DriverError('mount-failed', `mounting overlay on "${join(home, target)}" (relative lowers): ${stderr || (err as Error).message}`, { target }, { cause: err });
  }
}
