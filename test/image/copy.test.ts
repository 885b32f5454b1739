// The copy pipeline: verification of every blob, nothing left behind by a
// failed copy, platform choice from an index, reuse of present layers,
// progress events, and round trips through every local transport.

import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isImageError, layerIdsFor, OCI_INDEX, type CopyEvent } from '../../src/image/index.js';
import type { Store } from '../../src/storage/index.js';
import { openTestStore } from '../helpers/berth.js';
import { sha256Hex, writeOciLayout, type OciImage } from '../helpers/oci-image.js';
import { makeTempStore, type TempStore } from '../helpers/temp-store.js';
import { copyBetween, threeLayerImage } from './helpers.js';

describe('copyImage into containers-storage', () => {
  let temp: TempStore;
  let store: Store;
  let image: OciImage;
  let layout: string;

  before(async () => {
    temp = await makeTempStore('berth-copy-test-');
    store = await openTestStore(temp);
    image = threeLayerImage();
    layout = join(temp.dir, 'oci');
    await writeOciLayout(layout, image, 'v1');
  });

  after(async () => {
    await store?.close();
    await temp?.dispose();
  });

  async function assertNothingStored(): Promise<void> {
    assert.deepEqual(await store.images(), []);
    assert.deepEqual(await store.layers(), []);
    assert.deepEqual(readdirSync(join(temp.graphRoot, 'overlay', 'staging')), []);
  }

  it('refuses a layer whose bytes do not match its digest and stores nothing', async () => {
    const bad = join(temp.dir, 'bad');
    await writeOciLayout(bad, image, 'v1');
    const blob = join(bad, 'blobs', 'sha256', image.layerBlobs[1]!.digest.slice(7));
    const bytes = await readFile(blob);
    bytes[bytes.length - 20] ^= 0xff;
    await writeFile(blob, bytes);
    await assert.rejects(copyBetween(`oci:${bad}:v1`, 'containers-storage:bad:v1', store), (err) => isImageError(err, 'blob-digest-mismatch') || (err as { code?: string }).code === 'compression');
    await assertNothingStored();
  });

  it('refuses a truncated layer and stores nothing', async () => {
    const short = join(temp.dir, 'short');
    await writeOciLayout(short, image, 'v1');
    const blob = join(short, 'blobs', 'sha256', image.layerBlobs[0]!.digest.slice(7));
    await writeFile(blob, (await readFile(blob)).subarray(0, 1000));
    await assert.rejects(copyBetween(`oci:${short}:v1`, 'containers-storage:short:v1', store), (err) => err instanceof Error);
    await assertNothingStored();
  });

  it('refuses a config whose digest is wrong and stores nothing', async () => {
    const bad = join(temp.dir, 'badconfig');
    await writeOciLayout(bad, image, 'v1');
    await writeFile(join(bad, 'blobs', 'sha256', image.configDigest.slice(7)), Buffer.from(image.config.toString().replace('PATH=/bin', 'PATH=/xxx')));
    await assert.rejects(copyBetween(`oci:${bad}:v1`, 'containers-storage:bad:v1', store), (err) => isImageError(err, 'blob-digest-mismatch'));
    await assertNothingStored();
  });

  it('an aborted copy rejects with the signal\'s reason and stores nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('stop now');
    const copy = copyBetween(`oci:${layout}:v1`, 'containers-storage:localhost/aborted:1', store, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'blob-progress') controller.abort(reason);
      },
    });
    await assert.rejects(copy, (err) => err === reason);
    await assertNothingStored();
  });

  it('copies the layers in parallel, reports progress, and a second copy reuses every layer', async () => {
    const events: CopyEvent[] = [];
    const result = await copyBetween(`oci:${layout}:v1`, 'containers-storage:localhost/three:v1', store, { onEvent: (e) => events.push(e) });
    assert.equal(result.manifestDigest, image.manifestDigest);
    const ids = layerIdsFor(image.diffIds);
    assert.deepEqual((await store.layers()).map((l) => l.id).sort(), [...ids].sort());
    const stored = await store.image('localhost/three:v1');
    assert.equal(stored.id, image.configDigest.slice(7));
    assert.equal(stored.topLayer, ids.at(-1));
    const starts = events.filter((e) => e.type === 'blob-start' && e.kind === 'layer');
    assert.equal(starts.length, 3);
    const bytes = events.filter((e): e is Extract<CopyEvent, { type: 'blob-progress' }> => e.type === 'blob-progress' && e.digest === image.layerBlobs[0]!.digest);
    assert.equal(bytes.at(-1)?.bytes, image.layerBlobs[0]!.data.length);

    const again: CopyEvent[] = [];
    await copyBetween(`oci:${layout}:v1`, 'containers-storage:localhost/three:again', store, { onEvent: (e) => again.push(e) });
    assert.equal(again.filter((e) => e.type === 'blob-skipped').length, 3);
    assert.deepEqual((await store.image('localhost/three:again')).names, ['localhost/three:again', 'localhost/three:v1']);
  });

  it('picks the image of the wanted platform from an index and records both manifests', async () => {
    const multi = join(temp.dir, 'multi');
    await writeOciLayout(multi, image, 'v1');
    const other = Buffer.from(image.manifest.toString().replace('"schemaVersion":2', '"schemaVersion":2,"annotations":{"x":"arm"}'));
    await writeFile(join(multi, 'blobs', 'sha256', sha256Hex(other)), other);
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: OCI_INDEX,
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${sha256Hex(other)}`, size: other.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
      ],
    }));
    const indexDigest = `sha256:${sha256Hex(index)}`;
    await writeFile(join(multi, 'blobs', 'sha256', indexDigest.slice(7)), index);
    await writeFile(join(multi, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: OCI_INDEX, digest: indexDigest, size: index.length, annotations: { 'org.opencontainers.image.ref.name': 'multi' } }] }));
    const result = await copyBetween(`oci:${multi}:multi`, 'containers-storage:localhost/multi:arm', store, { platform: { architecture: 'arm64' } });
    assert.equal(result.manifestDigest, `sha256:${sha256Hex(other)}`);
    const stored = await store.image('localhost/multi:arm');
    assert.ok(stored.bigDataNames.includes(`manifest-${indexDigest}`));
    assert.ok(stored.digests.includes(indexDigest));
    await assert.rejects(copyBetween(`oci:${multi}:multi`, 'containers-storage:localhost/multi:s390x', store, { platform: { architecture: 's390x' } }), (err) => isImageError(err, 'no-matching-platform'));
  });

  it('carries signatures from dir: into the store as skopeo records them, and back out to dir:', async () => {
    const signed = join(temp.dir, 'signed');
    await copyBetween(`oci:${layout}:v1`, `dir:${signed}`, store);
    const signatures = [Buffer.from('first signature'), Buffer.from('second, longer signature')];
    for (const [i, sig] of signatures.entries()) await writeFile(join(signed, `signature-${i + 1}`), sig);
    await copyBetween(`dir:${signed}`, 'containers-storage:localhost/signed:1', store);
    const stored = await store.image('localhost/signed:1');
    assert.deepEqual(await store.imageBigData(stored.id, 'signatures'), Buffer.concat(signatures));
    assert.deepEqual(await store.imageBigData(stored.id, `signature-${image.manifestDigest.slice(7)}`), Buffer.concat(signatures));
    assert.equal(stored.metadata, JSON.stringify({ 'signature-sizes': [15, 24], 'signatures-sizes': { [image.manifestDigest]: [15, 24] } }));
    const out = join(temp.dir, 'signed-out');
    await copyBetween('containers-storage:localhost/signed:1', `dir:${out}`, store, { removeSignatures: true });
    // From a store the layers come uncompressed, so the manifest changes and the signatures cannot follow.
    await assert.rejects(readFile(join(out, 'signature-1')), { code: 'ENOENT' });
    await assert.rejects(copyBetween('containers-storage:localhost/signed:1', `dir:${join(temp.dir, 'refused')}`, store), (err) => isImageError(err, 'not-supported'));
  });

  it('round-trips through docker-archive, oci-archive and dir with the same config and diffIDs', async () => {
    for (const [i, target] of [`docker-archive:${join(temp.dir, 'da.tar')}:localhost/rt:da`, `oci-archive:${join(temp.dir, 'oa.tar')}:rt`, `dir:${join(temp.dir, 'dirimg')}`].entries()) {
      // The signed copy above gave this image (same config, same ID) signatures, which a rewritten manifest cannot keep.
      await copyBetween('containers-storage:localhost/three:v1', target, store, { removeSignatures: true });
      const name = `localhost/rt:${i}`;
      await copyBetween(target, `containers-storage:${name}`, store);
      const back = await store.image(name);
      assert.equal(back.id, image.configDigest.slice(7), target);
      assert.equal(back.topLayer, layerIdsFor(image.diffIds).at(-1), target);
    }
  });
});

describe('copyImage into a vfs store', () => {
  it('stages the layers and commits each as a full copy with the whiteouts applied', async () => {
    const temp = await makeTempStore('berth-copy-vfs-');
    const store = await openTestStore({ ...temp, driver: 'vfs' });
    try {
      const image = threeLayerImage();
      await writeOciLayout(join(temp.dir, 'oci'), image, 'v1');
      await copyBetween(`oci:${join(temp.dir, 'oci')}:v1`, 'containers-storage:localhost/vfs:1', store);
      const ids = layerIdsFor(image.diffIds);
      const files = (id: string) => readdirSync(join(temp.graphRoot, 'vfs', 'dir', id), { recursive: true }).map(String).sort();
      assert.deepEqual(files(ids[0]!), ['bin-x', 'etc', 'etc/motd', 'usr', 'usr/share', 'usr/share/a']);
      assert.deepEqual(files(ids[1]!), ['bin-x', 'etc', 'usr', 'usr/share', 'usr/share/b']);
      assert.deepEqual(files(ids[2]!), ['bin-x', 'data', 'data/f', 'etc', 'usr', 'usr/share', 'usr/share/b']);
      assert.deepEqual(readdirSync(join(temp.graphRoot, 'vfs', 'staging')), []);
    } finally {
      await store.close();
      await temp.dispose();
    }
  });
});
