// Health checks through the shipped executable: --health-cmd and its flags,
// `healthcheck run` (podman's words and exit codes), the health in inspect,
// ps and the events; and the rules of podman's updateHealthCheckLog.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { healthAfter, healthCheckOf, healthTest } from '../../src/engine/health.js';
import { engineCli } from './engine-cli.js';
import { addBusyboxVariant } from './engine-fixture.js';

describe('health checks (bin/berth.cjs)', () => {
  const { berth, ok } = engineCli();
  const health = async (name: string): Promise<{ Status: string; FailingStreak: number; Log: Array<{ ExitCode: number; Output: string }> | null }> =>
    JSON.parse(await ok('inspect', '-f', '{{json .State.Health}}', name)) as never;

  it('healthcheck run: unhealthy after --health-retries failures, healthy after a pass; ps, inspect and the events say so', async () => {
    await ok('run', '-d', '--name', 'checked', '--health-cmd', 'test -e /tmp/ok', '--health-retries', '2', 'busybox', '/bin/busybox', 'sleep', '100');
    assert.deepEqual(await health('checked'), { Status: 'starting', FailingStreak: 0, Log: null });
    assert.match(await ok('ps', '--format', '{{.Status}}'), /^Up .* ago \(starting\)\n$/);
    assert.deepEqual(JSON.parse(await ok('inspect', '-f', '{{json .Config.Healthcheck}}', 'checked')),
      { Test: ['CMD-SHELL', 'test -e /tmp/ok'], Interval: 30e9, Timeout: 30e9, Retries: 2 });

    const failed = await berth('healthcheck', 'run', 'checked');
    assert.deepEqual([failed.code, failed.stdout.toString()], [1, 'unhealthy\n']);
    assert.deepEqual([(await health('checked')).Status, (await health('checked')).FailingStreak], ['starting', 1], 'one failure of two allowed');
    assert.equal((await berth('healthcheck', 'run', 'checked')).code, 1);
    assert.deepEqual([(await health('checked')).Status, (await health('checked')).FailingStreak], ['unhealthy', 2]);
    assert.match(await ok('ps', '--format', '{{.Status}}'), /\(unhealthy\)\n$/);

    await ok('exec', 'checked', '/bin/busybox', 'touch', '/tmp/ok');
    assert.equal(await ok('healthcheck', 'run', 'checked'), '', 'a pass prints nothing and exits 0');
    const healthy = await health('checked');
    assert.deepEqual([healthy.Status, healthy.FailingStreak, healthy.Log!.map((entry) => entry.ExitCode)], ['healthy', 0, [1, 1, 0]]);
    assert.equal(await ok('events', '--stream=false', '--filter', 'event=health_status', '--format', '{{.Status}} {{.HealthStatus}}'),
      'health_status starting\nhealth_status unhealthy\nhealth_status healthy\n');
    const json = (await ok('events', '--stream=false', '--filter', 'event=health_status', '--format', 'json')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(json.map((e) => e['health_status']), ['starting', 'unhealthy', 'healthy']);
    assert.deepEqual(Object.keys(json[0]!), ['ID', 'Image', 'Name', 'Status', 'Time', 'Type', 'health_status', 'Attributes']);
    assert.match(await ok('events', '--stream=false', '--filter', 'event=health_status'), /container health_status [0-9a-f]{64} \(image=busybox, name=checked, health_status=starting\)\n/);
    await ok('rm', '-f', '-t', '0', 'checked');
  });

  it('the exec form, a timeout, a start period; refused without a check or a running container', async () => {
    await ok('run', '-d', '--name', 'slow', '--health-cmd', '["/bin/busybox", "sleep", "5"]', '--health-timeout', '1s', '--health-start-period', '1h', 'busybox', '/bin/busybox', 'sleep', '100');
    assert.deepEqual(JSON.parse(await ok('inspect', '-f', '{{json .Config.Healthcheck}}', 'slow')),
      { Test: ['CMD', '/bin/busybox', 'sleep', '5'], Interval: 30e9, Timeout: 1e9, StartPeriod: 3600e9, Retries: 3 });
    const started = Date.now();
    assert.equal((await berth('healthcheck', 'run', 'slow')).code, 1, 'timed out: a failure');
    assert.ok(Date.now() - started < 4500, 'the check was cut at its timeout');
    assert.deepEqual([(await health('slow')).Status, (await health('slow')).FailingStreak], ['starting', 0], 'within the start period a failure does not count');

    await ok('run', '-d', '--name', 'plain', 'busybox', '/bin/busybox', 'sleep', '100');
    const none = await berth('healthcheck', 'run', 'plain');
    assert.equal(none.code, 125);
    assert.match(none.stderr, /has no defined healthcheck/);
    assert.deepEqual(await health('plain'), { Status: '', FailingStreak: 0, Log: null });
    await ok('stop', '-t', '0', 'slow');
    const stopped = await berth('healthcheck', 'run', 'slow');
    assert.equal(stopped.code, 125);
    assert.match(stopped.stderr, /is not running/);
    assert.equal((await berth('healthcheck', 'run', 'nothing-here')).code, 125);
    const bad = await berth('run', '--rm', '--health-retries', '0', '--health-cmd', 'true', 'busybox', '/bin/busybox', 'true');
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /healthcheck-retries must be greater than 0/);
    await ok('rm', '-f', '-t', '0', 'slow', 'plain');
  });
});

