// Berth between a registry and the Go tools, through bin/berth.cjs: an image
// skopeo pushed is pulled by `berth pull` and run by podman on the same store;
// `berth push` of that image to another repository keeps the source's blob
// digests, as `skopeo inspect` shows; an image podman pulled is pushed by Berth.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthOnOk } from '../helpers/berth.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { podman, preparePodman, type PodmanEnv } from '../helpers/podman.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

interface Inspected {
  Digest: string;
  Layers: string[];
}

describe('Berth, podman and skopeo around one registry', () => {
  let temp: TempStore;
  let registry: RegistryServer;
  let image: OciImage;
  let pod: PodmanEnv;
  let source: string;

  const inspect = async (name: string): Promise<Inspected> =>
    JSON.parse((await runToolOk('skopeo', ['inspect', '--tls-verify=false', `docker://${name}`])).stdout.toString()) as Inspected;

  before(async () => {
    temp = await makeTempStore('berth-interop-registry-');
    registry = await startRegistry({ dir: join(temp.dir, 'registry') });
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    image = buildOciImage([await tarOfDirectory(join(temp.dir, 'rootfs')), layerWithFile('etc/greeting', 'pulled by berth\n')], { gzip: true, cmd: ['/bin/sh', '-c', 'cat /etc/greeting'] });
    source = `${registry.host}/interop/busybox:1`;
    await pushWithSkopeo(await ociLayoutOf(temp.dir, image), 'interop/busybox:1', { host: registry.host });
    pod = await preparePodman(temp.dir, temp);
  });

  after(async () => {
    await registry?.stop();
    await temp?.dispose();
  });

  it('podman runs the image berth pull fetched from the registry', async () => {
    assert.equal(await berthOnOk(temp, ['pull', '-q', '--tls-verify=false', source]), `${image.configDigest.slice(7)}\n`);
    const run = await podman(pod, ['run', '--rm', source]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.toString(), 'pulled by berth\n');
  });

  it('berth push of the pulled image to another repository keeps the source\'s blob digests', async () => {
    const copy = `${registry.host}/interop/copy:1`;
    await berthOnOk(temp, ['push', '-q', '--tls-verify=false', source, copy]);
    const [original, pushed] = [await inspect(source), await inspect(copy)];
    assert.deepEqual(pushed.Layers, original.Layers);
    assert.equal(pushed.Digest, original.Digest);
  });

  it('berth pushes an image podman pulled into the store', async () => {
    const other = buildOciImage([layerWithFile('only.txt', 'from podman\n')], { gzip: true });
    await pushWithSkopeo(await ociLayoutOf(join(temp.dir, 'other'), other), 'interop/other:1', { host: registry.host });
    const pulled = await podman(pod, ['pull', '-q', '--tls-verify=false', `${registry.host}/interop/other:1`]);
    assert.equal(pulled.code, 0, pulled.stderr);
    await berthOnOk(temp, ['push', '-q', '--tls-verify=false', `${registry.host}/interop/other:1`, `${registry.host}/interop/other-copy:1`]);
    assert.deepEqual((await inspect(`${registry.host}/interop/other-copy:1`)).Layers, (await inspect(`${registry.host}/interop/other:1`)).Layers);
  });
});
