// podman's secrets through the shipped executable: `berth secret
// create|ls|inspect|rm` on podman 4.3's own files (each tool reads and uses
// the other's secrets), and `run --secret` as a file or a variable, checked
// inside the container, in inspect and on disk.

import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { podman, type PodmanEnv } from '../helpers/podman.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { BUSYBOX_IMAGE, openEngineFixtureWithPodman, type EngineFixture } from './engine-fixture.js';

describe('berth secret and run --secret (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  let pod: PodmanEnv;
  before(async () => { ({ fx, pod } = await openEngineFixtureWithPodman()); });
  after(async () => fx.dispose());

  const berth = (args: string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ToolResult> =>
    runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args], options);
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr.toString(), '', `berth ${args.join(' ')}: no warnings`);
    return result.stdout.toString();
  };
  const refused = async (message: RegExp, args: string[], options?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<void> => {
    const result = await berth(args, options);
    assert.equal(result.code, 125, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr.toString(), message);
  };
  const podmanOk = async (...args: string[]): Promise<string> => {
    const result = await podman(pod, args);
    assert.equal(result.code, 0, `podman ${args.join(' ')}: ${result.stderr}`);
    return result.stdout.toString();
  };
  const secretsDir = (): string => join(fx.temp.graphRoot, 'secrets');

  it('create from a file, stdin or a variable; ls, inspect and rm show and remove them as podman does, never their data', async () => {
    const file = join(fx.temp.dir, 'password');
    writeFileSync(file, 'from-a-file');
    const fromFile = (await ok('secret', 'create', '-l', 'tier=db', 'db-password', file)).trim();
    assert.match(fromFile, /^[0-9a-f]{25}$/);
    const fromStdin = await berth(['secret', 'create', 'api-token', '-'], { input: 'from-stdin' });
    assert.equal(fromStdin.code, 0, fromStdin.stderr.toString());
    const fromEnv = await berth(['secret', 'create', '--env', 'from-env', 'THE_VALUE'], { env: { ...process.env, THE_VALUE: 'from-a-variable' } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr.toString());

    const listing = await ok('secret', 'ls');
    assert.match(listing, /^ID {25}NAME +DRIVER +CREATED +UPDATED\n/);
    assert.deepEqual(listing.trim().split('\n').slice(1).map((line) => line.split(/\s+/)[1]), ['db-password', 'api-token', 'from-env']);
    assert.equal(await ok('secret', 'ls', '-q', '--filter', 'name=db'), `${fromFile}\n`);
    assert.equal(await ok('secret', 'ls', '--noheading', '--format', 'table {{.Name}}'), 'db-password\napi-token\nfrom-env\n');
    const [inspected] = JSON.parse(await ok('secret', 'inspect', 'db-password')) as Array<Record<string, unknown>>;
    assert.deepEqual(inspected, {
      ID: fromFile, CreatedAt: inspected!['CreatedAt'], UpdatedAt: inspected!['CreatedAt'],
      Spec: { Name: 'db-password', Driver: { Name: 'file', Options: { path: join(secretsDir(), 'filedriver') } }, Labels: { tier: 'db' } },
    });
    assert.equal(await ok('secret', 'inspect', '--format', '{{.Spec.Name}}', fromFile.slice(0, 8)), 'db-password\n', 'by an ID prefix');

    // podman's files: the data base64 in 0600 files of a 0700 directory, the records naming it.
    const data = JSON.parse(readFileSync(join(secretsDir(), 'filedriver', 'secretsdata.json'), 'utf8')) as Record<string, string>;
    assert.equal(Buffer.from(data[fromFile]!, 'base64').toString(), 'from-a-file');
    assert.equal(statSync(join(secretsDir(), 'filedriver', 'secretsdata.json')).mode & 0o777, 0o600);
    assert.equal(statSync(join(secretsDir(), 'secrets.json')).mode & 0o777, 0o600);
    assert.equal(statSync(secretsDir()).mode & 0o777, 0o700);
    for (const output of [listing, await ok('secret', 'inspect', 'api-token', 'from-env'), await ok('secret', 'ls', '--format', 'json')]) {
      assert.doesNotMatch(output, /from-a-file|from-stdin|from-a-variable/);
    }

    await refused(/^Error: db-password: secret name in use\n$/, ['secret', 'create', 'db-password', file]);
    await refused(/only 64 \[a-zA-Z0-9-_\.\] characters allowed.*: bad\/name: invalid secret name/, ['secret', 'create', 'bad/name', file]);
    await refused(/secret data must be larger than 0 and less than 512000 bytes/, ['secret', 'create', 'empty', '-'], { input: '' });
    await refused(/environment variable NOT_SET_HERE is not set/, ['secret', 'create', '--env', 'x', 'NOT_SET_HERE']);
    await refused(/secret driver "pass" is not supported by Berth: only file/, ['secret', 'create', '-d', 'pass', 'x', file]);
    const removal = await berth(['secret', 'rm', 'api-token', 'no-such', 'from-env']);
    assert.deepEqual([removal.code, removal.stderr.toString()], [125, 'Error: no secret with name or id "no-such": no such secret\n']);
    assert.equal(removal.stdout.toString().trim().split('\n').length, 2, 'the two that exist are removed');
    assert.equal(await ok('secret', 'ls', '-q'), `${fromFile}\n`);
  });

  it('podman sees and uses Berth\'s secrets, and Berth podman\'s', async () => {
    assert.match(await podmanOk('secret', 'ls'), /db-password/);
    assert.equal(await podmanOk('run', '--rm', '--network', 'none', '--secret', 'db-password', BUSYBOX_IMAGE, '/bin/busybox', 'cat', '/run/secrets/db-password'), 'from-a-file');
    // podman takes `-` from a pipe only (a FIFO), not the socket a Node child gets: a file here.
    const file = join(fx.temp.dir, 'podman-secret');
    writeFileSync(file, 'podman-made');
    const made = await podmanOk('secret', 'create', 'by-podman', file);
    assert.equal(await ok('secret', 'inspect', '--format', '{{.ID}}', 'by-podman'), made);
    assert.equal(await ok('run', '--rm', '--secret', 'by-podman,type=env,target=FROM_PODMAN', 'busybox', '/bin/busybox', 'sh', '-c', 'echo $FROM_PODMAN'), 'podman-made\n');
    await ok('secret', 'rm', 'by-podman');
    assert.doesNotMatch(await podmanOk('secret', 'ls'), /by-podman/);
  });

  it('run --secret mounts a copy (default /run/secrets/NAME, 0444, root) or sets a variable that inspect does not show; the container keeps it after the secret is removed', async () => {
    const inside = await ok('run', '--rm', '--read-only', '--secret', 'db-password', '--secret', 'source=db-password,target=/etc/app/pw,uid=5,gid=6,mode=0400', '--secret', 'db-password,target=rel',
      '--secret', 'db-password,type=env,target=DB_PW', 'busybox', '/bin/busybox', 'sh', '-c',
      'for f in /run/secrets/db-password /etc/app/pw /run/secrets/rel; do stat -c "%n %a %u:%g" $f; cat $f; echo; done; echo "$DB_PW"');
    assert.equal(inside, '/run/secrets/db-password 444 0:0\nfrom-a-file\n/etc/app/pw 400 5:6\nfrom-a-file\n/run/secrets/rel 444 0:0\nfrom-a-file\nfrom-a-file\n');

    const id = (await ok('create', '--name', 'with-secrets', '--secret', 'db-password', '--secret', 'db-password,type=env', 'busybox', '/bin/busybox', 'sh', '-c', 'cat /run/secrets/db-password; echo; tr "\\0" "\\n" < /proc/1/environ | grep -c "^db-password=from-a-file$"')).trim();
    const [document] = JSON.parse(await ok('inspect', id)) as Array<{ Config: { Secrets: unknown; Env: string[] } }>;
    assert.deepEqual(document!.Config.Secrets, [{ Name: 'db-password', ID: (await ok('secret', 'ls', '-q')).trim(), UID: 0, GID: 0, Mode: 0o444 }]);
    assert.equal(document!.Config.Env.some((entry) => entry.includes('from-a-file')), false, 'the variable is not shown');
    await ok('secret', 'rm', 'db-password');
    assert.equal(await ok('start', '-a', id), 'from-a-file\n1\n', 'started after the secret was removed');
    await ok('rm', id);

    await refused(/^Error: no secret with name or id "db-password": no such secret\n$/, ['run', '--rm', '--secret', 'db-password', 'busybox', '/bin/busybox', 'true']);
    await refused(/^Error: UID, GID, Mode options cannot be set with secret type env: parsing secret\n$/, ['run', '--rm', '--secret', 'x,type=env,uid=1', 'busybox', '/bin/busybox', 'true']);
    await refused(/^Error: type file is invalid: parsing secret\n$/, ['run', '--rm', '--secret', 'x,type=file', 'busybox', '/bin/busybox', 'true']);
    await refused(/^Error: mode 9 invalid: parsing secret\n$/, ['run', '--rm', '--secret', 'x,mode=9', 'busybox', '/bin/busybox', 'true']);
    assert.equal(await ok('ps', '-aq'), '');
    assert.equal((await fx.store.containers()).length, 0, 'nothing left made');
  });
});
