// Pushing through the docker transport to a real docker-registry: blob
// existence check, cross-repository mount, monolithic and chunked upload,
// an index with its children, and nothing tagged before commit().

import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { isImageError, parseDockerReference, RegistryClient, type ImageDestination } from '../../src/image/index.js';
import type { FaultProxy } from '../helpers/fault-proxy.js';
import { startFaultProxy } from '../helpers/fault-proxy.js';
import { buildOciImage, sha256Hex, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { runToolOk } from '../helpers/run-tool.js';
import { FAST_RETRY, makeTempDir, testTransport } from './registry-fixture.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

async function pushImage(dest: ImageDestination, image: OciImage): Promise<void> {
  for (const blob of image.layerBlobs) {
    const info = { digest: blob.digest, size: blob.data.length };
    if (!await dest.tryReusingBlob(info)) await dest.putBlob(Readable.from([blob.data]), info);
  }
  await dest.putBlob(Readable.from([image.config]), { digest: image.configDigest, size: image.config.length }, { isConfig: true });
  await dest.putManifest({ bytes: image.manifest, mediaType: OCI_MANIFEST });
}

describe('docker transport: pushing to docker-registry', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let registry: RegistryServer;
  let proxy: FaultProxy;

  before(async () => {
    temp = await makeTempDir('berth-reg-push-');
    registry = await startRegistry({ dir: `${temp.dir}/reg` });
    proxy = await startFaultProxy(registry.url);
  });

  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    await temp?.dispose();
  });

  const inspectRaw = async (name: string) =>
    (await runToolOk('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/${name}`])).stdout;

  it('pushes an image monolithically (POST, one PATCH, PUT) and tags it only on commit()', async () => {
    const image = buildOciImage([layerWithFile('m.txt', 'monolithic'), layerWithFile('n.txt', 'second')], { gzip: true });
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    const dest = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/mono:1`));
    proxy.log.length = 0;
    await pushImage(dest, image);
    assert.equal(proxy.log.filter((e) => e.method === 'PUT' && e.path.includes('/manifests/')).length, 0, 'no manifest before commit');
    await dest.commit();
    await transport.close();
    assert.deepEqual(await inspectRaw('push/mono:1'), image.manifest);
    // Per blob: HEAD (layers), POST, PATCH, PUT.
    assert.equal(proxy.log.filter((e) => e.method === 'PATCH').length, 3);
  });

  it('pushes in chunks with Content-Range when uploadChunkSize is set', async () => {
    const data = Buffer.alloc(300_000, 7);
    const image = buildOciImage([layerWithFile('chunked.bin', data)], { gzip: false });
    const { transport } = testTransport({ insecureHosts: [proxy.host], uploadChunkSize: 100_000 });
    const dest = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/chunked:1`));
    proxy.log.length = 0;
    await pushImage(dest, image);
    await dest.commit();
    await transport.close();
    const layerSize = image.layerBlobs[0]?.data.length ?? 0;
    assert.equal(proxy.log.filter((e) => e.method === 'PATCH').length, Math.ceil(layerSize / 100_000) + 1);
    assert.deepEqual(await inspectRaw('push/chunked:1'), image.manifest);
  });

  it('tryReusingBlob() finds a blob the repository has, and mounts one another repository has', async () => {
    const image = buildOciImage([layerWithFile('shared.txt', 'shared layer')], { gzip: true });
    const layer = image.layerBlobs[0] as { data: Buffer; digest: string };
    const { transport } = testTransport({ insecureHosts: [proxy.host], mountCandidates: () => ['push/source'] });
    const first = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/source:1`));
    await pushImage(first, image);
    await first.commit();
    assert.deepEqual(await first.tryReusingBlob({ digest: layer.digest, size: layer.data.length }), { digest: layer.digest, size: layer.data.length });
    const second = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/mounted:1`));
    proxy.log.length = 0;
    assert.ok(await second.tryReusingBlob({ digest: layer.digest, size: layer.data.length }));
    assert.ok(proxy.log.some((e) => e.method === 'POST' && e.path.includes(`mount=${encodeURIComponent(layer.digest)}`) && e.status === 201));
    await transport.close();
    const client = new RegistryClient(registry.host, { insecure: true, retry: FAST_RETRY });
    assert.equal(await client.blobExists('push/mounted', layer.digest), layer.data.length);
    client.close();
  });

  it('an index: children by digest first, then the index under the tag', async () => {
    const a = buildOciImage([layerWithFile('a', 'index child a')], { gzip: true, platform: { architecture: 'amd64' } });
    const b = buildOciImage([layerWithFile('b', 'index child b')], { gzip: true, platform: { architecture: 'arm64', variant: 'v8' } });
    const index = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: OCI_MANIFEST, digest: a.manifestDigest, size: a.manifest.length, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: OCI_MANIFEST, digest: b.manifestDigest, size: b.manifest.length, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      ],
    }));
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    const dest = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/index:1`));
    for (const child of [a, b]) {
      await pushImage(dest, child);
      await dest.putManifest({ bytes: child.manifest, mediaType: OCI_MANIFEST }, child.manifestDigest);
    }
    await dest.putManifest({ bytes: index, mediaType: 'application/vnd.oci.image.index.v1+json' });
    await dest.commit();
    await transport.close();
    assert.deepEqual(await inspectRaw('push/index:1'), index);
    assert.deepEqual(await inspectRaw(`push/index@${b.manifestDigest}`), b.manifest);
  });

  it('a blob of unknown digest and size is hashed while it uploads and returned with both', async () => {
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    const dest = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/unknown:1`));
    const data = Buffer.from('compressed on the fly, digest known only at the end');
    const info = await dest.putBlob(Readable.from([data.subarray(0, 10), data.subarray(10)]), { digest: '', size: -1 });
    assert.deepEqual(info, { digest: `sha256:${sha256Hex(data)}`, size: data.length });
    await transport.close();
    const client = new RegistryClient(registry.host, { insecure: true, retry: FAST_RETRY });
    assert.equal(await client.blobExists('push/unknown', info.digest), data.length);
    client.close();
  });

  it('a blob whose bytes differ from the digest given is refused and the upload cancelled', async () => {
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    const dest = await transport.openDestination(parseDockerReference(`//${proxy.host}/push/bad:1`));
    const wrong = `sha256:${sha256Hex('something else')}`;
    proxy.log.length = 0;
    await assert.rejects(dest.putBlob(Readable.from([Buffer.from('payload')]), { digest: wrong, size: 7 }), (err) => isImageError(err, 'blob-digest-mismatch'));
    assert.ok(proxy.log.some((e) => e.method === 'DELETE' && e.path.includes('/blobs/uploads/')));
    await transport.close();
  });
});
