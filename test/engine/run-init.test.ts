// podman's --init and --init-path through the shipped executable, and
// containers.conf's init, init_path and env_host: catatonit (scripts/setup
// installs it where podman's packages look) runs the command as PID 1,
// forwards the stop signal and is left out of what ps, inspect's Cmd and
// commit show of the command.

import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { berthOn } from '../helpers/berth.js';
import { engineCli } from './engine-cli.js';

const CATATONIT = '/usr/libexec/podman/catatonit';

describe('berth run --init (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  const ps = ['busybox', '/bin/busybox', 'ps', '-o', 'pid,args'];

  it('runs the command under the init as PID 1, which passes the stop signal on (exit 143, not the SIGKILL a bare PID 1 gets)', async () => {
    assert.equal(await ok('run', '--rm', '--init', ...ps), 'PID   COMMAND\n    1 /run/podman-init -- /bin/busybox ps -o pid,args\n    2 /bin/busybox ps -o pid,args\n');
    assert.equal(await ok('run', '--rm', '--init=false', ...ps), 'PID   COMMAND\n    1 /bin/busybox ps -o pid,args\n');
    await ok('run', '-d', '--init', '--name', 'with-init', 'busybox', '/bin/busybox', 'sleep', '1000');
    await ok('run', '-d', '--name', 'bare', 'busybox', '/bin/busybox', 'sleep', '1000');
    // busybox sleep as PID 1 has no handler for SIGTERM, so the kernel drops it: only the SIGKILL after -t ends it.
    await ok('stop', '-t', '30', 'with-init');
    await ok('stop', '-t', '1', 'bare');
    assert.equal(await ok('inspect', '-f', '{{.State.ExitCode}}', 'with-init', 'bare'), '143\n137\n');
  });

  it('inspect shows the init as podman does (Path, Args, HostConfig.Init), and ps, Config.Cmd and commit the command alone', async () => {
    assert.equal(await ok('inspect', '-f', '{{.Path}} {{.Args}} {{.HostConfig.Init}} {{.Config.Cmd}} {{len .Mounts}}', 'with-init'),
      '/run/podman-init [-- /bin/busybox sleep 1000] true [/bin/busybox sleep 1000] 0\n');
    const bare = JSON.parse(await ok('inspect', 'bare')) as Array<{ Path: string; HostConfig: Record<string, unknown> }>;
    assert.equal(bare[0]!.Path, '/bin/busybox');
    assert.equal('Init' in bare[0]!.HostConfig, false, 'left out without --init, as podman leaves it');
    const listed = JSON.parse(await ok('ps', '-a', '--format', 'json', '--filter', 'name=with-init')) as Array<{ Command: string[] }>;
    assert.deepEqual(listed[0]!.Command, ['/bin/busybox', 'sleep', '1000']);
    await ok('commit', '-q', 'with-init', 'localhost/committed-init');
    assert.equal(await ok('image', 'inspect', '-f', '{{json .Config.Cmd}}', 'localhost/committed-init'), '["/bin/busybox","sleep","1000"]\n');
    await ok('rmi', 'localhost/committed-init');
    const config = JSON.parse(readFileSync((await ok('inspect', '-f', '{{.OCIConfigPath}}', 'with-init')).trim(), 'utf8')) as { mounts: Array<{ destination: string; source: string; options: string[] }> };
    assert.deepEqual(config.mounts.at(-1), { destination: '/run/podman-init', type: 'bind', source: CATATONIT, options: ['bind', 'ro', 'rprivate'] });
    await ok('rm', 'with-init', 'bare');
  });

  it('--init-path names the binary; one that is not there is refused and leaves no container', async () => {
    const copy = join(fixture().temp.dir, 'my-init');
    copyFileSync(CATATONIT, copy);
    const id = (await ok('create', '--init', '--init-path', copy, 'busybox', '/bin/busybox', 'true')).trim();
    const config = JSON.parse(readFileSync((await ok('inspect', '-f', '{{.OCIConfigPath}}', id)).trim(), 'utf8')) as { mounts: Array<{ destination: string; source: string }> };
    assert.equal(config.mounts.find((m) => m.destination === '/run/podman-init')?.source, copy);
    assert.equal(await ok('start', '-a', id), '');
    await ok('rm', id);
    const before = [await ok('ps', '-aq'), await ok('storage', 'containers')];
    const refused = await berth('run', '--rm', '--init', '--init-path', '/no/such/init', 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr.toString(), 'Error: container-init binary not found on the host: stat /no/such/init: no such file or directory\n');
    assert.deepEqual([await ok('ps', '-aq'), await ok('storage', 'containers')], before);
  });

  it('containers.conf\'s init, init_path and env_host are a run\'s defaults; --init=false and --env-host=false win', async () => {
    const copy = join(fixture().temp.dir, 'conf-init');
    copyFileSync(CATATONIT, copy);
    const conf = join(fixture().temp.dir, 'init.conf');
    writeFileSync(conf, `[containers]\ninit = true\ninit_path = "${copy}"\nenv_host = true\n`);
    const run = async (...args: string[]): Promise<string> => {
      const env = { ...process.env, CONTAINERS_CONF: conf, FROM_THE_CALLER: 'passed' };
      const result = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, ['run', '--rm', ...args], { env });
      assert.equal(result.code, 0, result.stderr.toString());
      return result.stdout.toString();
    };
    const probe = ['busybox', '/bin/busybox', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "; echo; echo "${FROM_THE_CALLER:-unset}"'];
    assert.equal(await run(...probe), `/run/podman-init -- /bin/busybox sh -c ${probe[4]} \npassed\n`);
    assert.equal(await run('--init=false', '--env-host=false', ...probe), `/bin/busybox sh -c ${probe[4]} \nunset\n`);
    // -e wins over the caller's environment.
    assert.equal(await run('-e', 'FROM_THE_CALLER=mine', ...probe.slice(0, 4), 'echo $FROM_THE_CALLER'), 'mine\n');
  });
});
