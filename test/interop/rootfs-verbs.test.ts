// `diff`, `mount`, `unmount`, `commit` and `rename` through the shipped
// executable, as users type them, with podman's view of the same store
// beside Berth's.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUSYBOX_IMAGE } from '../engine/engine-fixture.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('diff, mount, unmount, commit, rename (bin/berth.cjs, podman alongside)', () => {
  const { berth, ok, podmanOk } = berthAndPodmanOnOneStore();

  it('diff lists what a container changed, as podman lists it, in text and JSON; an image\'s top layer too', async () => {
    await ok('run', '--name', 'changed', 'busybox', '/bin/sh', '-c', 'echo x > /newfile; rm /bin/sh; echo h > /etc/hosts2');
    const text = await ok('diff', 'changed');
    assert.match(text, /^C \/bin\nD \/bin\/sh\n[AC] \/etc\nA \/etc\/hosts2\nA \/newfile\n$/);
    assert.equal(text, await podmanOk('diff', 'changed'));
    assert.equal(await ok('diff', '--format', 'json', 'changed'), await podmanOk('diff', '--format', 'json', 'changed'));
    assert.equal(await ok('diff', 'busybox'), await podmanOk('diff', BUSYBOX_IMAGE));
    const unknown = await berth('diff', 'no-such-thing');
    assert.equal(unknown.code, 125);
    assert.match(unknown.stderr.toString(), /^Error: no such object: "no-such-thing"\n$/);
    await ok('rm', 'changed');
  });

  it('mount prints the root and keeps it mounted until unmount; mount alone lists it, as podman mount does', async () => {
    const id = (await ok('create', '--name', 'mounted', 'busybox', '/bin/busybox', 'true')).trim();
    const root = (await ok('mount', 'mounted')).trim();
    assert.ok(existsSync(join(root, 'bin', 'busybox')), `${root} holds the image's files`);
    assert.equal(await ok('mount'), `${id.slice(0, 12)}  ${root}\n`);
    assert.equal(await ok('mount'), await podmanOk('mount'));
    assert.equal(await ok('mount', '--no-trunc'), `${id}  ${root}\n`);
    await ok('mount', 'mounted');
    assert.equal(await ok('unmount', 'mounted'), `${id}\n`);
    assert.ok(existsSync(join(root, 'bin', 'busybox')), 'mounted twice, unmounted once: still mounted');
    assert.equal(await ok('umount', '--all'), `${id}\n`);
    assert.equal(existsSync(join(root, 'bin', 'busybox')), false);
    assert.equal(await ok('mount'), '');
    const both = await berth('unmount', '--all', 'mounted');
    assert.equal(both.code, 125);
    await ok('rm', 'mounted');
  });

  it('commit makes an image of what a container changed, with its settings and the --changes, that Berth and podman run', async () => {
    await ok('run', '--name', 'tocommit', '-e', 'GREETING=hi', '-w', '/tmp', '-l', 'tier=db', 'busybox', '/bin/sh', '-c', 'echo committed > /data.txt');
    const id = (await ok('commit', '-q', '-m', 'a message', '-a', 'someone', '-c', 'LABEL extra=1', 'tocommit', 'committed')).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    // A name without a registry is podman's localhost/NAME:latest, for commit as for tag.
    await ok('tag', 'committed', 'again');
    // Both names of the image, as podman lists an image a name finds.
    assert.equal(await ok('images', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}', 'committed'), `${id.slice(0, 12)} localhost/again:latest\n${id.slice(0, 12)} localhost/committed:latest\n`);
    assert.equal(await ok('images', '-q', '--no-trunc', 'localhost/again:latest'), `sha256:${id}\n`);
    const template = '{{.Id}} {{.Author}} {{json .Config.Env}} {{.Config.WorkingDir}} {{.Config.Labels}} {{json .Config.Cmd}} {{len .RootFS.Layers}}';
    const seen = await ok('image', 'inspect', '--format', template, 'committed');
    // The container's environment, container=berth among it, as podman's commit keeps its container=podman.
    assert.match(seen, new RegExp(`^${id} someone \\["PATH=[^"]*","TERM=xterm","container=berth","GREETING=hi"\\] /tmp map\\[extra:1 tier:db\\] \\["/bin/sh","-c","echo committed > /data.txt"\\] 2\\n$`));
    assert.equal(seen, await podmanOk('image', 'inspect', '--format', template, 'localhost/committed:latest'));
    assert.match(await ok('history', '--format', '{{.Comment}}', 'committed'), /^a message\n/);
    assert.equal(await ok('run', '--rm', 'committed', '/bin/busybox', 'cat', '/data.txt'), 'committed\n');
    assert.equal(await podmanOk('run', '--rm', 'localhost/committed:latest', '/bin/busybox', 'cat', '/data.txt'), 'committed\n');
    await ok('rm', 'tocommit');
    await ok('rmi', 'committed', 'again');
  });

  it('rename changes the name everywhere a name is shown; a bad or taken name is refused and changes nothing', async () => {
    const id = (await ok('create', '--name', 'before', 'busybox', '/bin/busybox', 'true')).trim();
    await ok('create', '--name', 'taken', 'busybox', '/bin/busybox', 'true');
    assert.equal(await ok('rename', 'before', 'after'), '');
    assert.equal(await ok('inspect', '-f', '{{.Name}} {{.Id}}', 'after'), `after ${id}\n`);
    assert.match(await podmanOk('ps', '-a', '--external', '--format', '{{.ID}} {{.Names}}'), new RegExp(`^${id.slice(0, 12)} after$`, 'm'));
    for (const [name, message] of [['taken', /the container name "taken" is already in use/], ['bad name', /names must match/]] as const) {
      const refused = await berth('rename', 'after', name);
      assert.equal(refused.code, 125, name);
      assert.match(refused.stderr.toString(), message);
      assert.equal(await ok('inspect', '-f', '{{.Name}}', id), 'after\n');
    }
    const badRun = await berth('run', '--name', 'a/b', 'busybox', '/bin/busybox', 'true');
    assert.equal(badRun.code, 125);
    assert.match(badRun.stderr.toString(), /names must match/);
    assert.equal(await ok('ps', '-a', '--format', '{{.Names}}'), 'after\ntaken\n', 'oldest first, as podman 4.3 lists them');
    await ok('rm', 'after', 'taken');
  });
});
