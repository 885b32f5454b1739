// run and create pull the image of an index that --platform (or --os, --arch,
// --variant) names, as podman's do, through the shipped executable and a
// docker-registry the test starts on loopback.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildOciImage } from '../helpers/oci-image.js';
import { multiPlatformLayout, pushWithSkopeo } from '../helpers/registry-images.js';
import { TarBuilder } from '../helpers/tar-builder.js';
import { startRegistry, type RegistryServer } from '../helpers/registry-server.js';
import { engineCli } from './engine-cli.js';

describe('berth run/create --platform (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  let registry: RegistryServer;
  let reference: string;

  before(async () => {
    registry = await startRegistry({ dir: `${fixture().temp.dir}/registry` });
    // An executable /arch: Berth's create makes the runtime's container, which wants the command executable (not run).
    const layer = (content: string): Buffer => new TarBuilder().file('arch', content, { mode: 0o755 }).toBuffer();
    const amd64 = buildOciImage([layer('amd64')], { gzip: true, cmd: ['/arch'], platform: { architecture: 'amd64' } });
    const arm = buildOciImage([layer('arm v7')], { gzip: true, cmd: ['/arch'], platform: { architecture: 'arm', variant: 'v7' } });
    const multi = await multiPlatformLayout(`${fixture().temp.dir}/multi`, [
      { image: amd64, platform: { os: 'linux', architecture: 'amd64' } },
      { image: arm, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
    ]);
    await pushWithSkopeo(multi.source, 'test/multi:1', registry, { all: true });
    reference = `${registry.host}/test/multi:1`;
  });
  after(async () => registry?.stop());

  it('create --platform linux/arm/v7 pulls the arm image of the index; --arch amd64 with --pull always the other', async () => {
    const arm = (await ok('create', '-q', '--tls-verify=false', '--platform', 'linux/arm/v7', reference)).trim();
    const archOf = async (id: string): Promise<string> => {
      const image = (await ok('inspect', '-f', '{{.Image}}', id)).trim();
      return ok('image', 'inspect', '-f', '{{.Architecture}}', image);
    };
    assert.equal(await archOf(arm), 'arm\n');
    const amd = (await ok('create', '-q', '--tls-verify=false', '--pull', 'always', '--arch', 'amd64', reference)).trim();
    assert.equal(await archOf(amd), 'amd64\n');
    await ok('rm', arm, amd);
    const refused = await berth('create', '-q', '--tls-verify=false', '--pull', 'always', '--arch', 's390x', reference);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /s390x/);
    assert.equal(await ok('ps', '-aq'), '');
  });
});
