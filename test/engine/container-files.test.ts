// The files podman bind-mounts into every container (/etc/hosts,
// /etc/resolv.conf, /etc/hostname, /run/.containerenv), through the shipped
// executable, against podman's for the same run on the same store.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { berthAndPodmanOnOneStore } from '../interop/shared-store.js';
import { BUSYBOX_IMAGE } from './engine-fixture.js';

describe('/etc/hosts, /etc/resolv.conf, /etc/hostname and /run/.containerenv (bin/berth.cjs, podman alongside)', () => {
  const { fixture, berth, ok, podmanOk } = berthAndPodmanOnOneStore();
  const show = ['/bin/busybox', 'sh', '-c', 'for f in /etc/hosts /etc/resolv.conf /etc/hostname /run/.containerenv; do echo "== $f"; cat $f 2>&1; echo; done'];

  it('match podman\'s for the host\'s network, and for a namespace of its own without a CNI network (podman\'s none)', async () => {
    const onHost = ['--network', 'host', '--hostname', 'box', BUSYBOX_IMAGE, ...show];
    assert.equal(await ok('run', '--rm', '--name', 'b-host', ...onHost), await podmanOk('run', '--rm', '--name', 'p-host', ...onHost));
    const mine = await ok('run', '--rm', '--name', 'b-own', '--hostname', 'box', BUSYBOX_IMAGE, ...show);
    const theirs = await podmanOk('run', '--rm', '--name', 'p-own', '--network', 'none', '--hostname', 'box', BUSYBOX_IMAGE, ...show);
    // podman lists host.containers.internal there too, though a namespace with loopback only cannot reach it; Berth leaves it out.
    assert.equal(mine.replace('box b-own', 'box NAME'), theirs.replace('box p-own', 'box NAME').replace(/^\S+\thost\.containers\.internal\n/m, ''));
    assert.doesNotMatch(mine, /host\.containers\.internal/);
    assert.match(mine, /127\.0\.0\.1\tbox b-own\n/);
    assert.match(mine, /== \/etc\/resolv\.conf\ncat: can't open '\/etc\/resolv\.conf': No such file or directory/, 'no resolver without a network out');
    assert.match(mine, /== \/etc\/hostname\nbox\n== \/run\/\.containerenv\n\n/);
  });

  it('--add-host, --dns, --dns-search and --dns-option as podman writes them; --no-hosts and a user\'s bind keep theirs', async () => {
    const flags = ['--network', 'host', '--add-host', 'db:10.1.2.3', '--add-host', 'cache:10.1.2.4', '--dns', '9.9.9.9', '--dns-search', 'example.com', '--dns-option', 'ndots:2'];
    const script = ['/bin/busybox', 'sh', '-c', 'cat /etc/hosts /etc/resolv.conf'];
    const mine = await ok('run', '--rm', ...flags, BUSYBOX_IMAGE, ...script);
    assert.equal(mine, await podmanOk('run', '--rm', ...flags, BUSYBOX_IMAGE, ...script));
    assert.match(mine, /^10\.1\.2\.3\tdb\n10\.1\.2\.4\tcache\n/);
    assert.match(mine, /search example\.com\nnameserver 9\.9\.9\.9\noptions ndots:2\n$/);
    assert.equal(await ok('run', '--rm', '--no-hosts', BUSYBOX_IMAGE, '/bin/busybox', 'sh', '-c', 'cat /etc/hosts 2>&1 || true'), 'cat: can\'t open \'/etc/hosts\': No such file or directory\n', 'busybox\'s image has none');
    const mineHosts = join(fixture().temp.dir, 'my-hosts');
    writeFileSync(mineHosts, '10.9.9.9\tmine\n');
    assert.equal(await ok('run', '--rm', '-v', `${mineHosts}:/etc/hosts:ro`, BUSYBOX_IMAGE, '/bin/busybox', 'cat', '/etc/hosts'), readFileSync(mineHosts, 'utf8'));
  });

  it('a bad --add-host or --dns, or DNS settings without a network of its own, is refused before anything is made', async () => {
    for (const [flags, message] of [
      [['--add-host', 'nocolon'], /invalid --add-host "nocolon": want HOST:IP/],
      [['--add-host', 'db:not-an-ip'], /invalid --add-host "db:not-an-ip"/],
      [['--network', 'host', '--dns', '300.1.1.1'], /invalid --dns "300\.1\.1\.1"/],
      // podman's words for DNS settings where the container has no resolver of its own.
      [['--dns', '1.1.1.1'], /^Error: conflicting options: dns and the network mode: private\n$/],
      [['--network', 'none', '--dns-search', 'example.com'], /conflicting options: dns and the network mode: none/],
    ] as const) {
      const refused = await berth('run', '--rm', ...flags, BUSYBOX_IMAGE, '/bin/busybox', 'true');
      assert.equal(refused.code, 125, flags.join(' '));
      assert.match(refused.stderr.toString(), message);
    }
    assert.equal((await fixture().store.containers()).length, 0);
  });
});
