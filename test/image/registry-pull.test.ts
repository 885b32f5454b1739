// The docker transport against a real docker-registry: manifests and blobs
// of OCI and Docker schema2 images, an index with platform choice, by tag
// and by digest, tags and catalog, and the errors for unknown names.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import {
  chooseIndexEntry, isImageError, MEDIA_TYPE, parseDockerReference, parseIndex, parseManifest, RegistryClient,
} from '../../src/image/index.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { layerWithFile, multiPlatformLayout, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { readAll } from '../helpers/streams.js';
import { FAST_RETRY, makeTempDir, testTransport } from './registry-fixture.js';

describe('docker transport: pulling from docker-registry', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let registry: RegistryServer;
  let image: OciImage;
  let ociDigest: string;
  let v2s2Digest: string;
  let amd64: OciImage;
  let arm: OciImage;
  let indexDigest: string;

  before(async () => {
    temp = await makeTempDir('berth-reg-pull-');
    registry = await startRegistry({ dir: `${temp.dir}/reg` });
    image = buildOciImage([layerWithFile('a.txt', 'pull test a'), layerWithFile('b.txt', 'pull test b')], { gzip: true });
    const layout = await ociLayoutOf(temp.dir, image, '1');
    ociDigest = await pushWithSkopeo(layout, 'test/oci:1', registry);
    v2s2Digest = await pushWithSkopeo(layout, 'test/docker:1', registry, { format: 'v2s2' });
    amd64 = buildOciImage([layerWithFile('arch', 'amd64')], { gzip: true, platform: { architecture: 'amd64' } });
    arm = buildOciImage([layerWithFile('arch', 'arm v7')], { gzip: true, platform: { architecture: 'arm', variant: 'v7' } });
    const multi = await multiPlatformLayout(`${temp.dir}/multi`, [
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ]);
    indexDigest = await pushWithSkopeo(multi.source, 'test/multi:1', registry, { all: true });
  });

  after(async () => {
    await registry?.stop();
    await temp?.dispose();
  });

  it('openSource() reads an OCI manifest byte for byte and its blobs verified', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/test/oci:1`));
    const manifest = await source.getManifest();
    assert.equal(manifest.mediaType, MEDIA_TYPE.ociManifest);
    assert.deepEqual(manifest.bytes, image.manifest);
    assert.equal(source.manifestDigest, ociDigest);
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    assert.deepEqual(await readAll(await source.getBlob(parsed.config)), image.config);
    for (const [i, layer] of parsed.layers.entries()) {
      assert.deepEqual(await readAll(await source.getBlob(layer)), image.layerBlobs[i]?.data);
    }
    await transport.close();
  });

  it('openSource() reads a Docker schema2 manifest as skopeo converted it, with the same config', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/test/docker:1`));
    const manifest = await source.getManifest();
    assert.equal(manifest.mediaType, MEDIA_TYPE.dockerManifest);
    assert.equal(source.manifestDigest, v2s2Digest);
    const parsed = parseManifest(manifest.bytes, manifest.mediaType);
    assert.equal(parsed.config.digest, image.configDigest);
    assert.deepEqual(await readAll(await source.getBlob(parsed.config)), image.config);
    await transport.close();
  });

  it('openSource() by digest verifies the manifest against the digest asked for', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/test/oci@${ociDigest}`));
    assert.deepEqual((await source.getManifest()).bytes, image.manifest);
    await transport.close();
  });

  it('an index: chooseIndexEntry() picks the arm/v7 image and getManifest(instance) fetches it', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/test/multi:1`));
    const top = await source.getManifest();
    assert.equal(top.mediaType, MEDIA_TYPE.ociIndex);
    assert.equal(source.manifestDigest, indexDigest);
    const index = parseIndex(top.bytes, top.mediaType);
    const armEntry = chooseIndexEntry(index, { os: 'linux', architecture: 'arm', variant: 'v7' });
    assert.equal(armEntry.digest, arm.manifestDigest);
    assert.deepEqual((await source.getManifest(armEntry.digest)).bytes, arm.manifest);
    const amdEntry = chooseIndexEntry(index, { os: 'linux', architecture: 'amd64' });
    assert.equal(amdEntry.digest, amd64.manifestDigest);
    assert.throws(() => chooseIndexEntry(index, { os: 'linux', architecture: 's390x' }), (err) => isImageError(err, 'no-matching-platform'));
    await transport.close();
  });

  it('an unknown tag fails with manifest-unknown', async () => {
    const { transport } = testTransport({ insecureHosts: [registry.host] });
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/test/oci:nope`)),
      (err) => isImageError(err, 'manifest-unknown') && /nope/.test(err.message));
    await transport.close();
  });

  it('a registry that is not configured insecure is not spoken to over plain HTTP', async () => {
    const { transport } = testTransport();
    await assert.rejects(transport.openSource(parseDockerReference(`//${registry.host}/test/oci:1`)),
      (err) => isImageError(err, 'registry-unavailable') && /pinging container registry/.test(err.message));
    await transport.close();
  });

  it('getSignatures() reads signature-1, -2 … from a file: lookaside until one is missing', async () => {
    const base = `${temp.dir}/lookaside/test/oci`;
    const sigDir = `${base}@sha256=${ociDigest.slice(7)}`;
    await mkdir(sigDir, { recursive: true });
    await writeFile(`${sigDir}/signature-1`, 'first signature');
    await writeFile(`${sigDir}/signature-2`, 'second signature');
    const asked: string[] = [];
    const { transport } = testTransport({
      insecureHosts: [registry.host],
      lookaside: (repository) => { asked.push(repository); return pathToFileURL(base); },
    });
    const source = await transport.openSource(parseDockerReference(`//${registry.host}/test/oci:1`));
    assert.deepEqual((await source.getSignatures()).map(String), ['first signature', 'second signature']);
    assert.deepEqual(asked, [`${registry.host}/test/oci`]);
    await transport.close();
    const { transport: without } = testTransport({ insecureHosts: [registry.host] });
    assert.deepEqual(await (await without.openSource(parseDockerReference(`//${registry.host}/test/oci:1`))).getSignatures(), []);
    await without.close();
  });

  it('RegistryClient lists tags and the catalog', async () => {
    const client = new RegistryClient(registry.host, { insecure: true, retry: FAST_RETRY });
    assert.deepEqual(await client.listTags('test/oci'), ['1']);
    assert.deepEqual((await client.catalog()).sort(), ['test/docker', 'test/multi', 'test/oci']);
    client.close();
  });
});
