// podman runs a container from an image whose layers Berth applied and whose
// record Berth wrote the way skopeo does (config under `sha256:<id>`, manifest
// under `manifest` and `manifest-<digest>`), on the same graph root.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/storage/index.js';
import { checkProblems, openTestStore } from '../helpers/berth.js';
import { buildOciImage, storeOciImage, type OciImage } from '../helpers/oci-image.js';
import { podman, preparePodman, type PodmanEnv } from '../helpers/podman.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

const NAME = 'localhost/berth/busybox:latest';

describe('podman on an image Berth stored', () => {
  let temp: TempStore;
  let store: Store;
  let oci: OciImage;
  let pod: PodmanEnv;
  let imageId: string;

  before(async () => {
    temp = await makeTempStore('berth-interop-podman-');
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    await mkdir(join(temp.dir, 'top', 'etc'), { recursive: true });
    await writeFile(join(temp.dir, 'top', 'etc', 'greeting'), 'from a berth layer\n');
    const tars = [await tarOfDirectory(join(temp.dir, 'rootfs')), await tarOfDirectory(join(temp.dir, 'top'))];
    oci = buildOciImage(tars, { gzip: true, cmd: ['/bin/busybox', 'cat', '/etc/greeting'] });
    store = await openTestStore(temp);
    imageId = await storeOciImage(store, oci, NAME);
    pod = await preparePodman(temp.dir, temp);
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  it('lists the image with its ID and name', async () => {
    const result = await podman(pod, ['images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}', '--no-trunc']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString().trim(), `sha256:${imageId} ${NAME}`);
  });

  it('runs /bin/busybox echo hi in it', async () => {
    const result = await podman(pod, ['run', '--rm', '--network', 'none', NAME, '/bin/busybox', 'echo', 'hi']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'hi\n');
  });

  it('runs the image config command, which reads a file of the upper layer', async () => {
    const result = await podman(pod, ['run', '--rm', '--network', 'none', NAME]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.toString(), 'from a berth layer\n');
  });

  it('leaves a store Berth still reads and checks clean after podman ran', async () => {
    assert.deepEqual((await store.containers()).map((c) => c.id), []);
    assert.deepEqual((await store.images()).map((i) => i.id), [imageId]);
    assert.deepEqual(checkProblems(await store.check()), []);
  });
});
