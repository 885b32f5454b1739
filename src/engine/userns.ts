// What podman does to the host side of a container that runs in a user
// namespace, so that the runtime, working as the namespace's root, reaches its
// root filesystem and directories: the container's directories and mount point
// are given to that root (libpod setupStorage and mount), and every directory
// above them that root could not pass through gets search permission for all
// (libpod makeAccessible: `<graph>` and `<graph>/overlay`, 0700 → 0711).

import { chownSync, chmodSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { IdMappings, type IDMap } from '../idmap/index.js';

export interface UserNamespaceDirs {
  /** The store container's mount point (the root filesystem). */
  rootfs: string;
  /** Its directories under the graph and the run root. */
  persistDir: string;
  bundlePath: string;
}

/**
 * Chowns the dirs to the maps' root; then, unless this process's UID is
 * mapped into the namespace (podman's hasCurrentUserMapped), opens the way
 * down to each of them as makeAccessible does.
 */
export function prepareUserNamespaceDirs(dirs: UserNamespaceDirs, maps: { uidMap: IDMap[]; gidMap: IDMap[] }): void {
  const root = new IdMappings(maps.uidMap, maps.gidMap).rootPair();
  for (const dir of [dirs.bundlePath, dirs.persistDir, dirs.rootfs]) chownSync(dir, root.uid, root.gid);
  const uid = process.geteuid?.() ?? 0;
  if (maps.uidMap.some((m) => uid >= m.hostId && uid < m.hostId + m.size)) return;
  for (const dir of [dirs.bundlePath, dirs.persistDir, dirs.rootfs]) makeAccessible(dir, root.uid, root.gid);
}

/** From `path` up to `/`: a directory not owned by uid:gid without x for all gets it (mode | 0o111). */
function makeAccessible(path: string, uid: number, gid: number): void {
  for (; path !== '/'; path = dirname(path)) {
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) return;
    if (st.uid === uid && st.gid === gid) continue;
    if ((st.mode & 0o111) !== 0o111) chmodSync(path, (st.mode | 0o111) & 0o7777);
  }
}
