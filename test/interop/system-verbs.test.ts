// `berth version` and `berth info` through the shipped executable, with
// podman's info of the same store beside Berth's.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { REPO_ROOT } from '../helpers/berth.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('version and info (bin/berth.cjs, podman alongside)', () => {
  const { ok, podmanOk } = berthAndPodmanOnOneStore();

  it('version prints Berth\'s and Node\'s versions, as a table, JSON or a template', async () => {
    const { version } = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as { version: string };
    assert.match(await ok('version'), new RegExp(`^Client: +Berth\\nVersion: +${version.replace(/\./g, '\\.')}\\nNodeVersion: +${process.version}\\nOsArch: +linux/amd64\\nOs: +linux\\n$`));
    assert.equal(await ok('version', '--format', '{{.Client.Version}} {{.Client.NodeVersion}}'), `${version} ${process.version}\n`);
    assert.equal((JSON.parse(await ok('version', '--format', 'json')) as { Client: { Version: string } }).Client.Version, version);
  });

  it('info tells what podman\'s info tells of the host and the store, under the same template fields', async () => {
    await ok('create', '--name', 'counted', 'busybox', '/bin/busybox', 'true');
    const template = '{{.Host.Arch}} {{.Host.OS}} {{.Host.Kernel}} {{.Host.CPUs}} {{.Host.CgroupsVersion}} {{.Host.Security.Rootless}} {{.Host.Conmon.Version}} {{.Store.GraphOptions}} {{.Store.GraphStatus}} {{.Host.Hostname}} {{.Host.Conmon.Path}} '
      + '{{.Store.GraphDriverName}} {{.Store.GraphRoot}} {{.Store.RunRoot}} {{.Store.ImageStore.Number}} {{index .Store.GraphStatus "Backing Filesystem"}}';
    assert.equal(await ok('info', '--format', template), await podmanOk('info', '--format', template));
    // Each counts the containers it made (podman keeps its own in its database).
    assert.equal(await ok('info', '--format', '{{.Store.ContainerStore.Number}} {{.Store.ContainerStore.Stopped}}'), '1 0\n');
    const yaml = await ok('info');
    assert.match(yaml, /^host:\n {2}arch: amd64\n/);
    assert.match(yaml, /^ {2}ociRuntime:\n {4}name: crun\n {4}path: \/usr\/bin\/crun\n {4}version: \|-\n {6}crun version /m);
    assert.match(yaml, /^store:\n {2}containerStore:\n {4}number: 1\n/m);
    const json = JSON.parse(await ok('info', '--format', 'json')) as { store: { graphRoot: string; graphStatus: Record<string, string> } };
    assert.equal(json.store.graphStatus['Backing Filesystem'], 'extfs');
    await ok('rm', 'counted');
  });
});
