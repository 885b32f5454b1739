// Where a run's output goes, through the shipped executable: podman's
// --log-driver and containers.conf's log_driver, k8s-file (the default) and
// none, under which conmon keeps no log, `logs` refuses as podman's does, and
// a foreground run or `start -a` shows the output through the attach socket
// instead; and run's -a/--attach, which shows only the outputs it names.

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BERTH_BIN, berthOn } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { engineCli } from './engine-cli.js';

describe('berth run --log-driver and -a (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();

  it('none: no log file, conmon runs with -l none; run, start -a of a created or exited container still show the output; logs refuses', async () => {
    const run = await berth('run', '--rm', '--log-driver', 'none', 'busybox', '/bin/busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3');
    assert.deepEqual([run.code, run.stdout.toString(), run.stderr.toString()], [3, 'out\n', 'err\n']);
    const id = (await ok('run', '-d', '--log-driver', 'none', 'busybox', '/bin/busybox', 'sh', '-c', 'echo started; sleep 1000')).trim();
    const conmonPid = Number((await ok('inspect', '-f', '{{.State.ConmonPid}}', id)).trim());
    const argv = readFileSync(`/proc/${conmonPid}/cmdline`, 'utf8').split('\0');
    assert.equal(argv[argv.indexOf('-l') + 1], 'none');
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.LogConfig.Type}}:{{.HostConfig.LogConfig.Path}}:{{.LogPath}}', id), 'none::\n');
    const logs = await berth('logs', id);
    assert.equal(logs.code, 125);
    assert.equal(logs.stderr.toString(), 'Error: this container is using the \'none\' log driver, cannot read logs: this container is not logging output\n');
    const staticDir = (await ok('inspect', '-f', '{{.StaticDir}}', id)).trim();
    assert.equal(existsSync(join(staticDir, 'ctr.log')), false);
    await ok('rm', '-f', '-t', '0', id);

    const created = (await ok('create', '--log-driver', 'none', 'busybox', '/bin/busybox', 'echo', 'once more')).trim();
    assert.equal(await ok('start', '-a', created), 'once more\n');
    assert.equal(await ok('start', '-a', created), 'once more\n', 'an exited container, attached before its new start');
    await ok('rm', created);
  });

  it('containers.conf log_driver = "none" is the default, --log-driver k8s-file wins; journald, passthrough and unknown drivers are refused with nothing made', async () => {
    const conf = join(fixture().temp.dir, 'log.conf');
    writeFileSync(conf, '[containers]\nlog_driver = "none"\n');
    const withConf = async (...args: string[]): Promise<string> => {
      const result = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, args, { env: { ...process.env, CONTAINERS_CONF: conf } });
      assert.equal(result.code, 0, result.stderr.toString());
      return result.stdout.toString();
    };
    const id = (await withConf('create', 'busybox', '/bin/busybox', 'echo', 'hi')).trim();
    const kept = (await withConf('create', '--log-driver', 'k8s-file', 'busybox', '/bin/busybox', 'echo', 'kept')).trim();
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.LogConfig.Type}}', id, kept), 'none\nk8s-file\n');
    assert.equal(await withConf('run', '--rm', 'busybox', '/bin/busybox', 'echo', 'attached'), 'attached\n');
    await ok('start', '-a', kept);
    assert.equal(await ok('logs', kept), 'kept\n');
    await ok('rm', id, kept);
    const before = await ok('ps', '-aq');
    for (const [driver, message] of [
      ['journald', /^Error: log driver journald is not supported by Berth: k8s-file \(the default\) or none\n$/],
      ['passthrough', /log driver passthrough is not supported by Berth/],
      ['bogus', /^Error: running container create option: invalid log driver "bogus": invalid argument\n$/],
    ] as const) {
      const refused = await berth('run', '--rm', '--log-driver', driver, 'busybox', '/bin/busybox', 'true');
      assert.equal(refused.code, 125, driver);
      assert.match(refused.stderr.toString(), message);
    }
    assert.equal(await ok('ps', '-aq'), before);
    writeFileSync(conf, '[containers]\nlog_driver = "syslog"\n');
    const bad = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, ['run', '--rm', 'busybox', '/bin/busybox', 'true'], { env: { ...process.env, CONTAINERS_CONF: conf } });
    assert.equal(bad.code, 125);
    assert.match(bad.stderr.toString(), /log\.conf: log_driver must be "k8s-file" or "none"/);
  });

  it('-a shows only the outputs it names (any case), through the log or the attach socket; stdin is -i\'s; -a stdin alone prints the ID; a bad stream is refused', async () => {
    const script = ['busybox', '/bin/busybox', 'sh', '-c', 'cat; echo out; echo err >&2; exit 2'];
    const outputs = async (...flags: string[]): Promise<[number | null, string, string]> => {
      const result = await berth('run', '--rm', ...flags, ...script);
      return [result.code, result.stdout.toString(), result.stderr.toString()];
    };
    assert.deepEqual(await outputs('-a', 'stdout'), [2, 'out\n', '']);
    assert.deepEqual(await outputs('-a', 'STDERR'), [2, '', 'err\n']);
    assert.deepEqual(await outputs('-a', 'stdout', '-a', 'stderr'), [2, 'out\n', 'err\n']);
    assert.deepEqual(await outputs('-a', 'stderr', '--log-driver', 'none'), [2, '', 'err\n'], 'through the attach socket');
    const [code, id, err] = await outputs('-a', 'stdin');
    assert.deepEqual([code, err], [2, '']);
    assert.match(id, /^[0-9a-f]{64}\n$/);
    const piped = await runTool(process.execPath, [BERTH_BIN, '--root', fixture().temp.graphRoot, '--runroot', fixture().temp.runRoot, '--storage-driver', 'overlay', 'run', '--rm', '-i', '-a', 'stdout', ...script], { input: 'piped\n' });
    assert.deepEqual([piped.code, piped.stdout.toString(), piped.stderr.toString()], [2, 'piped\nout\n', '']);
    const refused = await berth('run', '--rm', '-a', 'bogus', 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr.toString(), 'Error: invalid stream "bogus" for --attach - must be one of stdin, stdout, or stderr: invalid argument\n');
    assert.equal(await ok('ps', '-aq'), '');
  });
});
