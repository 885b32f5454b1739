// Layer contents through the Store: putLayer records digests, sizes,
// compression and owners and writes the tar-split; diff gives the original
// bytes back (compressed like the input unless told otherwise); a diff that
// does not match its expected digest leaves no trace; applyDiff into an
// existing layer; changes and diffSize.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ChangeKind, Compression } from '../../src/archive/index.js';
import { isStorageError } from '../../src/storage/index.js';
import { readAll } from '../helpers/streams.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { openFixture, type StoreFixture } from './store-fixture.js';

const sha = (b: Buffer): string => 'sha256:' + createHash('sha256').update(b).digest('hex');

for (const driver of ['vfs', 'overlay'] as const) {
  describe(`layer diffs (${driver})`, () => {
    let fx: StoreFixture;
    const tar = new TarBuilder({ prefixDotSlash: true })
      .dir('etc', { uid: 0, gid: 0 })
      .file('etc/hostname', 'berth\n', { uid: 1000, gid: 1001 })
      .symlink('etc/link', 'hostname')
      .toBuffer();
    const gz = gzipSync(tar);
    let layerId: string;

    before(async () => {
      fx = await openFixture(driver);
    });
    after(async () => fx.temp.dispose());

    test('putLayer of a gzip blob records what Go records and writes the tar-split', async () => {
      const { layer, size } = await fx.store.putLayer(Readable.from([gz]), { names: ['gz'] });
      layerId = layer.id;
      assert.equal(size, tar.length);
      assert.equal(layer.compressedDigest, sha(gz));
      assert.equal(layer.compressedSize, gz.length);
      assert.equal(layer.uncompressedDigest, sha(tar));
      assert.equal(layer.uncompressedSize, tar.length);
      assert.equal(layer.compressionType, Compression.Gzip);
      assert.deepEqual(layer.uidSet, [0, 1000]);
      assert.deepEqual(layer.gidSet, [0, 1001]);
      assert.equal(layer.flags, undefined);
      assert.equal(existsSync(join(fx.roots.graphRoot, `${driver}-layers`, `${layer.id}.tar-split.gz`)), true);
      assert.deepEqual((await fx.store.layersByCompressedDigest(sha(gz))).map((l) => l.id), [layer.id]);
      assert.deepEqual((await fx.store.layersByUncompressedDigest(sha(tar))).map((l) => l.id), [layer.id]);
      assert.equal(await fx.store.layerSize(layer.id), tar.length);
    });

    test('diff replays the original tar, gzip-compressed like the input by default', async () => {
      const out = await readAll(await fx.store.diff(layerId));
      assert.deepEqual(out.subarray(0, 2), Buffer.from([0x1f, 0x8b]));
      assert.deepEqual(gunzipSync(out), tar);
      const plain = await readAll(await fx.store.diff(layerId, { compression: Compression.None }));
      assert.deepEqual(plain, tar);
    });

    test('changes and diffSize describe the layer against its parent', async () => {
      const changes = await fx.store.changes(layerId);
      assert.deepEqual(changes.map((c) => c.path).sort(), ['/etc', '/etc/hostname', '/etc/link']);
      assert.ok(changes.every((c) => c.kind === ChangeKind.Add));
      assert.equal(await fx.store.diffSize(layerId), 'berth\n'.length + 'hostname'.length);
    });

    test('a diff that does not match its expected digest removes the layer entirely', async () => {
      const before = readdirSync(join(fx.roots.graphRoot, driver === 'vfs' ? 'vfs/dir' : 'overlay')).sort();
      await assert.rejects(
        fx.store.putLayer(Readable.from([tar]), { parent: layerId, names: ['bad-layer'], uncompressedDigest: 'sha256:' + '0'.repeat(64) }),
        (err) => isStorageError(err, 'digest-mismatch'),
      );
      assert.equal(await fx.store.exists('bad-layer'), false);
      assert.deepEqual(readdirSync(join(fx.roots.graphRoot, driver === 'vfs' ? 'vfs/dir' : 'overlay')).sort(), before);
      const tarSplits = readdirSync(join(fx.roots.graphRoot, `${driver}-layers`)).filter((f) => f.endsWith('.tar-split.gz'));
      assert.deepEqual(tarSplits, [`${layerId}.tar-split.gz`]);
    });

    test('applyDiff fills an existing layer and records its digests', async () => {
      const child = await fx.store.createLayer({ parent: layerId, names: ['child'] });
      const diff = new TarBuilder({ prefixDotSlash: true }).file('added', 'x').toBuffer();
      assert.equal(await fx.store.applyDiff('child', Readable.from([diff])), diff.length);
      const layer = await fx.store.layer(child.id);
      assert.equal(layer.uncompressedDigest, sha(diff));
      assert.equal(layer.compressionType, undefined);
      assert.deepEqual(await readAll(await fx.store.diff('child')), diff);
      const record = JSON.parse(readFileSync(join(fx.roots.graphRoot, `${driver}-layers`, 'layers.json'), 'utf8')) as Array<{ id: string; 'diff-digest'?: string }>;
      assert.equal(record.find((r) => r.id === child.id)?.['diff-digest'], sha(diff));
    });

    test('putLayer and applyDiff read a file given by path, as from a stream', async () => {
      // Big enough for several of the reader's 2 MiB chunks, and gzip, so both digests are checked.
      const big = new TarBuilder({ prefixDotSlash: true }).file('blob', randomBytes(5 << 20)).file('small', 'y').toBuffer();
      const file = join(fx.temp.dir, 'layer.tar.gz');
      writeFileSync(file, gzipSync(big));
      const { layer, size } = await fx.store.putLayer(file, { names: ['from-path'] });
      assert.equal(size, big.length);
      assert.equal(layer.compressedDigest, sha(readFileSync(file)));
      assert.equal(layer.uncompressedDigest, sha(big));
      assert.deepEqual(await readAll(await fx.store.diff(layer.id, { compression: Compression.None })), big);

      const empty = await fx.store.createLayer({ names: ['filled-from-path'] });
      assert.equal(await fx.store.applyDiff(empty.id, file), big.length);
      assert.equal((await fx.store.layer(empty.id)).uncompressedDigest, sha(big));

      await assert.rejects(fx.store.putLayer(join(fx.temp.dir, 'missing.tar')), (err: NodeJS.ErrnoException) => err.code === 'ENOENT');
      assert.equal((await fx.store.layers()).length, 4, 'the failed putLayer left no layer');
    });
  });
}
