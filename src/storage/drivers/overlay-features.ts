// What the kernel's overlayfs can do here, probed with test mounts in the
// driver home and cached in `<runRoot>/overlay/<feature>-true|false` exactly as
// the Go driver caches it, so both read each other's results.

import { closeSync, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdMappings } from '../../idmap/index.js';
import { isErrno } from '../../util/index.js';
import { archiveModule } from './archive-module.js';
import { isDriverError } from './errors.js';
import { detachMount, idmappedBind, mountSyscall, parseMountOptions, userNamespaceFd } from './mount-syscalls.js';

/**
 * The cached answer for `feature`, or undefined when no process has probed it
 * since boot. Synchronous, as the rest of the driver's start-up: see OverlayDriver.init.
 */
export function cachedFeature(runHome: string, feature: string): boolean | undefined {
  if (existsSync(join(runHome, `${feature}-true`))) return true;
  if (existsSync(join(runHome, `${feature}-false`))) return false;
  return undefined;
}

/** Go's cachedFeatureRecord: an empty file (or the reason, for a `-false`), 0644 after umask. */
export async function recordFeature(runHome: string, feature: string, supported: boolean, text = ''): Promise<void> {
  await writeFile(join(runHome, `${feature}-${supported}`), text, { mode: 0o666 });
}

/** The cached answer, else `probe()`'s, recorded for the next process. */
export async function featureCheck(runHome: string, feature: string, probe: () => Promise<boolean>): Promise<boolean> {
  const cached = cachedFeature(runHome, feature);
  if (cached !== undefined) return cached;
  const supported = await probe();
  await recordFeature(runHome, feature, supported);
  return supported;
}

/** Go's supportsOverlay: an overlay with two lowers mounts in the home. */
export async function probeOverlay(home: string): Promise<boolean> {
  return inScratchDir(home, 'compat', async (dir) => {
    await makeDirs(dir, ['lower1', 'lower2', 'upper', 'work', 'merged']);
    const data = `lowerdir=${dir}/lower1:${dir}/lower2,upperdir=${dir}/upper,workdir=${dir}/work`;
    return withTestMount(dir, 0, data, async () => true, () => false);
  });
}

/** Go's doesMetacopy: a chmod through the mount leaves a metadata-only copy in the upper dir. */
export async function probeMetacopy(home: string, mountOptions: string): Promise<boolean> {
  const { readXattr } = await archiveModule();
  return inScratchDir(home, 'metacopy-check', async (dir) => {
    await makeDirs(dir, ['l1', 'l2', 'work', 'merged']);
    await writeFile(join(dir, 'l1', 'f'), Buffer.from([0xff]), { mode: 0o700 });
    const { flags, data } = parseMountOptions(mountOptions);
    const options = `lowerdir=${dir}/l1,upperdir=${dir}/l2,workdir=${dir}/work` + (data ? `,${data}` : '');
    return withTestMount(dir, flags, options, async () => {
      await chmod(join(dir, 'merged', 'f'), 0o600);
      return readXattr(join(dir, 'l2', 'f'), 'trusted.overlay.metacopy') !== null;
    }, () => false);
  });
}

/**
 * Go's doesSupportNativeDiff: the upper dir alone describes a layer only if
 * copying up an opaque directory does not copy its opaque flag and renaming a
 * lower directory is refused (EXDEV) rather than recorded as a redirect.
 * The opaque lower directory is made by the kernel itself (rmdir + mkdir
 * through a first mount), which needs no xattr writes.
 */
export async function probeNativeDiff(home: string, mountOptions: string): Promise<boolean> {
  const { readXattr } = await archiveModule();
  return inScratchDir(home, 'opaque-bug-check', async (dir) => {
    await makeDirs(dir, ['l0/d', 'l1/d', 'l1/d1', 'l2', 'l3', 'work0', 'work', 'merged']);
    await withTestMount(dir, 0, `lowerdir=${dir}/l0,upperdir=${dir}/l2,workdir=${dir}/work0`, async () => {
      await rmdir(join(dir, 'merged', 'd'));
      await mkdir(join(dir, 'merged', 'd'), 0o755);
      return true;
    });
    const { flags, data } = parseMountOptions(mountOptions);
    const options = `lowerdir=${dir}/l2:${dir}/l1,upperdir=${dir}/l3,workdir=${dir}/work` + (data ? `,${data}` : '');
    return withTestMount(dir, flags, options, async () => {
      await writeFile(join(dir, 'merged', 'd', 'f'), '');
      if (readXattr(join(dir, 'l3', 'd'), 'trusted.overlay.opaque')?.toString() === 'y') return false;
      try {
        await rename(join(dir, 'merged', 'd1'), join(dir, 'merged', 'd2'));
      } catch (err) {
        if (isErrno(err, 'EXDEV')) return true;
        throw err;
      }
      return readXattr(join(dir, 'l3', 'd2'), 'trusted.overlay.redirect')?.toString() !== 'd1';
    });
  });
}

/** Go's doesVolatile: the `volatile` mount option is accepted. */
export async function probeVolatile(home: string): Promise<boolean> {
  return inScratchDir(home, 'volatile-check', async (dir) => {
    await makeDirs(dir, ['lower', 'upper', 'work', 'merged']);
    const data = `lowerdir=${dir}/lower,upperdir=${dir}/upper,workdir=${dir}/work,volatile`;
    return withTestMount(dir, 0, data, async () => true, () => false);
  });
}

/**
 * Go's supportsIdmappedLowerLayers: an overlay mounts on a lower that is an
 * idmapped mount (through a namespace mapping 0 to 0). Any failure on the way
 * (no user namespaces, no MOUNT_ATTR_IDMAP, an fs that refuses it) means no.
 */
export async function probeIdmappedLowers(home: string): Promise<boolean> {
  return inScratchDir(home, 'compat', async (dir) => {
    await makeDirs(dir, ['merged', 'lower', 'lower-mapped', 'upper', 'work'], 0o700);
    const identity = [{ containerId: 0, hostId: 0, size: 1 }];
    let usernsFd: number;
    try {
      usernsFd = userNamespaceFd(new IdMappings(identity, identity));
    } catch (err) {
      if (isDriverError(err, 'idmap-failed')) return false;
      throw err;
    }
    const mapped = join(dir, 'lower-mapped');
    try {
      idmappedBind(join(dir, 'lower'), mapped, usernsFd);
    } catch (err) {
      if (isDriverError(err, 'idmap-failed')) return false;
      throw err;
    } finally {
      closeSync(usernsFd);
    }
    try {
      return await withTestMount(dir, 0, `lowerdir=${mapped},upperdir=${dir}/upper,workdir=${dir}/work`, async () => true, () => false);
    } finally {
      detachMount(mapped);
    }
  });
}

async function inScratchDir<T>(home: string, prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(home, prefix));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeDirs(dir: string, names: string[], mode = 0o755): Promise<void> {
  for (const name of names) await mkdir(join(dir, name), { recursive: true, mode });
}

/** Mounts overlay on `<dir>/merged`, runs `body`, always unmounts; `onMountError` decides a refused mount. */
async function withTestMount(dir: string, flags: number, data: string, body: () => Promise<boolean>, onMountError?: () => boolean): Promise<boolean> {
  const target = join(dir, 'merged');
  try {
    mountSyscall('overlay', target, 'overlay', flags, data);
  } catch (err) {
    if (onMountError && isDriverError(err, 'mount-failed')) return onMountError();
    throw err;
  }
  try {
    return await body();
  } finally {
    detachMount(target);
  }
}
