// Faults between Berth and a registry, made by a fault-injecting proxy in
// front of a real docker-registry: each fault gives its typed error, and
// retries or a Range resume happen where they make sense.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isImageError, parseDockerReference, parseManifest, RegistryClient, type BlobInfo } from '../../src/image/index.js';
import { startFaultProxy, type FaultProxy } from '../helpers/fault-proxy.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { readAll } from '../helpers/streams.js';
import { FAST_RETRY, makeTempDir, testTransport } from './registry-fixture.js';

describe('docker transport: registry faults', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let registry: RegistryServer;
  let proxy: FaultProxy;
  let image: OciImage;
  let layer: BlobInfo;
  const LAYER_PATH = /\/blobs\/sha256:/;

  before(async () => {
    temp = await makeTempDir('berth-reg-faults-');
    registry = await startRegistry({ dir: `${temp.dir}/reg` });
    // Random content: gzip cannot shrink it, so the blob is big enough to cut in the middle.
    image = buildOciImage([layerWithFile('big.bin', randomBytes(3 << 20))], { gzip: true });
    await pushWithSkopeo(await ociLayoutOf(temp.dir, image, '1'), 'faults/img:1', registry);
    proxy = await startFaultProxy(registry.url);
    layer = parseManifest(image.manifest, 'application/vnd.oci.image.manifest.v1+json').layers[0] as BlobInfo;
  });

  beforeEach(() => {
    proxy.clearFaults();
    proxy.log.length = 0;
  });

  after(async () => {
    await proxy?.stop();
    await registry?.stop();
    await temp?.dispose();
  });

  const ref = (tag = '1') => parseDockerReference(`//${proxy.host}/faults/img:${tag}`);
  const layerRequests = () => proxy.log.filter((e) => LAYER_PATH.test(e.path) && e.path.includes(layer.digest));

  async function readLayer(): Promise<{ bytes: Buffer; retries: ReturnType<typeof testTransport>['retries'] }> {
    const { transport, retries } = testTransport({ insecureHosts: [proxy.host] });
    try {
      const source = await transport.openSource(ref());
      return { bytes: await readAll(await source.getBlob(layer)), retries };
    } finally {
      await transport.close();
    }
  }

  it('a blob whose bytes do not match its digest fails with blob-digest-mismatch', async () => {
    proxy.addFault({ path: LAYER_PATH, fault: { kind: 'corrupt' } });
    await assert.rejects(readLayer(), (err) => isImageError(err, 'blob-digest-mismatch') && err.message.includes(layer.digest));
  });

  it('a truncated blob is resumed with Range and verifies', async () => {
    proxy.addFault({ path: LAYER_PATH, fault: { kind: 'truncate', afterBytes: 1 << 20 }, times: 1 });
    const { bytes, retries } = await readLayer();
    assert.deepEqual(bytes, image.layerBlobs[0]?.data);
    assert.deepEqual(layerRequests().map((e) => e.range), [undefined, `bytes=${1 << 20}-`]);
    assert.equal(layerRequests()[1]?.status, 206);
    assert.deepEqual(retries.map((r) => [r.kind, r.offset]), [['resume', 1 << 20]]);
  });

  it('a connection reset mid-blob is resumed with Range and verifies', async () => {
    proxy.addFault({ path: LAYER_PATH, fault: { kind: 'reset', afterBytes: 1_500_000 }, times: 1 });
    const { bytes, retries } = await readLayer();
    assert.deepEqual(bytes, image.layerBlobs[0]?.data);
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(layerRequests()[1]?.range ?? '')?.[1]);
    assert.ok(resumedAt > 0 && resumedAt <= 1_500_000, `resumed at ${resumedAt}`);
    assert.equal(retries.filter((r) => r.kind === 'resume').length, 1);
  });

  it('a blob that stalls mid-way is dropped after the idle timeout and resumed', async () => {
    proxy.addFault({ path: LAYER_PATH, fault: { kind: 'stall', afterBytes: 1 << 20 }, times: 1 });
    // Long enough that a loaded machine (CI runs the suite on 2 cores) never stalls this long by itself.
    const { transport, retries } = testTransport({ insecureHosts: [proxy.host], idleTimeoutMs: 2000 });
    const source = await transport.openSource(ref());
    assert.deepEqual(await readAll(await source.getBlob(layer)), image.layerBlobs[0]?.data);
    assert.deepEqual(layerRequests().map((e) => e.range), [undefined, `bytes=${1 << 20}-`]);
    assert.match(retries[0]?.reason ?? '', /no data from .* for 2000 ms/);
    await transport.close();
  });

  it('a config over 4 MiB is refused with config-too-large before it is fetched', async () => {
    const client = new RegistryClient(proxy.host, { insecure: true, retry: FAST_RETRY });
    proxy.log.length = 0;
    await assert.rejects(client.getBlobBytes('faults/img', { digest: layer.digest, size: (4 << 20) + 1 }), (err) => isImageError(err, 'config-too-large'));
    assert.equal(layerRequests().length, 0);
    client.close();
  });

  it('429 then success: the request is sent again after the Retry-After delay', async () => {
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'status', status: 429, retryAfter: '0' }, times: 1 });
    const { transport, retries } = testTransport({ insecureHosts: [proxy.host] });
    const source = await transport.openSource(ref());
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    assert.deepEqual(proxy.log.filter((e) => e.path.includes('/manifests/')).map((e) => e.status), [429, 200]);
    assert.deepEqual(retries.map((r) => [r.kind, r.reason]), [['retry', 'HTTP status 429']]);
    await transport.close();
  });

  it('a connection reset on a manifest GET is retried', async () => {
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'reset', afterBytes: 10 }, times: 1 });
    const { transport, retries } = testTransport({ insecureHosts: [proxy.host] });
    const source = await transport.openSource(ref());
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    assert.equal(proxy.log.filter((e) => e.path.includes('/manifests/')).length, 2);
    assert.equal(retries.length, 1);
    await transport.close();
  });

  it('an aborted download stops at once: AbortError, no retry, no resume', async () => {
    const { transport, retries } = testTransport({ insecureHosts: [proxy.host] });
    const source = await transport.openSource(ref());
    const controller = new AbortController();
    const stream = await source.getBlob(layer, { signal: controller.signal, onProgress: () => controller.abort() });
    await assert.rejects(readAll(stream), (err) => (err as Error).name === 'AbortError');
    assert.deepEqual(retries, []);
    await transport.close();
  });

  it('500 forever: gives up after the policy\'s attempts with registry-unavailable', async () => {
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'status', status: 500 } });
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    await assert.rejects(transport.openSource(ref()), (err) => isImageError(err, 'registry-unavailable') && err.detail.attempts === 3);
    assert.equal(proxy.log.filter((e) => e.path.includes('/manifests/')).length, 3);
    await transport.close();
  });

  it('a manifest over 4 MiB fails with manifest-too-large', async () => {
    const huge = Buffer.alloc((4 << 20) + 1, 0x20);
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'replace', body: huge, contentType: 'application/vnd.oci.image.manifest.v1+json' } });
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    await assert.rejects(transport.openSource(ref()), (err) => isImageError(err, 'manifest-too-large'));
    await transport.close();
  });

  it('a manifest that is not JSON fails with manifest-invalid', async () => {
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'replace', body: Buffer.from('<html>oops</html>'), contentType: 'application/vnd.oci.image.manifest.v1+json' } });
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    await assert.rejects(transport.openSource(ref()), (err) => isImageError(err, 'manifest-invalid') && /not valid JSON/.test(err.message));
    await transport.close();
  });

  it('a schema1 manifest fails with manifest-unsupported naming the type', async () => {
    const schema1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'faults/img', tag: '1', fsLayers: [], history: [] }));
    proxy.addFault({ path: /\/manifests\//, fault: { kind: 'replace', body: schema1, contentType: 'application/vnd.docker.distribution.manifest.v1+prettyjws' } });
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    await assert.rejects(transport.openSource(ref()), (err) => isImageError(err, 'manifest-unsupported') && /schema 1/.test(err.message));
    await transport.close();
  });

  it('a redirect loop on a blob stops with too-many-redirects', async () => {
    proxy.addFault({ path: LAYER_PATH, fault: { kind: 'redirect-loop' } });
    await assert.rejects(readLayer(), (err) => isImageError(err, 'too-many-redirects'));
    assert.equal(layerRequests().length, 11);
  });

  it('a blob longer than its descriptor fails with blob-size-mismatch before reading it all', async () => {
    const { transport } = testTransport({ insecureHosts: [proxy.host] });
    const source = await transport.openSource(ref());
    await assert.rejects(readAll(await source.getBlob({ ...layer, size: layer.size - 10 })), (err) => isImageError(err, 'blob-size-mismatch'));
    await transport.close();
  });
});
