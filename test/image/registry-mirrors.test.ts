// registries.conf at work against real registries: mirrors in order with
// fallback to the primary, pull-from-mirror, blocked registries, and short
// names resolved by search registries and aliases, then pulled.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  dockerImageReference, isImageError, parseDockerReference, referenceString, resolveShortName, type DockerTransport,
} from '../../src/image/index.js';
import { buildOciImage, type OciImage } from '../helpers/oci-image.js';
import { freePort, startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { layerWithFile, ociLayoutOf, pushWithSkopeo } from '../helpers/registry-images.js';
import { makeTempDir, registriesConf, testTransport } from './registry-fixture.js';

describe('registries.conf: mirrors, blocked registries and short names', () => {
  let temp: { dir: string; dispose(): Promise<void> };
  let primary: RegistryServer;
  let mirror: RegistryServer;
  let onMirror: OciImage;
  let onPrimary: OciImage;
  let onMirrorDigest: string;

  before(async () => {
    temp = await makeTempDir('berth-reg-mirror-');
    primary = await startRegistry({ dir: `${temp.dir}/primary` });
    mirror = await startRegistry({ dir: `${temp.dir}/mirror` });
    onMirror = buildOciImage([layerWithFile('where', 'on the mirror')], { gzip: true });
    onPrimary = buildOciImage([layerWithFile('where', 'on the primary')], { gzip: true });
    onMirrorDigest = await pushWithSkopeo(await ociLayoutOf(temp.dir, onMirror), 'lib/img:1', mirror);
    await pushWithSkopeo(await ociLayoutOf(temp.dir, onPrimary), 'lib/img:1', primary);
    await pushWithSkopeo(await ociLayoutOf(temp.dir, onPrimary), 'lib/primary-only:1', primary);
  });

  after(async () => {
    await primary?.stop();
    await mirror?.stop();
    await temp?.dispose();
  });

  function transportWith(conf: string): DockerTransport {
    return testTransport({ registries: registriesConf(conf) }).transport;
  }

  const mirrored = (mirrorLocation: string, mirrorSettings = '') => `
[[registry]]
prefix = "example.invalid/lib"
location = "${primary.host}/lib"
insecure = true
[[registry.mirror]]
location = "${mirrorLocation}"
insecure = true
${mirrorSettings}
`;

  it('a mirror that has the image serves it; the name stays the user\'s', async () => {
    const transport = transportWith(mirrored(`${mirror.host}/lib`));
    const ref = parseDockerReference('//example.invalid/lib/img:1');
    const source = await transport.openSource(ref);
    assert.equal(source.pulledFrom.domain, mirror.host);
    assert.equal(source.reference.dockerReference, 'example.invalid/lib/img:1');
    assert.deepEqual((await source.getManifest()).bytes, onMirror.manifest);
    await transport.close();
  });

  it('a mirror without the image, or one that is down, falls back to the primary', async () => {
    const transport = transportWith(mirrored(`${mirror.host}/lib`));
    const source = await transport.openSource(parseDockerReference('//example.invalid/lib/primary-only:1'));
    assert.equal(source.pulledFrom.domain, primary.host);
    await transport.close();
    const down = transportWith(mirrored(`127.0.0.1:${await freePort()}/lib`));
    const fromPrimary = await down.openSource(parseDockerReference('//example.invalid/lib/img:1'));
    assert.deepEqual((await fromPrimary.getManifest()).bytes, onPrimary.manifest);
    await down.close();
  });

  it('pull-from-mirror = "digest-only" skips the mirror for a tag and uses it for a digest', async () => {
    const transport = transportWith(mirrored(`${mirror.host}/lib`, 'pull-from-mirror = "digest-only"'));
    const byTag = await transport.openSource(parseDockerReference('//example.invalid/lib/img:1'));
    assert.equal(byTag.pulledFrom.domain, primary.host);
    const byDigest = await transport.openSource(parseDockerReference(`//example.invalid/lib/img@${onMirrorDigest}`));
    assert.equal(byDigest.pulledFrom.domain, mirror.host);
    await transport.close();
  });

  it('when every source fails the error names each one', async () => {
    const transport = transportWith(mirrored(`${mirror.host}/lib`));
    await assert.rejects(transport.openSource(parseDockerReference('//example.invalid/lib/nowhere:1')), (err) =>
      isImageError(err, 'manifest-unknown') && err.message.includes(`mirror ${mirror.host}/lib/nowhere:1`) && err.message.includes(`primary ${primary.host}/lib/nowhere:1`));
    await transport.close();
  });

  it('a blocked registry is refused before any request', async () => {
    const transport = transportWith(`[[registry]]\nlocation = "${primary.host}"\nblocked = true\n`);
    await assert.rejects(transport.openSource(parseDockerReference(`//${primary.host}/lib/img:1`)), (err) => isImageError(err, 'registry-blocked'));
    await transport.close();
  });

  it('a short name tries each search registry in order and pulls from the first that has it', async () => {
    const conf = `unqualified-search-registries = ["${mirror.host}", "${primary.host}"]\nshort-name-mode = "permissive"\n`
      + `[[registry]]\nlocation = "${mirror.host}"\ninsecure = true\n[[registry]]\nlocation = "${primary.host}"\ninsecure = true\n`;
    const config = registriesConf(conf);
    const resolution = resolveShortName(config, 'lib/primary-only:1');
    assert.deepEqual(resolution.candidates.map(referenceString), [`${mirror.host}/lib/primary-only:1`, `${primary.host}/lib/primary-only:1`]);
    const { transport } = testTransport({ registries: config });
    const tried: string[] = [];
    let pulled;
    for (const candidate of resolution.candidates) {
      tried.push(referenceString(candidate));
      try {
        pulled = await transport.openSource(dockerImageReference(candidate));
        break;
      } catch (err) {
        if (!isImageError(err, 'manifest-unknown')) throw err;
      }
    }
    assert.equal(tried.length, 2);
    assert.deepEqual((await pulled?.getManifest())?.bytes, onPrimary.manifest);
    await transport.close();
    assert.throws(() => resolveShortName(registriesConf(conf.replace('permissive', 'enforcing')), 'lib/img:1'), (err) => isImageError(err, 'short-name-ambiguous'));
  });

  it('an alias resolves a short name to one registry and keeps the tag', async () => {
    const config = registriesConf(`unqualified-search-registries = ["${primary.host}"]\n[aliases]\n"myimg" = "${mirror.host}/lib/img"\n[[registry]]\nlocation = "${mirror.host}"\ninsecure = true\n`);
    const resolution = resolveShortName(config, 'myimg:1');
    assert.equal(resolution.origin, 'alias');
    assert.deepEqual(resolution.candidates.map(referenceString), [`${mirror.host}/lib/img:1`]);
    const { transport } = testTransport({ registries: config });
    const source = await transport.openSource(dockerImageReference(resolution.candidates[0]!));
    assert.deepEqual((await source.getManifest()).bytes, onMirror.manifest);
    await transport.close();
  });
});