describe('an image\'s HEALTHCHECK (bin/berth.cjs)', () => {
  const { berth, ok, fixture } = engineCli();

  it('is the container\'s check, the flags over it; --no-healthcheck and --health-cmd none drop it', async () => {
    await addBusyboxVariant(fixture(), 'localhost/berth/checked:1', {
      Cmd: ['/bin/busybox', 'sleep', '100'],
      Healthcheck: { Test: ['CMD', '/bin/busybox', 'test', '-e', '/ready'], Interval: 5e9, Retries: 1 },
    });
    await ok('run', '-d', '--name', 'from-image', 'localhost/berth/checked:1');
    assert.deepEqual(JSON.parse(await ok('inspect', '-f', '{{json .Config.Healthcheck}}', 'from-image')),
      { Test: ['CMD', '/bin/busybox', 'test', '-e', '/ready'], Interval: 5e9, Timeout: 30e9, Retries: 1 });
    assert.equal((await berth('healthcheck', 'run', 'from-image')).code, 1);
    assert.match(await ok('ps', '--format', '{{.Status}}', '--filter', 'name=from-image'), /\(unhealthy\)/, 'one failure of one allowed');
    await ok('run', '-d', '--name', 'overridden', '--health-retries', '4', 'localhost/berth/checked:1');
    assert.equal(JSON.parse(await ok('inspect', '-f', '{{json .Config.Healthcheck}}', 'overridden')).Retries, 4);
    for (const flags of [['--no-healthcheck'], ['--health-cmd', 'none']]) {
      await ok('run', '-d', '--name', 'unchecked', ...flags, 'localhost/berth/checked:1');
      assert.match((await berth('healthcheck', 'run', 'unchecked')).stderr, /has no defined healthcheck/, flags.join(' '));
      await ok('rm', '-f', '-t', '0', 'unchecked');
    }
    await ok('rm', '-f', '-t', '0', 'from-image', 'overridden');
  });

  it('--health-on-failure: an unhealthy result kills, stops or restarts the container; none (the default) leaves it; a bad action is refused', async () => {
    const unhealthy = ['--health-cmd', 'false', '--health-retries', '1', '--stop-timeout', '1', 'busybox', '/bin/busybox', 'sleep', '1000'];
    for (const action of ['kill', 'stop', 'restart', 'none']) await ok('run', '-d', '--name', `on-${action}`, '--health-on-failure', action, ...unhealthy);
    assert.equal(await ok('inspect', '-f', '{{.Config.HealthcheckOnFailureAction}}', 'on-kill', 'on-none'), 'kill\nnone\n');
    const startedBefore = await ok('inspect', '-f', '{{.State.StartedAt}}', 'on-restart');
    for (const action of ['kill', 'stop', 'restart', 'none']) assert.equal((await berth('healthcheck', 'run', `on-${action}`)).code, 1, action);
    assert.equal(await ok('inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', 'on-kill', 'on-stop', 'on-none'), 'exited 137\nexited 137\nrunning 0\n');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'on-restart'), 'running\n');
    assert.notEqual(await ok('inspect', '-f', '{{.State.StartedAt}}', 'on-restart'), startedBefore, 'started again');
    const refused = await berth('run', '-d', '--health-on-failure', 'reboot', ...unhealthy);
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, 'Error: invalid on-failure action reboot for health check: supported actions are none,kill,restart,stop\n');
    await ok('rm', '-f', '-t', '0', 'on-kill', 'on-stop', 'on-restart', 'on-none');
  });
});

describe('health check rules', () => {
  const image = { Test: ['CMD-SHELL', 'curl -f http://localhost/'], Interval: 10e9, Timeout: 0, Retries: 5 };

  it('takes the image\'s HEALTHCHECK, the flags over it, and none when disabled', () => {
    assert.deepEqual(healthCheckOf(image), { test: image.Test, intervalNs: 10e9, timeoutNs: 30e9, startPeriodNs: 0, retries: 5 });
    assert.deepEqual(healthCheckOf(image, { intervalMs: 500, retries: 1 }), { test: image.Test, intervalNs: 5e8, timeoutNs: 30e9, startPeriodNs: 0, retries: 1 });
    assert.equal(healthCheckOf(image, { disabled: true }), undefined);
    assert.equal(healthCheckOf(image, { command: 'none' }), undefined);
    assert.equal(healthCheckOf({ Test: ['NONE'] }), undefined);
    assert.equal(healthCheckOf(undefined), undefined);
    assert.throws(() => healthCheckOf(undefined, { intervalMs: 1000 }), /without a healthcheck command/);
    assert.deepEqual(healthTest('["CMD-SHELL", "exit 1"]'), ['CMD-SHELL', 'exit 1']);
    assert.throws(() => healthTest('[1, 2'), /a JSON array of strings/);
  });

  it('keeps the last five results, each output cut to 500 characters', () => {
    const check = healthCheckOf(image)!;
    let state;
    for (let i = 0; i < 7; i++) state = healthAfter(state, check, { start: `t${i}`, exitCode: i % 2, output: 'x'.repeat(600), inStartPeriod: false });
    assert.deepEqual(state!.log.map((e) => e.start), ['t2', 't3', 't4', 't5', 't6']);
    assert.equal(state!.log[0]!.output.length, 500);
    assert.deepEqual([state!.status, state!.failingStreak], ['healthy', 0]);
  });
});
