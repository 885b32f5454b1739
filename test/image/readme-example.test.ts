// The README's registry example runs as written against a local registry
// (its quay.io name swapped for the test's), so the documented API cannot drift.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { REPO_ROOT } from '../helpers/berth.js';
import { buildOciImage } from '../helpers/oci-image.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { runToolOk } from '../helpers/run-tool.js';
import { makeTempDir } from './registry-fixture.js';

let temp: { dir: string; dispose(): Promise<void> };
let registry: RegistryServer;
before(async () => {
  temp = await makeTempDir('berth-readme-registry-');
  registry = await startRegistry({ dir: join(temp.dir, 'reg') });
});
after(async () => {
  await registry.stop();
  await temp.dispose();
});

it('README registry example pulls a manifest and streams a verified layer', async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const example = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((code) => code.includes('DockerTransport'));
  assert.ok(example, 'README has a ```ts example with DockerTransport');
  const image = buildOciImage([layerWithFile('hello.txt', 'hello from the readme')], { gzip: true });
  await pushWithSkopeo(await ociLayoutOf(temp.dir, image), 'readme/hello:1', registry);
  const script = example
    .replace("from 'berth'", `from '${join(REPO_ROOT, 'dist/src/index.js')}'`)
    .replace('quay.io/podman/hello:latest', `${registry.host}/readme/hello:1`);
  const file = join(temp.dir, 'example.mjs');
  await writeFile(file, script);
  const conf = join(temp.dir, 'registries.conf');
  await writeFile(conf, `[[registry]]\nlocation = "${registry.host}"\ninsecure = true\n`);
  const { stdout } = await runToolOk(process.execPath, [file], {
    env: { ...process.env, CONTAINERS_REGISTRIES_CONF: conf, REGISTRY_AUTH_FILE: join(temp.dir, 'none.json'), XDG_CACHE_HOME: join(temp.dir, 'cache') },
  });
  assert.deepEqual(stdout, image.layerBlobs[0]?.data);
});
