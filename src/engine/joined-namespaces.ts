// Containers that join another container's namespaces (podman's `--network
// container:ID`, `--pid`, `--ipc` and `--uts container:ID`): the namespaces of
// the other's running init, named by their /proc paths, taken again at each
// start (a restarted container has a new init). The container joined keeps a
// list of its dependents, and is not removed while one of them exists.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ContainerStatus, isSameLiveProcess, type Container, type JoinableNamespace, type OciMount, type OciSpec } from '../oci/index.js';
import { EngineError } from './errors.js';

/** The namespace's file under /proc/PID/ns. */
const NAMESPACE_FILES: Record<JoinableNamespace, string> = { network: 'net', pid: 'pid', ipc: 'ipc', uts: 'uts' };

/** The namespaces joined, by type: the containers whose namespaces they are. */
export type JoinedContainers = Partial<Record<JoinableNamespace, Container>>;

/**
 * The path of `target`'s namespace of `type`, as its init has it now; a
 * target that does not run, or whose init is gone (its PID may be another
 * process's by now), is refused.
 */
export function joinedNamespacePath(target: Container, type: JoinableNamespace): string {
  const { status, initPid, initStartTime } = target.state;
  const runs = (status === ContainerStatus.Running || status === ContainerStatus.Paused) && initPid > 0 && isSameLiveProcess(initPid, initStartTime);
  if (!runs) throw new EngineError('invalid-state', `container ${target.id} is not running: cannot join its ${type} namespace`, { id: target.id, namespace: type });
  return `/proc/${initPid}/ns/${NAMESPACE_FILES[type]}`;
}

/** Each joined namespace's path. */
export function joinedNamespacePaths(joined: JoinedContainers): Partial<Record<JoinableNamespace, string>> {
  return Object.fromEntries(Object.entries(joined).map(([type, target]) => [type, joinedNamespacePath(target, type as JoinableNamespace)]));
}

/** `spec` with the joined namespaces' paths as their containers' inits have them now (a start after the first). */
export function rejoinedSpec(spec: OciSpec, joined: JoinedContainers): OciSpec {
  const paths = joinedNamespacePaths(joined);
  const namespaces = spec.linux.namespaces.map((ns) => (ns.type in paths ? { ...ns, path: paths[ns.type as JoinableNamespace] } : ns));
  return { ...spec, linux: { ...spec.linux, namespaces } };
}

/**
 * Where a container that joins `target`'s network gets its resolver and hosts
 * files: the target's own, bound in (podman's), those it has.
 */
export function sharedNetworkFileMounts(target: Container): OciMount[] {
  return [['/etc/resolv.conf', 'resolv.conf'], ['/etc/hosts', 'hosts']]
    .map(([destination, name]) => ({ destination: destination!, source: join(target.config.bundlePath, name!) }))
    .filter((mount) => existsSync(mount.source))
    .map((mount) => ({ ...mount, type: 'bind', options: ['bind', 'rprivate'] }));
}

/** Refuses the removal of a container that others still join (`exists`: whether a dependent is still in the store). */
export async function checkNoDependents(container: Container, exists: (id: string) => Promise<boolean>): Promise<void> {
  const live: string[] = [];
  for (const id of container.config.dependents ?? []) if (await exists(id)) live.push(id);
  if (live.length > 0) {
    throw new EngineError('invalid-state', `container ${container.id} has dependent containers which must be removed before it: ${live.join(', ')}`, { id: container.id, dependents: live });
  }
}

/**
 * `containers` in an order that removes each one before any container it
 * joins (a chain of joins, its far end first), so that removing them all,
 * as `rm -a` and `system reset` do, is never refused for a dependent of the
 * same set.
 */
export function dependentsFirst<T extends Container>(containers: readonly T[]): T[] {
  const left = new Map(containers.map((c) => [c.id, c]));
  const ordered: T[] = [];
  while (left.size > 0) {
    // Those that no container still left joins; if a cycle leaves none (it cannot be made), the rest as they are.
    const free = [...left.values()].filter((c) => !(c.config.dependents ?? []).some((id) => left.has(id)));
    for (const container of free.length ? free : [...left.values()]) {
      ordered.push(container);
      left.delete(container.id);
    }
  }
  return ordered;
}
