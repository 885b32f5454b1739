// The README's library example runs as written (against the built package and a
// temporary store), so the documented API cannot drift from the real one.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { REPO_ROOT } from '../helpers/berth.js';
import { runToolOk } from '../helpers/run-tool.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';

let temp: TempStore;
before(async () => { temp = await makeTempStore('berth-readme-'); });
after(() => temp.dispose());

it('README library example imports a layer, mounts a container and gets a typed refusal', async () => {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const example = /```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  assert.ok(example, 'README has a ```ts example');
  const script = example
    .replace("from 'berth'", `from '${join(REPO_ROOT, 'dist/src/index.js')}'`)
    .replaceAll('/tmp/s/graph', temp.graphRoot)
    .replaceAll('/tmp/s/run', temp.runRoot)
    .replaceAll('/tmp/s/rootfs.tar', join(temp.dir, 'rootfs.tar'));
  new TarBuilder().dir('etc').file('etc/hostname', 'berth\n').writeTo(join(temp.dir, 'rootfs.tar'));
  const file = join(temp.dir, 'example.mjs');
  await writeFile(file, script);
  const { stdout } = await runToolOk(process.execPath, [file]);
  assert.match(stdout.toString(), new RegExp(`^${temp.graphRoot}/overlay/[0-9a-f]{64}/merged\nimage-used-by-container\n$`));
});
