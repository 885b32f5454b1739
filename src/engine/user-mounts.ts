// Which of a container's mounts the user asked for (-v binds and volumes):
// not the files Berth itself mounts from the container's own directories
// (/etc/hosts and the rest), nor the kernel filesystems of every container.

import { CONTAINER_INIT_PATH, runsInit, type ContainerConfig, type OciMount } from '../oci/index.js';

/** The names of the volumes (named and anonymous) a container mounts: while it exists, they are in use. */
export function volumeNamesOf(container: { config: Pick<ContainerConfig, 'volumes'> }): string[] {
  return (container.config.volumes ?? []).map((v) => v.name);
}

/** The user's binds and volumes: not the files of the container's own directories, nor the init binary of --init. */
export function userMountsOf(config: Pick<ContainerConfig, 'spec' | 'bundlePath' | 'persistDir'>): OciMount[] {
  const init = runsInit(config.spec);
  return config.spec.mounts.filter((m) => m.type === 'bind' && m.source !== undefined
    && !m.source.startsWith(`${config.bundlePath}/`) && !m.source.startsWith(`${config.persistDir}/`)
    && !(init && m.destination === CONTAINER_INIT_PATH));
}
