// podman's `wait --condition` and `container init` through the shipped executable.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineCli } from './engine-cli.js';

describe('berth wait --condition and container init (bin/berth.cjs)', () => {
  const { berth, ok } = engineCli();
  const status = async (name: string): Promise<string> => (await ok('inspect', '--format', '{{.State.Status}}', name)).trim();

  it('wait --condition running returns -1 once a start makes it run; exited (the default) returns the exit code', async () => {
    await ok('create', '--name', 'later', 'busybox', '/bin/sh', '-c', 'sleep 1; exit 5');
    const waiting = berth('wait', '--condition', 'running', '--interval', '50ms', 'later');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(await status('later'), 'created', 'still waiting while created');
    await ok('start', 'later');
    const running = await waiting;
    assert.equal(running.code, 0, running.stderr);
    assert.equal(running.stdout.toString(), '-1\n');
    // Any of several conditions: it is running now, so this returns at once.
    assert.equal(await ok('wait', '--condition', 'exited', '--condition', 'running', 'later'), '-1\n');
    assert.equal(await ok('wait', '--condition', 'stopped', 'later'), '5\n');
    assert.equal(await ok('wait', '--condition', 'exited', '--condition', 'paused', 'later'), '5\n', 'an exit among several conditions gives its code');
    for (const [flags, message] of [
      [['--condition', 'healthy'], /unknown container state: healthy: invalid argument/],
      [['--interval', '10x'], /invalid interval "10x"/],
    ] as const) {
      const bad = await berth('wait', ...flags, 'later');
      assert.equal(bad.code, 125);
      assert.match(bad.stderr, message);
    }
    await ok('rm', 'later');
  });

  it('container init makes an exited container ready to start again, and refuses a running one', async () => {
    assert.equal(await ok('run', '--name', 'again', 'busybox', '/bin/sh', '-c', 'echo run'), 'run\n');
    assert.equal(await status('again'), 'exited');
    assert.equal(await ok('container', 'init', 'again'), 'again\n');
    assert.equal(await status('again'), 'created');
    assert.equal(await ok('container', 'init', 'again'), 'again\n', 'a created container is ready already');
    await ok('start', 'again');
    assert.equal(await ok('wait', 'again'), '0\n');
    assert.equal(await ok('logs', 'again'), 'run\nrun\n');
    await ok('run', '-d', '--name', 'busy', 'busybox', '/bin/busybox', 'sleep', '100');
    const refused = await berth('container', 'init', 'busy');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /has already been created in runtime: container state improper/);
    await ok('rm', '-f', '-t', '0', 'again', 'busy');
  });
});
