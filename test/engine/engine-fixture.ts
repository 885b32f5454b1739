// A store with busybox images and a container engine on it, for the engine's
// integration tests (root, real conmon, runc and crun).

import { join } from 'node:path';
import { ContainerEngine } from '../../src/engine/index.js';
import { defaultRuntimeConfig, type RuntimeConfig } from '../../src/oci/index.js';
import { openStore, type Store } from '../../src/storage/index.js';
import { buildOciImage, storeOciImage } from '../helpers/oci-image.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

export interface EngineFixture {
  temp: TempStore;
  store: Store;
  engine: ContainerEngine;
  /** Kills and removes every container (a failed test must not leave one running), then the store. */
  dispose(): Promise<void>;
}

export const BUSYBOX_IMAGE = 'localhost/berth/busybox:latest';

export async function openEngineFixture(runtimeConfig: RuntimeConfig = defaultRuntimeConfig()): Promise<EngineFixture> {
  const temp = await makeTempStore('berth-engine-');
  const store = await openStore({ graphRoot: temp.graphRoot, runRoot: temp.runRoot, driverName: 'overlay' });
  await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
  const image = buildOciImage([await tarOfDirectory(join(temp.dir, 'rootfs'))], { cmd: ['/bin/sh', '-c', 'echo hello'] });
  await storeOciImage(store, image, BUSYBOX_IMAGE);
  const engine = new ContainerEngine({ store, runtimeConfig });
  const dispose = async (): Promise<void> => {
    for (const container of await engine.list().catch(() => [])) {
      await engine.remove(container.id, { force: true }).catch(() => undefined);
    }
    await temp.dispose();
  };
  return { temp, store, engine, dispose };
}

/** Adds an image on the same busybox layer with more config fields (StopSignal, Entrypoint, …). */
export async function addBusyboxVariant(fx: EngineFixture, name: string, config: Record<string, unknown>): Promise<void> {
  const image = buildOciImage([await tarOfDirectory(join(fx.temp.dir, 'rootfs'))], { cmd: [], config });
  await storeOciImage(fx.store, image, name);
}
