// Images across Berth, podman and skopeo on one store: podman runs an image
// `berth import` made; a docker archive from `berth save` loads in
// `podman load` and one from `podman save` in `berth load`; Berth lists and
// inspects what skopeo copied in.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { berthOn, berthOnOk } from '../helpers/berth.js';
import { writeOciLayout } from '../helpers/oci-image.js';
import { podman, preparePodman, type PodmanEnv } from '../helpers/podman.js';
import { makeBusyboxRootfs, tarOfDirectory } from '../helpers/rootfs.js';
import { runToolOk, type ToolResult } from '../helpers/run-tool.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { threeLayerImage } from '../image/helpers.js';

describe('images shared by Berth, podman and skopeo', () => {
  let temp: TempStore;
  let pod: PodmanEnv;
  let importedId: string;
  const berth = (...args: string[]): Promise<ToolResult> => berthOn(temp, args);
  const ok = (...args: string[]): Promise<string> => berthOnOk(temp, args);
  const podOk = async (...args: string[]): Promise<string> => {
    const result = await podman(pod, args);
    assert.equal(result.code, 0, `podman ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.toString();
  };

  before(async () => {
    temp = await makeTempStore('berth-interop-images-');
    pod = await preparePodman(temp.dir, temp);
    await makeBusyboxRootfs(join(temp.dir, 'rootfs'));
    await writeFile(join(temp.dir, 'rootfs', 'etc', 'greeting'), 'imported by berth\n');
    await writeFile(join(temp.dir, 'rootfs.tar'), await tarOfDirectory(join(temp.dir, 'rootfs')));
    importedId = (await ok('import', '-q', '--change', 'CMD=["/bin/busybox","cat","/etc/greeting"]', join(temp.dir, 'rootfs.tar'), 'localhost/berth/imported:1')).trim();
  });

  after(async () => {
    await podman(pod, ['rm', '-af']).catch(() => undefined);
    await temp?.dispose();
  });

  it('podman runs an image berth import made, with the CMD from --change', async () => {
    assert.equal(await podOk('run', '--rm', '--net=none', 'localhost/berth/imported:1'), 'imported by berth\n');
  });

  it('podman load reads the docker archive berth save wrote, and runs the image', async () => {
    const archive = join(temp.dir, 'berth-saved.tar');
    await ok('save', '-q', '-o', archive, 'localhost/berth/imported:1');
    await ok('rmi', 'localhost/berth/imported:1');
    assert.equal((await berth('image', 'exists', importedId)).code, 1);
    assert.match(await podOk('load', '-q', '-i', archive), /localhost\/berth\/imported:1/);
    assert.equal(await podOk('run', '--rm', '--net=none', 'localhost/berth/imported:1'), 'imported by berth\n');
  });

  it('berth load reads the docker archive podman save wrote', async () => {
    await podOk('tag', 'localhost/berth/imported:1', 'localhost/podman/saved:2');
    const archive = join(temp.dir, 'podman-saved.tar');
    await podOk('save', '-q', '-o', archive, 'localhost/podman/saved:2');
    await podOk('rmi', '-f', importedId);
    assert.equal(await ok('load', '-q', '-i', archive), 'Loaded image: localhost/podman/saved:2\n');
    const [inspected] = JSON.parse(await ok('image', 'inspect', 'localhost/podman/saved:2')) as Array<{ Id: string; Config: { Cmd: string[] } }>;
    assert.equal(inspected?.Id, importedId);
    assert.deepEqual(inspected?.Config.Cmd, ['/bin/busybox', 'cat', '/etc/greeting']);
    assert.equal(await podOk('run', '--rm', '--net=none', 'localhost/podman/saved:2'), 'imported by berth\n');
  });

  it('berth lists and inspects an image skopeo copied into the store', async () => {
    const image = threeLayerImage();
    const layout = join(temp.dir, 'layout');
    await writeOciLayout(layout, image, 'v1');
    await runToolOk('skopeo', ['copy', '--quiet', `oci:${layout}:v1`, `containers-storage:[overlay@${temp.graphRoot}+${temp.runRoot}]localhost/skopeo/three:v1`]);
    const id = image.configDigest.slice(7);
    assert.match(await ok('images'), new RegExp(`^localhost/skopeo/three\\s+v1\\s+${id.slice(0, 12)}\\s`, 'm'));
    const [inspected] = JSON.parse(await ok('image', 'inspect', 'localhost/skopeo/three:v1')) as Array<{ Id: string; Digest: string; RootFS: { Layers: string[] } }>;
    assert.equal(inspected?.Digest, image.manifestDigest);
    assert.deepEqual(inspected?.RootFS.Layers, image.diffIds);
    const history = await ok('history', '-q', 'localhost/skopeo/three:v1');
    assert.equal(history.trim().split('\n').length, 3);
  });

  it('berth image inspect prints what podman prints: parent, OCI config, graph driver, manifest type, health check', async () => {
    // An OCI image from `berth import`, and a Docker-format child podman builds on it (a layer, a HEALTHCHECK).
    await ok('import', '-q', '--change', 'CMD=["/bin/busybox","true"]', join(temp.dir, 'rootfs.tar'), 'localhost/berth/inspect-base:1');
    const context = join(temp.dir, 'build');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'added'), 'one more layer\n');
    await writeFile(join(context, 'Containerfile'), 'FROM localhost/berth/inspect-base:1\nCOPY added /added\nHEALTHCHECK --interval=30s --retries=2 CMD /bin/busybox true\n');
    await podOk('build', '-q', '--format', 'docker', '-t', 'localhost/podman/inspect-child:1', context);
    for (const image of ['localhost/berth/inspect-base:1', 'localhost/podman/inspect-child:1']) {
      assert.deepEqual(JSON.parse(await ok('image', 'inspect', image)), JSON.parse(await podOk('image', 'inspect', image)), image);
    }
    const [child] = JSON.parse(await ok('image', 'inspect', 'localhost/podman/inspect-child:1')) as Array<{ Parent: string; Healthcheck?: unknown; GraphDriver: { Data: Record<string, string> } }>;
    const [base] = JSON.parse(await ok('image', 'inspect', 'localhost/berth/inspect-base:1')) as Array<{ Id: string; ManifestType: string }>;
    // podman build keeps an image per step (--layers): the child's parent is the COPY step's, whose parent is the base.
    const [step] = JSON.parse(await ok('image', 'inspect', child?.Parent ?? '')) as Array<{ Parent: string }>;
    assert.equal(step?.Parent, base?.Id);
    assert.equal(base?.ManifestType, 'application/vnd.oci.image.manifest.v1+json');
    assert.deepEqual(child?.Healthcheck, { Test: ['CMD-SHELL', '/bin/busybox true'], Interval: 30_000_000_000, Retries: 2 });
    assert.deepEqual(Object.keys(child?.GraphDriver.Data ?? {}), ['LowerDir', 'UpperDir', 'WorkDir']);
  });
});
