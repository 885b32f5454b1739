// Named and anonymous volumes through the shipped executable, as a podman
// user types them: `berth volume create|ls|inspect|rm|prune|exists`, and
// `run -v NAME:/path`, `-v /path`, an image's VOLUMEs, `rm -v`, `--rm`.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool, type ToolResult } from '../helpers/run-tool.js';
import { addBusyboxVariant, openEngineFixture, type EngineFixture } from './engine-fixture.js';

describe('berth volume verbs and container volumes (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  let volumesDir: string;
  before(async () => {
    fx = await openEngineFixture();
    volumesDir = join(fx.temp.graphRoot, 'volumes');
    await addBusyboxVariant(fx, 'localhost/berth/with-volumes:latest', { Cmd: ['/bin/busybox', 'true'], Volumes: { '/bin': {}, '/cache': {} } });
  });
  after(async () => fx.dispose());

  const globals = (): string[] => ['--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay'];
  const berth = (args: string[], input?: string): Promise<ToolResult> => runTool(process.execPath, [BERTH_BIN, ...globals(), ...args], { input });
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stderr, '', `berth ${args.join(' ')}: no warnings`);
    return result.stdout.toString();
  };
  const failing = async (code: number, message: RegExp, ...args: string[]): Promise<void> => {
    const result = await berth(args);
    assert.equal(result.code, code, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  };
  const names = async (): Promise<string[]> => (await ok('volume', 'ls', '-q')).split('\n').filter(Boolean);
  const inspectOne = async (name: string): Promise<Record<string, unknown>> => (JSON.parse(await ok('volume', 'inspect', name)) as Array<Record<string, unknown>>)[0]!;

  it('create, ls, inspect and exists show a volume as podman does; a taken or bad name is refused', async () => {
    assert.equal(await ok('volume', 'create', '-l', 'tier=db', '--label', 'empty', 'data'), 'data\n');
    assert.equal(await ok('volume', 'ls'), 'DRIVER      VOLUME NAME\nlocal       data\n');
    assert.equal(await ok('volume', 'ls', '--noheading'), 'local       data\n');
    const doc = await inspectOne('data');
    assert.deepEqual(
      { ...doc, CreatedAt: undefined },
      { Name: 'data', Driver: 'local', Mountpoint: join(volumesDir, 'data', '_data'), CreatedAt: undefined, Labels: { tier: 'db', empty: '' }, Scope: 'local', Options: {}, MountCount: 0, NeedsCopyUp: true, NeedsChown: true },
    );
    // Go's RFC 3339 with nanoseconds, whose trailing zeros Go drops.
    assert.match(String(doc['CreatedAt']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
    assert.equal(await ok('volume', 'inspect', '--format', '{{.Name}} {{.Labels.tier}} {{.Scope}}', 'data'), 'data db local\n');
    // podman's inspect finds a volume by its name when no container or image has it, and with --type volume.
    assert.deepEqual(JSON.parse(await ok('inspect', 'data')), [doc]);
    assert.equal(await ok('inspect', '--type', 'volume', '--format', '{{.Mountpoint}}', 'data'), `${join(volumesDir, 'data', '_data')}\n`);
    assert.equal(JSON.parse(await ok('volume', 'ls', '--format', 'json'))[0].Name, 'data');
    assert.equal(await ok('volume', 'ls', '--filter', 'label=tier=db', '--format', '{{.Name}}'), 'data\n');
    assert.equal(await ok('volume', 'ls', '--filter', 'label=tier=web', '-q'), '');
    assert.equal((await berth(['volume', 'exists', 'data'])).code, 0);
    assert.equal((await berth(['volume', 'exists', 'nothing'])).code, 1);

    await failing(125, /^Error: volume with name data already exists: volume already exists\n$/, 'volume', 'create', 'data');
    assert.equal(await ok('volume', 'create', '--ignore', 'data'), 'data\n');
    for (const bad of ['../escape', '.hidden', 'a/b', '-x']) {
      const result = await berth(['volume', 'create', '--', bad]);
      assert.equal(result.code, 125, bad);
      assert.match(result.stderr, /must match \[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]\*/);
    }
    await failing(125, /only local/, 'volume', 'create', '-d', 'nfs', 'x');
    assert.deepEqual(readdirSync(volumesDir).filter((n) => !['volumes.lock'].includes(n)).sort(), ['data'], 'nothing else was made');
    assert.equal(await ok('volume', 'rm', 'data'), 'data\n');
  });

  it('run -v NAME:/path makes the volume if missing, keeps its data across containers, and honours :ro', async () => {
    assert.equal(await ok('run', '--rm', '-v', 'shared:/data', 'busybox', '/bin/sh', '-c', 'echo kept > /data/file'), '');
    assert.deepEqual(await names(), ['shared'], '--rm leaves a named volume');
    assert.equal(await ok('run', '--rm', '-v', 'shared:/data:ro', 'busybox', '/bin/sh', '-c', 'cat /data/file'), 'kept\n');
    const readOnly = await berth(['run', '--rm', '-v', 'shared:/data:ro', 'busybox', '/bin/sh', '-c', 'echo x > /data/other']);
    assert.equal(readOnly.code, 1);
    assert.match(readOnly.stderr, /Read-only file system/);
    assert.equal(readFileSync(join(volumesDir, 'shared', '_data', 'file'), 'utf8'), 'kept\n');

    await ok('create', '--name', 'holder', '-v', 'shared:/data:ro', 'busybox');
    const [mount] = JSON.parse(await ok('inspect', '--format', '{{json .Mounts}}', 'holder')) as Array<Record<string, unknown>>;
    assert.deepEqual(mount, {
      Type: 'volume', Name: 'shared', Source: join(volumesDir, 'shared', '_data'), Destination: '/data', Driver: 'local', Mode: '',
      Options: ['nosuid', 'nodev', 'rbind'], RW: false, Propagation: 'rprivate',
    });
    assert.equal(await ok('inspect', '--format', '{{.HostConfig.Binds}}', 'holder'), '[shared:/data:ro]\n');
    // ps: the container's mounts, and podman's volume filter by name or by where it is mounted.
    assert.equal(await ok('ps', '-a', '--format', '{{.Names}} {{.Mounts}}'), 'holder [/data]\n');
    assert.equal(await ok('ps', '-a', '-q', '--filter', 'volume=shared'), await ok('ps', '-a', '-q', '--filter', 'volume=/data'));
    assert.equal(await ok('ps', '-a', '-q', '--filter', 'volume=other'), '');
    const config = JSON.parse(readFileSync(join(fx.temp.runRoot, 'overlay-containers', (await fx.store.container('holder')).id, 'userdata', 'config.json'), 'utf8'));
    assert.deepEqual(config.mounts.find((m: { destination: string }) => m.destination === '/data').options, ['ro', 'rprivate', 'nosuid', 'nodev', 'rbind'], 'podman\'s options');

    // In use: refused with podman's exit code 2, then -f takes the container with it.
    await failing(2, /^Error: volume shared is being used by the following container\(s\): [0-9a-f]{64}: volume is being used\n$/, 'volume', 'rm', 'shared');
    await failing(1, /^Error: no volume with name "nope" found: no such volume\n$/, 'volume', 'rm', 'nope');
    assert.equal(await ok('volume', 'ls', '--filter', 'dangling=false', '-q'), 'shared\n');
    assert.equal(await ok('volume', 'rm', '-f', '-t', '0', 'shared'), 'shared\n');
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.deepEqual(await names(), []);
  });

  it('a new volume takes a copy of the image\'s files at its mount point, and their owner; nocopy and a missing path do not', async () => {
    await ok('run', '--rm', '-v', 'tools:/bin', 'busybox', '/bin/busybox', 'true');
    const data = join(volumesDir, 'tools', '_data');
    assert.deepEqual(readdirSync(data).sort(), ['busybox', 'sh']);
    assert.equal(statSync(join(data, 'busybox')).mode & 0o777, 0o755);
    assert.equal(statSync(data).mode & 0o777, statSync(join(fx.temp.dir, 'rootfs', 'bin')).mode & 0o777);
    assert.equal((await inspectOne('tools'))['NeedsCopyUp'], undefined, 'copied once');
    // A volume with files is not copied into again, whatever is at the next mount point.
    await ok('run', '--rm', '-v', 'tools:/etc', 'busybox', '/bin/busybox', 'true');
    assert.deepEqual(readdirSync(data).sort(), ['busybox', 'sh']);

    // Busybox run from the volume above: an empty /bin has none.
    assert.equal(await ok('run', '--rm', '-v', 'tools:/tools', '-v', 'bare:/bin:nocopy', 'busybox', '/tools/busybox', 'ls', '/bin'), '');
    assert.deepEqual(readdirSync(join(volumesDir, 'bare', '_data')), []);
    // Nothing in the image at the mount point: the container's user owns the new volume.
    assert.equal(await ok('run', '--rm', '-u', '1234:2345', '-v', 'owned:/newdir', 'busybox', '/bin/busybox', 'stat', '-c', '%u:%g', '/newdir'), '1234:2345\n');
    const owned = statSync(join(volumesDir, 'owned', '_data'));
    assert.deepEqual([owned.uid, owned.gid], [1234, 2345]);
    assert.equal(await ok('volume', 'rm', 'tools', 'bare', 'owned'), 'tools\nbare\nowned\n');
  });

  it('-v /path and an image\'s VOLUMEs are anonymous volumes: rm keeps them, rm -v and --rm remove them', async () => {
    await ok('create', '--name', 'anon', '-v', '/scratch', 'localhost/berth/with-volumes');
    const anonymous = await names();
    assert.equal(anonymous.length, 3, '/scratch, and the image\'s /bin and /cache');
    for (const name of anonymous) {
      assert.match(name, /^[0-9a-f]{64}$/);
      assert.equal((await inspectOne(name))['Anonymous'], true);
    }
    const mounts = JSON.parse(await ok('inspect', '--format', '{{json .Mounts}}', 'anon')) as Array<{ Name: string; Destination: string }>;
    const binVolume = mounts.find((m) => m.Destination === '/bin')!.Name;
    assert.deepEqual(readdirSync(join(volumesDir, binVolume, '_data')).sort(), ['busybox', 'sh'], 'the image\'s VOLUME /bin copied up');
    await ok('rm', 'anon');
    assert.deepEqual(await names(), anonymous, 'plain rm keeps them, as podman does');
    assert.deepEqual((await ok('volume', 'prune', '-f')).split('\n').filter(Boolean).sort(), [...anonymous].sort());

    await ok('create', '--name', 'anon2', '-v', '/scratch', 'localhost/berth/with-volumes');
    await ok('rm', '-v', 'anon2');
    assert.deepEqual(await names(), []);
    await ok('run', '--rm', '-v', '/scratch', '-v', 'kept:/kept', 'localhost/berth/with-volumes');
    assert.deepEqual(await names(), ['kept'], '--rm takes the anonymous volumes, not the named one');

    // --image-volume tmpfs and ignore: no volume for the image's VOLUMEs (here /cache; the user's own volume covers /bin).
    assert.match(await ok('run', '--rm', '--image-volume', 'tmpfs', '-v', 'bins:/bin', 'localhost/berth/with-volumes', '/bin/busybox', 'sh', '-c', 'grep " /cache " /proc/mounts'), /^tmpfs \/cache tmpfs /);
    assert.equal(await ok('run', '--rm', '--image-volume', 'ignore', 'localhost/berth/with-volumes', '/bin/busybox', 'sh', '-c', 'grep -c " /cache " /proc/mounts || true'), '0\n');
    assert.deepEqual(await names(), ['bins', 'kept']);
    await ok('volume', 'rm', 'kept', 'bins');
  });

  it('--volumes-from mounts another container\'s volumes and binds (not its tmpfs), as they are there or all :ro / :rw; its own -v wins; an anonymous one goes with the last container of it', async () => {
    const host = join(fx.temp.dir, 'from-host');
    mkdirSync(host, { recursive: true });
    await ok('create', '--name', 'source', '-v', 'shared:/data', '-v', `${host}:/host:ro`, '-v', '/anon', '--tmpfs', '/tt', 'busybox', '/bin/busybox', 'true');
    const anonymous = (await names()).filter((name) => name !== 'shared');
    assert.equal(anonymous.length, 1);
    const mountsIn = async (...flags: string[]): Promise<string> => ok('run', '--rm', ...flags, 'busybox', '/bin/busybox', 'sh', '-c',
      'for d in /data /host /anon /tt; do grep " $d " /proc/mounts | cut -d" " -f2,4 | cut -d, -f1; done; { echo written > /anon/f; } 2>/dev/null; true');
    const asThere = (await mountsIn('--volumes-from', 'source')).split('\n').filter(Boolean).sort();
    assert.deepEqual(asThere, ['/anon rw', '/data rw', '/host ro']);
    assert.equal(readFileSync(join(volumesDir, anonymous[0]!, '_data', 'f'), 'utf8'), 'written\n', 'the source\'s own anonymous volume');
    assert.deepEqual((await mountsIn('--volumes-from', 'source:ro')).split('\n').filter(Boolean).sort(), ['/anon ro', '/data ro', '/host ro']);
    assert.deepEqual((await mountsIn('--volumes-from', 'source:rw,z', '-v', `${host}:/data:ro`)).split('\n').filter(Boolean).sort(), ['/anon rw', '/data ro', '/host rw']);
    assert.deepEqual(await names(), ['shared', ...anonymous].sort(), 'the --rm runs took none of the source\'s volumes');

    await ok('create', '--name', 'taker', '--volumes-from', 'source', 'busybox', '/bin/busybox', 'true');
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.VolumesFrom}}', 'taker'), '[source]\n');
    await ok('rm', '-v', 'source');
    assert.deepEqual(await names(), ['shared', ...anonymous].sort(), 'in use by taker: kept');
    await ok('rm', '-v', 'taker');
    assert.deepEqual(await names(), ['shared'], 'the last container of the anonymous volume took it');
    await ok('volume', 'rm', 'shared');

    await failing(125, /^Error: looking up container "nosuch" for volumes-from: no container with name or ID "nosuch" found: no such container\n$/, 'run', '--rm', '--volumes-from', 'nosuch', 'busybox', 'true');
    await ok('create', '--name', 'source2', '-v', 'v2:/data', 'busybox', '/bin/busybox', 'true');
    await failing(125, /invalid option "bad" specified - volumes from another container can only use z,ro,rw options/, 'run', '--rm', '--volumes-from', 'source2:bad', 'busybox', 'true');
    await failing(125, /\/data: duplicate mount destination/, 'run', '--rm', '--volumes-from', 'source2', '--volumes-from', 'source2', 'busybox', 'true');
    await ok('rm', '-v', 'source2');
    await ok('volume', 'rm', 'v2');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('bad -v input is refused before anything is made; a failed create takes back the volumes it made', async () => {
    await failing(125, /source \/no\/such\/dir does not exist/, 'run', '--rm', '-v', 'fresh:/data', '-v', '/no/such/dir:/x', 'busybox', 'true');
    await failing(125, /\/data: duplicate mount destination/, 'run', '--rm', '-v', 'a:/data', '--tmpfs', '/data', 'busybox', 'true');
    await failing(125, /invalid option "bogus"/, 'run', '--rm', '-v', 'a:/data:bogus', 'busybox', 'true');
    await failing(125, /volume name "bad\/name" must match/, 'run', '--rm', '-v', 'bad/name:/data', 'busybox', 'true');
    await failing(125, /the destination must be an absolute path/, 'run', '--rm', '-v', 'a:data', 'busybox', 'true');
    assert.deepEqual(await names(), []);
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.deepEqual((await fx.store.containers()).length, 0, 'no store container left');
  });

  it('-v ./dir:/path is a host path relative to the working directory', async () => {
    const dir = join(fx.temp.dir, 'rel');
    mkdirSync(join(dir, 'host'), { recursive: true });
    writeFileSync(join(dir, 'host', 'f'), 'from the host\n');
    const result = await runTool(process.execPath, [BERTH_BIN, ...globals(), 'run', '--rm', '-v', './host:/h:ro', 'busybox', '/bin/busybox', 'cat', '/h/f'], { cwd: dir });
    assert.equal(result.stdout.toString(), 'from the host\n', result.stderr);
  });

  it('prune asks first (end of input is podman\'s EOF error), and removes only volumes no container uses', async () => {
    await ok('volume', 'create', 'unused');
    await ok('create', '--name', 'user', '-v', 'used:/data', 'busybox');
    const refused = await berth(['volume', 'prune']);
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, 'Error: EOF\n');
    assert.match(refused.stdout.toString(), /The following volumes will be removed:\nunused\nAre you sure/);
    assert.equal((await berth(['volume', 'prune'], 'n\n')).code, 0);
    assert.deepEqual(await names(), ['unused', 'used']);
    const accepted = await berth(['volume', 'prune'], 'y\n');
    assert.equal(accepted.code, 0, accepted.stderr);
    assert.match(accepted.stdout.toString(), /\[y\/N\] unused\n$/);
    assert.deepEqual(await names(), ['used']);
    await ok('rm', 'user');
    await ok('volume', 'rm', '--all');
    assert.deepEqual(await names(), []);
  });

  it('a volume rm killed midway leaves the volume whole or gone, and the next writer clears what is left', async () => {
    const outcomes = new Set<string>();
    for (let round = 0; round < 6; round++) {
      await ok('volume', 'create', 'big');
      const data = join(volumesDir, 'big', '_data');
      for (let d = 0; d < 40; d++) {
        mkdirSync(join(data, `d${d}`));
        for (let f = 0; f < 100; f++) writeFileSync(join(data, `d${d}`, `f${f}`), 'x');
      }
      const child = spawn(process.execPath, [BERTH_BIN, ...globals(), 'volume', 'rm', 'big'], { stdio: 'ignore' });
      // Listened for at once: the rm may be over before the kill comes.
      const closed = new Promise((resolve) => child.once('close', resolve));
      await new Promise((resolve) => setTimeout(resolve, 60 + round * 25));
      child.kill('SIGKILL');
      await closed;
      const listed = await names();
      outcomes.add(listed.includes('big') ? 'whole' : 'gone');
      if (listed.includes('big')) {
        assert.equal(readdirSync(data).length, 40, 'a listed volume is whole');
        await ok('volume', 'rm', 'big');
      }
      await ok('volume', 'create', 'next');
      assert.deepEqual(readdirSync(volumesDir).filter((n) => n.startsWith('.')), [], 'the next writer cleared the leftovers');
      await ok('volume', 'rm', 'next');
    }
    assert.ok(outcomes.size > 0);
    assert.equal(existsSync(join(volumesDir, 'big')), false);
  });
});
