// podman's --restart through the shipped executable: a container's cleanup
// (conmon's exit command) runs it again by its policy, counts the restarts,
// and leaves alone a container a user stopped or killed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { conmonsOf } from './engine-fixture.js';
import { engineCli } from './engine-cli.js';

describe('berth run --restart (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  /** `Status RestartCount` of the container, as inspect shows them. */
  const stateOf = async (name: string): Promise<string> => (await ok('inspect', '--format', '{{.State.Status}} {{.RestartCount}}', name)).trim();
  const eventually = async (what: string, check: () => Promise<boolean>, ms = 20_000): Promise<void> => {
    for (const deadline = Date.now() + ms; !(await check());) {
      assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const runs = async (name: string): Promise<number> => (await ok('logs', name)).split('\n').filter((line) => line === 'ran').length;

  it('on-failure:N runs a failing container again N times and then leaves it exited; a success is not restarted', async () => {
    await ok('run', '-d', '--name', 'fails', '--restart', 'on-failure:2', 'busybox', '/bin/sh', '-c', 'echo ran; exit 3');
    await eventually('three runs', async () => (await runs('fails')) === 3 && (await stateOf('fails')) === 'exited 2');
    assert.equal(await ok('inspect', '--format', '{{.State.ExitCode}} {{.HostConfig.RestartPolicy.Name}}:{{.HostConfig.RestartPolicy.MaximumRetryCount}}', 'fails'), '3 on-failure:2\n');
    // No fourth run comes.
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await runs('fails'), 3);

    await ok('run', '-d', '--name', 'succeeds', '--restart', 'on-failure', 'busybox', '/bin/sh', '-c', 'echo ran');
    await eventually('the exit', async () => (await stateOf('succeeds')) === 'exited 0');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(await runs('succeeds'), 1);
    await ok('rm', 'fails', 'succeeds');
  });

  it('always runs it again after each exit until a user stops or kills it; start begins the count again', async () => {
    await ok('run', '-d', '--name', 'loop', '--restart', 'always', 'busybox', '/bin/sh', '-c', 'echo ran; sleep 0.2');
    await eventually('two restarts', async () => Number((await stateOf('loop')).split(' ')[1]) >= 2);
    for (const halt of [['stop', '-t', '1'], ['kill']]) {
      await ok(...halt, 'loop');
      await eventually('the exit', async () => (await stateOf('loop')).startsWith('exited'));
      const before = await runs('loop');
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(await runs('loop'), before, `no run after ${halt[0]}`);
      assert.match(await stateOf('loop'), /^exited /);
      await ok('start', 'loop');
      await eventually('a restart after start', async () => (await runs('loop')) > before + 1);
      assert.ok(Number((await stateOf('loop')).split(' ')[1]) < 10, 'the count began again');
    }
    await ok('rm', '-f', '-t', '0', 'loop');
    assert.equal(await ok('ps', '-a', '-q'), '');
    await eventually('no conmon left', async () => conmonsOf(fixture().temp.dir).length === 0);
  });

  it('a foreground run returns the first exit code; the policy still runs it again', async () => {
    const result = await berth('run', '--name', 'fg', '--restart', 'on-failure:1', 'busybox', '/bin/sh', '-c', 'echo ran; exit 4');
    assert.equal(result.code, 4);
    assert.equal(result.stdout.toString(), 'ran\n');
    await eventually('the restart', async () => (await runs('fg')) === 2 && (await stateOf('fg')) === 'exited 1');
    await ok('rm', 'fg');
  });

  it('refuses --rm with a restart policy, and policies podman does not have, making nothing', async () => {
    for (const [flags, message] of [
      [['--rm', '--restart', 'always'], /^Error: the --rm option conflicts with --restart, when the restartPolicy is not "" and "no"\n$/],
      [['--restart', 'sometimes'], /invalid restart policy "sometimes"/],
      [['--restart', 'always:3'], /restart policy retries can only be specified with on-failure/],
      [['--restart', 'on-failure:x'], /the retries must be a number/],
    ] as const) {
      const result = await berth('run', ...flags, 'busybox', 'true');
      assert.equal(result.code, 125, flags.join(' '));
      assert.match(result.stderr, message);
    }
    assert.equal(await ok('run', '--rm', '--restart', 'no', 'busybox', '/bin/sh', '-c', 'echo fine'), 'fine\n');
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.equal((await fixture().store.containers()).length, 0);
  });
});
