// A store with busybox images and a container engine on it, for the engine's
// integration tests (root, real conmon, runc and crun).

import { readFileSync, readdirSync, rmdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { ContainerEngine } from '../../src/engine/index.js';
import { defaultRuntimeConfig, type RuntimeConfig } from '../../src/oci/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { buildOciImage, storeOciImage } from '../helpers/oci-image.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { preparePodman, type PodmanEnv } from '../helpers/podman.js';

export interface EngineFixture {
  temp: TempStore;
  store: Store;
  engine: ContainerEngine;
  /** Kills and removes every container (a failed test must not leave one running), then the store. */
  dispose(): Promise<void>;
}

export const BUSYBOX_IMAGE = 'localhost/berth/busybox:latest';

/** The container's cgroup directory under one v1 controller. */
export function cgroupDir(fx: EngineFixture, controller: string, id: string): string {
  return `/sys/fs/cgroup/${controller}${fx.engine.cgroupParent}/berth-${id}`;
}

export async function openEngineFixture(runtimeConfig: RuntimeConfig = defaultRuntimeConfig()): Promise<EngineFixture> {
  const temp = await makeTempStore('berth-engine-');
  const store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay' });
  await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
  const image = buildOciImage([await tarOfDirectory(join(temp.dir, 'rootfs'))], { cmd: ['/bin/sh', '-c', 'echo hello'] });
  await storeOciImage(store, image, BUSYBOX_IMAGE);
  // A cgroup parent of its own, so that a test can tell its containers' cgroups from everyone else's.
  const engine = new ContainerEngine({ store, runtimeConfig, cgroupParent: `/berth-test/${basename(temp.dir)}` });
  const dispose = async (): Promise<void> => {
    for (const container of await engine.list().catch(() => [])) {
      await engine.remove(container.id, { force: true, timeoutSeconds: 0 }).catch(() => undefined);
    }
    // A conmon lives on until the exit command it runs is done: that would find the store gone.
    for (const deadline = Date.now() + 10_000; conmonsOf(temp.dir).length > 0 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The runtimes remove each container's cgroup, not the parent made for this fixture.
    for (const controller of readdirSync('/sys/fs/cgroup')) {
      try {
        rmdirSync(`/sys/fs/cgroup/${controller}${engine.cgroupParent}`);
      } catch {
        // Not made under this controller, or still in use by a container that would not die.
      }
    }
    await temp.dispose();
  };
  return { temp, store, engine, dispose };
}

/** PIDs of the conmon processes of containers under `dir` (a fixture's temp dir). */
export function conmonsOf(dir: string): number[] {
  return readdirSync('/proc').filter((pid) => /^\d+$/.test(pid)).filter((pid) => {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.startsWith('/usr/bin/conmon') && cmdline.includes(dir);
    } catch {
      return false;
    }
  }).map(Number);
}

/** Adds an image on the same busybox layer with more config fields (StopSignal, Entrypoint, …). */
export async function addBusyboxVariant(fx: EngineFixture, name: string, config: Record<string, unknown>): Promise<void> {
  const image = buildOciImage([await tarOfDirectory(join(fx.temp.dir, 'rootfs'))], { cmd: [], config });
  await storeOciImage(fx.store, image, name);
}

/** An engine fixture, and podman called on its store. */
export async function openEngineFixtureWithPodman(): Promise<{ fx: EngineFixture; pod: PodmanEnv }> {
  const fx = await openEngineFixture();
  return { fx, pod: await preparePodman(fx.temp.dir, { graphRoot: fx.temp.graphRoot, runRoot: fx.temp.runRoot, driver: 'overlay' }) };
}
