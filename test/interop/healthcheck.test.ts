// Health checks against podman's on one store: the same flags give the same
// Config.Healthcheck, and the same results the same State.Health (times aside).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSYBOX_IMAGE } from '../engine/engine-fixture.js';
import { berthAndPodmanOnOneStore } from './shared-store.js';

describe('health checks (bin/berth.cjs, podman alongside)', () => {
  const { berth, ok, podmanOk, podmanRun } = berthAndPodmanOnOneStore();

  it('inspect shows the check and the health podman shows for the same flags and results', async () => {
    const flags = ['--health-cmd', 'test -e /tmp/ok', '--health-retries', '2', '--health-interval', '1m30s', '--health-start-period', '0s'];
    await ok('run', '-d', '--name', 'b-health', ...flags, BUSYBOX_IMAGE, '/bin/busybox', 'sleep', '100');
    await podmanOk('run', '-d', '--name', 'p-health', ...flags, BUSYBOX_IMAGE, '/bin/busybox', 'sleep', '100');
    const config = (tool: (...args: string[]) => Promise<string>, name: string): Promise<string> => tool('inspect', '-f', '{{json .Config.Healthcheck}}', name);
    assert.equal(await config(ok, 'b-health'), await config(podmanOk, 'p-health'));
    const healthOf = async (tool: (...args: string[]) => Promise<string>, name: string): Promise<unknown> => {
      const health = JSON.parse(await tool('inspect', '-f', '{{json .State.Health}}', name)) as { Log: Array<Record<string, unknown>> | null };
      return { ...health, Log: health.Log?.map(({ ExitCode, Output }) => ({ ExitCode, Output })) ?? null };
    };
    assert.deepEqual(await healthOf(ok, 'b-health'), await healthOf(podmanOk, 'p-health'), 'before any check');
    for (let round = 0; round < 2; round++) {
      const mine = await berth('healthcheck', 'run', 'b-health');
      const theirs = await podmanRun('healthcheck', 'run', 'p-health');
      assert.deepEqual([mine.code, mine.stdout.toString()], [theirs.code, theirs.stdout.toString()]);
      assert.equal(mine.code, 1);
      assert.deepEqual(await healthOf(ok, 'b-health'), await healthOf(podmanOk, 'p-health'), `after failure ${round + 1}`);
    }
    await ok('exec', 'b-health', '/bin/busybox', 'touch', '/tmp/ok');
    await podmanOk('exec', 'p-health', '/bin/busybox', 'touch', '/tmp/ok');
    assert.equal(await ok('healthcheck', 'run', 'b-health'), await podmanOk('healthcheck', 'run', 'p-health'));
    assert.deepEqual(await healthOf(ok, 'b-health'), await healthOf(podmanOk, 'p-health'), 'after a pass');
    await ok('rm', '-f', '-t', '0', 'b-health');
    await podmanOk('rm', '-f', '-t', '0', 'p-health');
  });
});
