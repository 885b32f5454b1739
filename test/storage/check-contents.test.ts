// check with layerContents: a layer chain with whiteouts, an opaque
// directory, hard links and symlinks checks clean on both drivers; changing a
// file in a layer is reported as modified contents.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { checkProblems } from '../helpers/berth.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { openFixture, type StoreFixture } from './store-fixture.js';

for (const driver of ['vfs', 'overlay'] as const) {
  describe(`layer contents (${driver})`, () => {
    let fx: StoreFixture;
    let top: string;
    before(async () => {
      fx = await openFixture(driver);
      const base = new TarBuilder({ prefixDotSlash: true })
        .dir('etc', { mode: 0o755 }).file('etc/passwd', 'root:x:0:0\n', { mode: 0o644 })
        .dir('var', { mode: 0o755 }).dir('var/cache', { mode: 0o755 }).file('var/cache/old', 'old', { uid: 7, gid: 8 })
        .dir('opt', { mode: 0o755 }).file('opt/a', 'a').file('opt/b', 'b')
        .toBuffer();
      const upper = new TarBuilder({ prefixDotSlash: true })
        .whiteout('etc/passwd').opaque('opt').file('opt/c', 'c', { mode: 0o600 })
        .file('data', 'contents').hardlink('data-link', 'data').symlink('ln', 'data')
        .toBuffer();
      const b = (await fx.store.putLayer(Readable.from([base]))).layer;
      top = (await fx.store.putLayer(Readable.from([upper]), { parent: b.id })).layer.id;
      await fx.store.createImage({ names: ['img'], layer: top });
    });
    after(async () => fx.temp.dispose());

    test('an untouched chain checks clean', async () => {
      assert.deepEqual(checkProblems(await fx.store.check({ layerContents: true })), []);
    });

    test('changed permissions, an extra file and changed contents are reported as modified contents', async () => {
      const dir = driver === 'vfs' ? join(fx.roots.graphRoot, 'vfs', 'dir', top) : join(fx.roots.graphRoot, 'overlay', top, 'diff');
      chmodSync(join(dir, 'opt', 'c'), 0o644);
      writeFileSync(join(dir, 'stray'), 'x');
      let report = await fx.store.check({ layerContents: true });
      assert.deepEqual(Object.keys(report.layers), [top]);
      const text = checkProblems(report).join('\n');
      // Go's check notation: expected ￫ found, extra paths with `+`.
      assert.match(text, /: \/opt\/c\(mode:0600￫0644\), layer content modified/);
      assert.match(text, /: \+\/stray, layer content modified/);
      writeFileSync(join(dir, 'opt', 'c'), 'C');
      report = await fx.store.check({ layerContents: true, layerDigests: false });
      assert.deepEqual((report.layers[top] ?? []).map((e) => (e as { code?: string }).code), ['layer-content-modified']);
    });
  });
}
