// containers/storage's pkg/idtools mappings: how a container's UIDs and GIDs
// are stored on the host. A layer or container with maps keeps its files with
// host IDs (container ID shifted through the map); tars in and out carry the
// container's IDs. No map means the identity.

import { readFileSync } from 'node:fs';
import { IdSet } from './id-set.js';

/** One range: container IDs [containerId, containerId + size) are host IDs [hostId, …). */
export interface IDMap {
  containerId: number;
  hostId: number;
  size: number;
}

export interface IdPair {
  uid: number;
  gid: number;
}

export class IdMappingError extends Error {
  constructor(message: string, readonly id: number) {
    super(message);
    this.name = 'IdMappingError';
  }
}

/** Go's RawToHost: a container ID through the map; the identity when there is no map. */
export function idToHost(containerId: number, maps: readonly IDMap[] | undefined): number {
  if (!maps?.length) return containerId;
  for (const m of maps) {
    if (containerId >= m.containerId && containerId < m.containerId + m.size) return m.hostId + (containerId - m.containerId);
  }
  throw new IdMappingError(`container ID ${containerId} cannot be mapped to a host ID`, containerId);
}

/** Go's RawToContainer: a host ID back through the map. */
export function idToContainer(hostId: number, maps: readonly IDMap[] | undefined): number {
  if (!maps?.length) return hostId;
  for (const m of maps) {
    if (hostId >= m.hostId && hostId < m.hostId + m.size) return m.containerId + (hostId - m.hostId);
  }
  throw new IdMappingError(`host ID ${hostId} cannot be mapped to a container ID`, hostId);
}

/** A UID map and a GID map together (Go's IDMappings). */
export class IdMappings {
  readonly uids: readonly IDMap[];
  readonly gids: readonly IDMap[];

  constructor(uids?: readonly IDMap[], gids?: readonly IDMap[]) {
    this.uids = uids ?? [];
    this.gids = gids ?? [];
  }

  get isIdentity(): boolean {
    return this.uids.length === 0 && this.gids.length === 0;
  }

  /** Whether both maps are the same ranges in the same order (Go compares with reflect.DeepEqual). */
  equals(other: IdMappings): boolean {
    return sameMaps(this.uids, other.uids) && sameMaps(this.gids, other.gids);
  }

  /**
   * Go's GetRootUIDGID, errors ignored as RootPair does: the host IDs of the
   * container's root; a map of one ID of size 1 names root whatever its container ID.
   */
  rootPair(): IdPair {
    return { uid: rootId(this.uids), gid: rootId(this.gids) };
  }

  toHost(pair: IdPair): IdPair {
    return { uid: idToHost(pair.uid, this.uids), gid: idToHost(pair.gid, this.gids) };
  }

  toContainer(pair: IdPair): IdPair {
    return { uid: idToContainer(pair.uid, this.uids), gid: idToContainer(pair.gid, this.gids) };
  }

  /** Go's ToHostOverflow: root's IDs stay root's; an ID the map lacks becomes the kernel's overflow ID. */
  toHostOverflow(pair: IdPair): IdPair {
    const root = this.rootPair();
    return {
      uid: pair.uid === root.uid ? root.uid : orOverflow(() => idToHost(pair.uid, this.uids), 'uid'),
      gid: pair.gid === root.gid ? root.gid : orOverflow(() => idToHost(pair.gid, this.gids), 'gid'),
    };
  }
}

/**
 * Go's IsContiguous: the ranges, in host order, follow one another with no
 * gap, and so do they in container order (one ID space shifted by one
 * offset, which an idmapped mount can express as the store needs it).
 */
export function isContiguous(maps: readonly IDMap[] | undefined): boolean {
  if (!maps || maps.length < 2) return true;
  const gapless = (key: 'hostId' | 'containerId') => {
    const sorted = [...maps].sort((x, y) => x[key] - y[key]);
    return sorted.every((m, i) => i === 0 || m[key] === sorted[i - 1]![key] + sorted[i - 1]!.size);
  };
  return gapless('hostId') && gapless('containerId');
}

function sameMaps(a: readonly IDMap[], b: readonly IDMap[]): boolean {
  return a.length === b.length && a.every((m, i) => m.containerId === b[i]!.containerId && m.hostId === b[i]!.hostId && m.size === b[i]!.size);
}

function rootId(maps: readonly IDMap[]): number {
  if (maps.length === 1 && maps[0]!.size === 1) return maps[0]!.hostId;
  try {
    return idToHost(0, maps);
  } catch {
    return 0;
  }
}

function orOverflow(map: () => number, kind: 'uid' | 'gid'): number {
  try {
    return map();
  } catch {
    return overflowId(kind);
  }
}

const overflow = new Map<string, number>();

/** /proc/sys/kernel/overflow{uid,gid}, 65534 where the kernel has none (as Go reads it). */
function overflowId(kind: 'uid' | 'gid'): number {
  let id = overflow.get(kind);
  if (id === undefined) {
    id = 65534;
    try {
      const read = Number.parseInt(readFileSync(`/proc/sys/kernel/overflow${kind}`, 'utf8'), 10);
      if (Number.isSafeInteger(read)) id = read;
    } catch {
      // No such file: the old kernels' value.
    }
    overflow.set(kind, id);
  }
  return id;
}

/**
 * Go's ParseIDMap for the CLI's `--uidmap 0:100000:65536` (container:host:size
 * triples, several joined by colons: `0:1000:1:1:100000:65535`) and
 * storage.conf's `remap-uids`; `setting` names the input in the error.
 */
export function parseIdMapSpecs(specs: readonly string[], setting: string): IDMap[] {
  const maps: IDMap[] = [];
  const malformed = () => new IdMappingError(`initializing ID mappings: ${setting} setting is malformed expected ["uint32:uint32:uint32"]: ${JSON.stringify(specs)}`, Number.NaN);
  for (const spec of specs) {
    if (spec === '') continue;
    const fields = spec.split(':');
    if (fields.length % 3 !== 0) throw malformed();
    const numbers = fields.map((f) => (/^\d+$/.test(f) ? Number(f) : Number.NaN));
    if (numbers.some((n) => !Number.isSafeInteger(n) || n > 0xffffffff)) throw malformed();
    for (let i = 0; i < numbers.length; i += 3) maps.push({ containerId: numbers[i]!, hostId: numbers[i + 1]!, size: numbers[i + 2]! });
  }
  return maps;
}

/**
 * Go's NewIDMappings(user, group): the ranges /etc/subuid and /etc/subgid
 * give the name, in file order, mapped to container IDs 0, 1, … one after
 * another. `files` points elsewhere for tests.
 */
export function subIdMappings(user: string, group: string, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): { uidMap: IDMap[]; gidMap: IDMap[] } {
  const uidMap = subIdRanges(files.subuid, user);
  const gidMap = subIdRanges(files.subgid, group);
  if (uidMap.length === 0) throw new IdMappingError(`no subuid ranges found for user ${JSON.stringify(user)} in ${files.subuid}`, Number.NaN);
  if (gidMap.length === 0) throw new IdMappingError(`no subgid ranges found for group ${JSON.stringify(group)} in ${files.subgid}`, Number.NaN);
  return { uidMap, gidMap };
}

function subIdRanges(file: string, name: string): IDMap[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new IdMappingError(`reading ${file}: ${(err as Error).message}`, Number.NaN);
  }
  const maps: IDMap[] = [];
  let next = 0;
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== name || !/^\d+$/.test(start ?? '') || !/^\d+$/.test(count ?? '')) continue;
    maps.push({ containerId: next, hostId: Number(start), size: Number(count) });
    next += Number(count);
  }
  return maps;
}

/**
 * Go's getAutoUserNSIDMappings: `size` container IDs (0…size-1, less those
 * the additional maps cover) mapped to the lowest available host IDs that no
 * container uses and no additional map names, then the additional maps.
 */
export function allocateUserNamespace(request: {
  size: number;
  available: { uids: IDMap[]; gids: IDMap[] };
  used: { uids: IDMap[]; gids: IDMap[] };
  additional?: { uids?: IDMap[]; gids?: IDMap[] };
}): { uidMap: IDMap[]; gidMap: IDMap[] } {
  const allocate = (available: IDMap[], used: IDMap[], additional: IDMap[], kind: string): IDMap[] => {
    const wanted = new IdSet([{ start: 0, end: request.size }]).subtract(IdSet.containerIds(additional));
    const free = IdSet.hostIds(available).subtract(IdSet.hostIds([...used, ...additional])).take(wanted.size);
    if (!free) throw new IdMappingError(`not enough unused IDs in user namespace (${kind}s: ${wanted.size} wanted)`, request.size);
    return [...free.zip(wanted), ...additional];
  };
  return {
    uidMap: allocate(request.available.uids, request.used.uids, request.additional?.uids ?? [], 'UID'),
    gidMap: allocate(request.available.gids, request.used.gids, request.additional?.gids ?? [], 'GID'),
  };
}
