// The container verbs through the shipped executable, as a user types them:
// `berth --root R --runroot RR run|ps|logs|exec|stop|…`.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { engineCli } from './engine-cli.js';
import { BUSYBOX_IMAGE } from './engine-fixture.js';

describe('berth container verbs (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();

  it('run prints the output and exits with the container\'s code; --rm leaves nothing', async () => {
    const result = await berth('run', '--rm', 'busybox', '/bin/sh', '-c', 'echo out; echo err >&2; exit 7');
    assert.equal(result.code, 7);
    assert.equal(result.stdout.toString(), 'out\n');
    assert.equal(result.stderr.toString(), 'err\n');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  /** `<graph>/overlay/<layer>/diff/<path>`'s owner for a container of the store. */
  const ownerInDiff = async (container: string, path: string): Promise<string> => {
    const { layerId } = await fixture().store.container(container);
    const st = statSync(join(fixture().temp.graphRoot, 'overlay', layerId, 'diff', path));
    return `${st.uid}:${st.gid}`;
  };
  const mapLines = (out: string) => out.trim().split('\n').map((line) => line.trim().split(/\s+/).join(' '));

  it('run --uidmap/--gidmap runs in a user namespace, its files stored with the mapped owners', async () => {
    const script = 'cat /proc/self/uid_map /proc/self/gid_map; id -u; stat -c %u:%g /bin/busybox; echo x > /written';
    const out = await ok('run', '--name', 'mapped', '--uidmap', '0:100000:65536', '--gidmap', '0:200000:65536', 'busybox', '/bin/sh', '-c', script);
    assert.deepEqual(mapLines(out), ['0 100000 65536', '0 200000 65536', '0', '0:0']);
    assert.equal(await ownerInDiff('mapped', 'written'), '100000:200000');
    // Overlay shifts here (idmapped lowers): the container's layer sits on the image's own top layer, no remapped copy.
    const { layerId, imageId } = await fixture().store.container('mapped');
    const image = await fixture().store.image(imageId);
    assert.deepEqual([(await fixture().store.layer(layerId)).parent, image.mappedTopLayers], [image.topLayer, undefined]);
    // podman's way down for the namespace's root: search permission on the store's 0700 dirs.
    assert.equal(statSync(fixture().temp.graphRoot).mode & 0o777, 0o711);
    assert.equal(statSync(join(fixture().temp.graphRoot, 'overlay')).mode & 0o777, 0o711);
    await ok('rm', 'mapped');
    const uidOnly = await ok('run', '--rm', '--uidmap', '0:100000:65536', 'busybox', '/bin/sh', '-c', 'cat /proc/self/gid_map');
    assert.deepEqual(mapLines(uidOnly), ['0 100000 65536'], 'the GID map defaults to the UID map');
    for (const [flags, message] of [
      [['--userns', 'bogus'], /--userns bogus: want auto\[:size=N\] or host/],
      [['--userns', 'keep-id'], /^Error: keep-id is only supported in rootless mode\n$/],
      [['--userns', 'nomap'], /^Error: nomap is only supported in rootless mode\n$/],
      [['--userns', 'auto:size=0'], /"size=0" is not size=N/],
      [['--userns', 'auto', '--uidmap', '0:1:1'], /cannot be combined/],
      [['--uidmap', '0:1'], /uid setting is malformed/],
    ] as const) {
      const bad = await berth('run', '--rm', ...flags, 'busybox', 'true');
      assert.equal(bad.code, 125, flags.join(' '));
      assert.match(bad.stderr.toString(), message);
    }
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('run --userns=auto[:size=N] takes free ranges of the containers user\'s subordinate IDs', async () => {
    // The machine's /etc/subuid and /etc/subgid are podman's source too: a range for `containers`, restored after.
    const saved = ['/etc/subuid', '/etc/subgid'].map((file) => [file, existsSync(file) ? readFileSync(file) : undefined] as const);
    for (const [file, text] of saved) writeFileSync(file, `${text?.toString() ?? ''}containers:400000:100000\n`);
    try {
      const first = await ok('run', '--name', 'auto1', '--userns=auto', 'busybox', '/bin/sh', '-c', 'cat /proc/self/uid_map; echo x > /written');
      assert.deepEqual(mapLines(first), ['0 400000 1024'], 'the minimum size: the image needs no more');
      assert.equal(await ownerInDiff('auto1', 'written'), '400000:400000');
      const sized = await ok('run', '--rm', '--userns=auto:size=2048', 'busybox', '/bin/sh', '-c', 'cat /proc/self/uid_map');
      assert.deepEqual(mapLines(sized), ['0 401024 2048'], 'the next free range, of the size asked');
      await ok('rm', 'auto1');
    } finally {
      for (const [file, text] of saved) {
        if (text === undefined) rmSync(file, { force: true });
        else writeFileSync(file, text);
      }
    }
  });

  it('run -d, ps, logs, exec, stop, inspect, wait, rm', async () => {
    const id = (await ok('run', '-d', '--name', 'web', '-e', 'GREETING=hi', 'busybox', '/bin/sh', '-c', 'echo $GREETING; while :; do sleep 0.1; done')).trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    const table = await ok('ps');
    assert.match(table, /^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES\n/);
    assert.match(table, new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+.*Up .*web$`, 'm'));
    for (let i = 0; i < 50 && (await ok('logs', 'web')) !== 'hi\n'; i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(await ok('logs', 'web'), 'hi\n');
    assert.match(await ok('logs', '-t', 'web'), /^\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d hi\n$/);
    const exec = await berth('exec', '-e', 'X=1', 'web', '/bin/sh', '-c', 'echo x=$X; exit 3');
    assert.equal(exec.code, 3);
    assert.equal(exec.stdout.toString(), 'x=1\n');
    assert.equal(await ok('inspect', '--format', '{{.State.Status}}', 'web'), 'running\n');
    assert.equal(await ok('stop', '-t', '1', 'web'), 'web\n');
    assert.equal(await ok('wait', 'web'), '137\n');
    const [doc] = JSON.parse(await ok('inspect', 'web')) as Array<{ Id: string; State: { Status: string; ExitCode: number } }>;
    assert.equal(doc!.Id, id);
    assert.deepEqual([doc!.State.Status, doc!.State.ExitCode], ['exited', 137]);
    const [row] = JSON.parse(await ok('ps', '-a', '--format', 'json', '--filter', 'name=web')) as Array<{ Id: string; State: string; ExitCode: number }>;
    assert.deepEqual([row!.Id, row!.State, row!.ExitCode], [id, 'exited', 137]);
    assert.equal(await ok('rm', 'web'), `${id}\n`);
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('run and create --replace remove a container of the name first (running or not); without --name it is refused; an ID prefix is not a name', async () => {
    const first = (await ok('run', '-d', '--name', 'replaced', 'busybox', '/bin/sh', '-c', 'sleep 100')).trim();
    const second = (await ok('run', '-d', '--replace', '--name', 'replaced', 'busybox', '/bin/sh', '-c', 'sleep 100')).trim();
    assert.notEqual(second, first);
    assert.equal(await ok('ps', '-a', '-q', '--no-trunc'), `${second}\n`);
    const third = (await ok('create', '--replace', '--name', 'replaced', 'busybox', '/bin/sh', '-c', 'true')).trim();
    assert.equal(await ok('ps', '-a', '-q', '--no-trunc'), `${third}\n`);
    const refused = await berth('run', '--rm', '--replace', 'busybox', '/bin/sh', '-c', 'true');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /cannot replace container without --name being set/);
    // A name that is also the start of the other container's ID replaces nothing.
    const prefix = third.slice(0, 6);
    const fourth = (await ok('create', '--replace', '--name', prefix, 'busybox', '/bin/sh', '-c', 'true')).trim();
    assert.deepEqual((await ok('ps', '-a', '-q', '--no-trunc')).trim().split('\n').sort(), [third, fourth].sort());
    await ok('rm', third, fourth);
  });

  it('run --rmi removes the image (by the name run: a name of several only untagged) once the container is gone, unless another container uses it', async () => {
    await ok('tag', 'busybox', 'localhost/rmi-test:1');
    assert.equal(await ok('run', '--rmi', 'localhost/rmi-test:1', '/bin/sh', '-c', 'echo ran'), 'ran\n');
    assert.equal(await ok('ps', '-a', '-q'), '', '--rmi implies --rm');
    const names = await ok('images', '--format', '{{.Repository}}:{{.Tag}}');
    assert.doesNotMatch(names, /rmi-test/);
    assert.match(names, /localhost\/berth\/busybox:latest/);
    // An image of one name that a container uses stays (rmi would refuse it); once unused, the next --rmi removes it.
    const tarball = join(fixture().temp.dir, 'rmi.tar');
    await runTool('tar', ['-C', join(fixture().temp.dir, 'rootfs'), '-cf', tarball, '.']);
    await ok('import', '-q', tarball, 'localhost/rmi-kept:1');
    const user = (await ok('create', 'localhost/rmi-kept:1', '/bin/sh', '-c', 'true')).trim();
    assert.equal(await ok('run', '--rmi', 'localhost/rmi-kept:1', '/bin/sh', '-c', 'echo again'), 'again\n');
    assert.match(await ok('images', '--format', '{{.Repository}}:{{.Tag}}'), /rmi-kept/, 'kept for the container that uses it');
    await ok('rm', user);
    assert.equal(await ok('run', '--rmi', 'localhost/rmi-kept:1', '/bin/sh', '-c', 'echo last'), 'last\n');
    assert.doesNotMatch(await ok('images', '--format', '{{.Repository}}:{{.Tag}}'), /rmi-kept/);
    // Detached: its exit command (container cleanup --rm --rmi) removes both once it has exited.
    await ok('tag', 'busybox', 'localhost/rmi-detached:1');
    await ok('run', '-d', '--rmi', 'localhost/rmi-detached:1', '/bin/sh', '-c', 'sleep 0.3');
    for (const deadline = Date.now() + 15_000; ;) {
      const [containers, images] = [await ok('ps', '-a', '-q'), await ok('images', '--format', '{{.Repository}}:{{.Tag}}')];
      if (containers === '' && !images.includes('rmi-detached')) break;
      assert.ok(Date.now() < deadline, `still there: ${containers} ${images}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  });

  it('run --timeout: conmon kills the container that many seconds after each start, its exit code -1 (255) as podman\'s; inspect shows it', async () => {
    const started = Date.now();
    const ran = await berth('run', '--rm', '--timeout', '1', 'busybox', '/bin/sh', '-c', 'echo up; sleep 30');
    assert.deepEqual([ran.code, ran.stdout.toString()], [255, 'up\n']);
    assert.ok(Date.now() - started < 15_000, 'killed long before the sleep ended');
    const id = (await ok('create', '--timeout', '1', 'busybox', '/bin/sh', '-c', 'sleep 30')).trim();
    assert.equal(await ok('inspect', '-f', '{{.Config.Timeout}}', id), '1\n');
    assert.equal((await berth('start', '-a', id)).code, 255);
    assert.equal(await ok('inspect', '-f', '{{.State.ExitCode}} {{.State.Status}}', id), '-1 exited\n');
    await ok('rm', id);
  });

  it('rm -f stops a running container as stop does (its stop signal first); -t 0 kills it at once', async () => {
    const dir = join(fixture().temp.dir, 'rm-stop');
    mkdirSync(dir, { recursive: true });
    const trapping = ['/bin/sh', '-c', 'trap "echo got-term > /out/$NAME; exit 0" TERM; while :; do sleep 0.1; done'];
    await ok('run', '-d', '--name', 'graceful', '-e', 'NAME=graceful', '-v', `${dir}:/out`, 'busybox', ...trapping);
    await ok('run', '-d', '--name', 'killed', '-e', 'NAME=killed', '-v', `${dir}:/out`, 'busybox', ...trapping);
    await new Promise((r) => setTimeout(r, 300)); // the shells set their traps
    await ok('rm', '-f', 'graceful');
    await ok('rm', '-f', '-t', '0', 'killed');
    assert.equal(readFileSync(join(dir, 'graceful'), 'utf8'), 'got-term\n');
    assert.ok(!existsSync(join(dir, 'killed')), '-t 0: SIGKILL, no trap ran');
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('inspect takes a container or an image by name, --type chooses', async () => {
    await ok('create', '--name', 'inspected', 'busybox', '/bin/busybox', 'true');
    const docs = JSON.parse(await ok('inspect', 'inspected', 'busybox')) as Array<{ Id: string; State?: unknown; RepoTags?: string[] }>;
    assert.equal(docs.length, 2);
    assert.ok(docs[0]!.State, 'the container first');
    assert.deepEqual(docs[1]!.RepoTags, [BUSYBOX_IMAGE]);
    const imageId = (await ok('images', '-q', '--no-trunc', BUSYBOX_IMAGE)).trim().replace(/^sha256:/, '');
    assert.equal(await ok('inspect', '-f', '{{.Id}}', 'busybox'), `${imageId}\n`);
    const onlyContainers = await berth('inspect', '--type', 'container', 'busybox');
    assert.equal(onlyContainers.code, 125);
    assert.match(onlyContainers.stderr, /no container with name or ID "busybox" found/);
    const onlyImages = await berth('inspect', '--type', 'image', 'inspected');
    assert.equal(onlyImages.code, 125);
    await ok('rm', 'inspected');
  });

  it('image verbs find a short name among local names under any registry, as run does', async () => {
    assert.equal(await ok('images', '-q', '--no-trunc', 'busybox'), await ok('images', '-q', '--no-trunc', BUSYBOX_IMAGE));
    const repoTags = async (): Promise<string[]> => (JSON.parse(await ok('image', 'inspect', 'busybox')) as Array<{ RepoTags: string[] }>)[0]!.RepoTags;
    assert.deepEqual(await repoTags(), [BUSYBOX_IMAGE]);
    await ok('tag', 'busybox', 'localhost/short/names:1', 'localhost/short/names:2');
    // As podman 4.3 here: untag takes the name as tag normalises it (localhost/names:1), not a match elsewhere.
    const untag = await berth('untag', 'busybox', 'names:1');
    assert.equal(untag.code, 125);
    // An image with several names loses only the one a short name matches (podman: "Untagged: localhost/short/names:2").
    await ok('rmi', 'names:2');
    assert.deepEqual((await repoTags()).sort(), [BUSYBOX_IMAGE, 'localhost/short/names:1']);
    await ok('untag', 'busybox', 'localhost/short/names:1');
    assert.deepEqual(await repoTags(), [BUSYBOX_IMAGE]);
    const unknown = await berth('rmi', 'no-such-image');
    assert.equal(unknown.code, 125);
  });

  it('the container verbs under `container` too, with ls/list and exists, as podman has them', async () => {
    assert.equal(await ok('container', 'run', '--rm', 'busybox', '/bin/busybox', 'echo', 'grouped'), 'grouped\n');
    await ok('container', 'create', '--name', 'grouped', 'busybox', '/bin/busybox', 'true');
    for (const list of ['ls', 'list', 'ps']) assert.match(await ok('container', list, '-a', '--format', 'json'), /"grouped"/);
    assert.equal((await berth('container', 'exists', 'grouped')).code, 0);
    assert.equal((await berth('container', 'exists', 'not-there')).code, 1);
    // Under `container`, inspect is for containers only.
    assert.equal((await berth('container', 'inspect', 'busybox')).code, 125);
    assert.match(await ok('container', 'inspect', '-f', '{{.State.Status}}', 'grouped'), /^(created|configured)\n$/);
    await ok('container', 'rm', 'grouped');
    assert.equal((await berth('container', 'exists', 'grouped')).code, 1);
  });

  it('create then start -a, kill -s, restart, pause/unpause, update, stats --no-stream, container prune', async () => {
    const id = (await ok('create', '--name', 'c1', 'busybox', '/bin/sh', '-c', 'echo started')).trim();
    assert.equal((await ok('ps', '-a', '--filter', 'status=created', '-q')).trim(), id.slice(0, 12));
    const attached = await berth('start', '-a', 'c1');
    assert.deepEqual([attached.code, attached.stdout.toString()], [0, 'started\n']);
    // Started again, attached: that run's output only, not its earlier runs' from the log.
    const again = await berth('start', '-a', 'c1');
    assert.deepEqual([again.code, again.stdout.toString()], [0, 'started\n']);
    await ok('run', '-d', '--name', 'loop', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done');
    await ok('pause', 'loop');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'loop'), 'paused\n');
    await ok('unpause', 'loop');
    await ok('update', '--memory', '64m', '--pids-limit', '50', '--cpu-period', '50000', '--cpu-quota', '25000', '--memory-swappiness', '20', 'loop');
    // Recorded in its spec: inspect shows it, and the restart below keeps it.
    const updated = '{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.CpuPeriod}} {{.HostConfig.CpuQuota}} {{.HostConfig.MemorySwappiness}}';
    assert.equal(await ok('inspect', '-f', updated, 'loop'), '67108864 50 50000 25000 20\n');
    const updateRefused = await berth('update', '--cpus', '1', '--cpu-quota', '1000', 'loop');
    assert.equal(updateRefused.code, 125);
    assert.match(updateRefused.stderr, /--cpu-quota and --cpus cannot be set together/);
    const [stats] = JSON.parse(await ok('stats', '--no-stream', '--format', 'json', 'loop')) as Array<{ memoryLimitBytes: number; pids: number }>;
    assert.equal(await ok('stats', '--no-stream', '--format', '{{.Name}}'), 'loop\n', 'without names: every running container');
    assert.equal(stats!.memoryLimitBytes, 64 * 1024 * 1024);
    assert.ok(stats!.pids >= 1);
    await ok('kill', '-s', 'TERM', 'loop');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'loop'), 'running\n', 'PID 1 ignores TERM');
    await ok('restart', '-t', '0', 'loop');
    assert.equal(await ok('inspect', '-f', '{{.State.Status}}', 'loop'), 'running\n');
    assert.equal(await ok('exec', 'loop', '/bin/sh', '-c', 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us'), '67108864\n50\n25000\n', 'the update outlives a restart');
    await ok('kill', 'loop');
    assert.equal(await ok('wait', 'loop'), '137\n');
    const pruned = (await ok('container', 'prune', '-f')).trim().split('\n').sort();
    assert.equal(pruned.length, 2);
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('exec -d starts a command and returns at once with its session ID, listed until the container runs again; ps -s shows what the container wrote and its whole root', async () => {
    await ok('run', '-d', '--name', 'busy', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done');
    const started = Date.now();
    const session = await ok('exec', '-d', 'busy', '/bin/sh', '-c', 'sleep 3; head -c 5000 /dev/zero > /written; echo done > /detached');
    assert.ok(Date.now() - started < 1000, 'exec -d did not wait for the command');
    assert.match(session, /^[0-9a-f]{64}\n$/, 'podman prints the exec session\'s ID');
    assert.equal(await ok('inspect', '-f', '{{.ExecIDs}}', 'busy'), `[${session.trim()}]\n`);
    assert.equal((await berth('exec', 'busy', '/bin/busybox', 'cat', '/detached')).code, 1, 'not yet written');
    let done = '';
    for (let i = 0; i < 100 && done !== 'done\n'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      done = (await berth('exec', 'busy', '/bin/busybox', 'cat', '/detached')).stdout.toString();
    }
    assert.equal(done, 'done\n');
    // The command exits just after writing the file: its session is still listed, as podman lists it.
    const second = (await ok('exec', '-d', 'busy', '/bin/busybox', 'true')).trim();
    const both = `[${[session.trim(), second].sort().join(' ')}]\n`;
    assert.equal(await ok('inspect', '-f', '{{.ExecIDs}}', 'busy'), both);
    const sizes = await ok('ps', '-s', '--format', '{{.Names}} {{.Size}}');
    assert.match(sizes, /^busy [56](\.\d+)? kB \(virtual [\d.]+ [kM]B\)\n$/);
    assert.match(await ok('ps', '-s'), /\s+NAMES\s+SIZE\n/);
    const noSize = await berth('ps', '--format', '{{.Size}}');
    assert.equal(noSize.code, 125, 'Size needs --size, as podman says');
    const refused = await berth('exec', '-d', '-t', 'busy', '/bin/true');
    assert.equal(refused.code, 125);
    // Through the container's exit too; its next run starts with none.
    await ok('stop', '-t', '0', 'busy');
    assert.equal(await ok('inspect', '-f', '{{.ExecIDs}} {{.State.Status}}', 'busy'), `${both.trim()} exited\n`);
    await ok('start', 'busy');
    assert.equal(await ok('inspect', '-f', '{{.ExecIDs}}', 'busy'), '[]\n');
    await ok('rm', '-f', '-t', '0', 'busy');
  });

  it('ps lists oldest first as podman 4.3 does; -n/--last and -l take the newest in any state; --sort and --noheading', async () => {
    for (const name of ['zulu', 'alpha', 'mike']) await ok('create', '--name', name, 'busybox', '/bin/busybox', 'true');
    await ok('start', 'mike');
    const names = async (...flags: string[]): Promise<string> => (await ok('ps', ...flags, '--format', '{{.Names}}')).trim().split('\n').join(' ');
    assert.equal(await names('-a'), 'zulu alpha mike');
    assert.equal(await names('-n', '2'), 'alpha mike', 'the two made last, created or exited');
    assert.equal(await names('-l'), 'mike');
    assert.equal(await names('-a', '--sort', 'names'), 'alpha mike zulu');
    assert.equal(await names('-a', '--sort', 'runningfor'), 'mike alpha zulu');
    assert.equal(await names('-a', '--sort', 'status'), 'zulu alpha mike', 'created before stopped, each by age');
    const table = await ok('ps', '-a', '--noheading');
    assert.doesNotMatch(table, /CONTAINER ID/);
    assert.equal(table.trim().split('\n').length, 3);
    const refused = await berth('ps', '--sort', 'size');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /--sort.*'size' is invalid/);
    await ok('rm', 'zulu', 'alpha', 'mike');
  });

  it('stats --no-trunc shows full IDs; --interval takes whole seconds', async () => {
    const id = (await ok('run', '-d', 'busybox', '/bin/busybox', 'sleep', '1000')).trim();
    const table = await ok('stats', '--no-stream', '--no-trunc', id);
    assert.match(table, new RegExp(`^ID {64}NAME .*\\n${id}  berth-${id.slice(0, 12)} `));
    assert.match(await ok('stats', '--no-stream', id), new RegExp(`\\n${id.slice(0, 12)}  berth-`));
    const refused = await berth('stats', '--no-stream', '--interval', 'soon', id);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /interval/);
    await ok('rm', '-f', '-t', '0', id);
  });

  it('inspect --size shows SizeRw and SizeRootFs (not without it); port -a lists every container\'s published ports after its short ID', async () => {
    const id = (await ok('run', '-d', '-p', '18193:80', '-p', '18194:81/udp', 'busybox', '/bin/busybox', 'sh', '-c', 'head -c 5000 /dev/zero > /filled; sleep 1000')).trim();
    for (let i = 0; i < 50 && (await ok('inspect', '--size', '-f', '{{.SizeRw}}', id)).trim() === '0'; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const [rw, rootfs] = (await ok('inspect', '--size', '-f', '{{.SizeRw}} {{.SizeRootFs}}', id)).trim().split(' ').map(Number);
    assert.ok(rw! >= 5000 && rootfs! > rw!, `${rw} ${rootfs}`);
    assert.equal((JSON.parse(await ok('inspect', id)) as Array<Record<string, unknown>>)[0]!['SizeRw'], undefined);
    assert.equal(await ok('port', '-a'), `${id.slice(0, 12)}\t80/tcp -> 0.0.0.0:18193\n${id.slice(0, 12)}\t81/udp -> 0.0.0.0:18194\n`);
    const refused = await berth('port', '-a', id);
    assert.equal(refused.code, 125);
    await ok('rm', '-f', '-t', '0', id);
  });

  it('top lists the processes; --log-opt max-size limits the log', async () => {
    await ok('run', '-d', '--name', 'topped', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done');
    // podman's default columns: the init is PID 1 of its namespace, its parent (outside) 0, its user root's number (busybox has no /etc/passwd).
    assert.match(await ok('top', 'topped'), /^USER {8}PID {9}PPID {8}%CPU {8}ELAPSED +TTY +TIME +COMMAND\n0 +1 +0 +\d+\.\d{3} +[\d.]+m?s +\? +\d[\d.]*m?s +\/bin\/sh -c while/);
    assert.match(await ok('top', 'topped', 'pid,comm', '%U', 'hpid'), /^PID {9}COMMAND {5}USER {8}HPID\n1 +sh +0 +\d+\n/);
    const bad = await berth('top', 'topped', 'pid', 'bogus');
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^Error: unknown descriptor: bogus/);
    await ok('rm', '-f', '-t', '0', 'topped');
    await ok('run', '--name', 'small-log', '--log-opt', 'max-size=300', 'busybox', '/bin/sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line$i; done');
    const kept = (await ok('logs', 'small-log')).trim().split('\n');
    assert.equal(kept.at(-1), 'line10');
    assert.ok(!kept.includes('line1'));
    await ok('rm', 'small-log');
    // Decimal units, as podman's go-units FromHumanSize reads them: 10mb is 10,000,000 bytes.
    await ok('create', '--name', 'mb-log', '--log-opt', 'max-size=10mb', 'busybox');
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.LogConfig.Size}}', 'mb-log'), '10MB\n');
    await ok('rm', 'mb-log');
    // Several containers' logs, as podman prints them: each line after the container's short ID, or with -n its name.
    await ok('run', '--name', 'log-a', 'busybox', '/bin/sh', '-c', 'echo one; echo two');
    await ok('run', '--name', 'log-b', 'busybox', '/bin/sh', '-c', 'echo three');
    const [a, b] = [(await ok('inspect', '-f', '{{.Id}}', 'log-a')).slice(0, 12), (await ok('inspect', '-f', '{{.Id}}', 'log-b')).slice(0, 12)];
    assert.equal(await ok('logs', 'log-a', 'log-b'), `${a} one\n${a} two\n${b} three\n`);
    assert.equal(await ok('logs', '-n', '--tail', '1', 'log-a', 'log-b'), 'log-a two\nlog-b three\n');
    assert.equal(await ok('logs', 'log-b'), 'three\n');
    await ok('rm', 'log-a', 'log-b');
  });

  it('logs to a reader slower than the output: every byte arrives before the command ends', async () => {
    // 300,000 bytes: far more than a pipe holds, so most of it is still queued in
    // process.stdout when the verb returns, and the process must not exit before it is written.
    await ok('run', '--name', 'chatty', 'busybox', '/bin/sh', '-c', 'yes 12345 | head -n 50000');
    const logs = [BERTH_BIN, '--root', fixture().temp.graphRoot, '--runroot', fixture().temp.runRoot, '--storage-driver', 'overlay', 'logs', 'chatty'];
    const command = `'${process.execPath}' ${logs.map((arg) => `'${arg}'`).join(' ')} | { sleep 0.5; wc -c; }; echo "\${PIPESTATUS[0]}"`;
    const result = await runTool('bash', ['-c', command]);
    assert.equal(result.stdout.toString().split(/\s+/).join(' ').trim(), '300000 0');
    await ok('rm', 'chatty');
  });

  it('run options reach the container: -u, -w, -e, --hostname, -v, --tmpfs, --read-only, --device, --sysctl, --cap-drop, --network none, --entrypoint', async () => {
    const hostDir = join(fixture().temp.dir, 'shared');
    mkdirSync(hostDir, { recursive: true });
    writeFileSync(join(hostDir, 'in.txt'), 'from host\n');
    const script = [
      'echo id=$(busybox id -u):$(busybox id -g)', 'echo pwd=$(pwd)', 'echo env=$FOO', 'echo host=$(busybox hostname)',
      'echo vol=$(busybox cat /data/in.txt)', 'echo tmp=$(busybox mount | busybox grep -c " /scratch type tmpfs")',
      'busybox touch /rootfile 2>/dev/null && echo ro=no || echo ro=yes', 'echo dev=$(busybox stat -c %t,%T /dev/mynull)',
      'echo sysctl=$(busybox cat /proc/sys/kernel/shm_rmid_forced)', 'echo caps=$(busybox grep CapEff /proc/self/status)',
      'echo net=$(busybox ls /sys/class/net | busybox tr "\\n" " ")',
    ].join('; ');
    const out = await ok('run', '--rm', '-u', '1000:1000', '-w', '/tmp', '-e', 'FOO=bar', '--hostname', 'box', '-v', `${hostDir}:/data:ro`,
      '--tmpfs', '/scratch', '--read-only', '--device', '/dev/null:/dev/mynull', '--sysctl', 'kernel.shm_rmid_forced=1', '--cap-drop', 'all',
      '--network', 'none', '--entrypoint', '["/bin/sh","-c"]', 'busybox', script);
    assert.equal(out, [
      'id=1000:1000', 'pwd=/tmp', 'env=bar', 'host=box', 'vol=from host', 'tmp=1', 'ro=yes', 'dev=1,3', 'sysctl=1',
      'caps=CapEff: 0000000000000000', 'net=lo', '',
    ].join('\n'));
  });
});

describe('berth run -i / -it (bin/berth.cjs)', () => {
  const { fixture } = engineCli();
  const args = (): string[] => [BERTH_BIN, '--root', fixture().temp.graphRoot, '--runroot', fixture().temp.runRoot, '--storage-driver', 'overlay'];

  it('run -i sends piped stdin to the container; its end is EOF', async () => {
    const result = await runTool(process.execPath, [...args(), 'run', '--rm', '-i', 'busybox', '/bin/sh', '-c', 'while read l; do echo got:$l; done; exit 4'], { input: Buffer.from('a\nb\n') });
    assert.equal(result.code, 4, result.stderr.toString());
    assert.equal(result.stdout.toString(), 'got:a\ngot:b\n');
  });

  it('run -it in a terminal: the container sees the terminal size, input is typed into its shell', async () => {
    // script(1) gives berth a real pseudo-terminal of 30 rows and 100 columns.
    const command = ['stty rows 30 cols 100;', process.execPath, ...args(), 'run', '--rm', '-it', 'busybox', '/bin/sh'].map((a) => (a.endsWith(';') ? a : `'${a}'`)).join(' ');
    const result = await runTool('script', ['-qec', command, '/dev/null'], { input: Buffer.from('busybox stty size; exit 3\n') });
    assert.equal(result.code, 3, result.stdout.toString() + result.stderr.toString());
    assert.match(result.stdout.toString(), /30 100\r+\n/);
  });

  it('exec -it in a terminal: the runtime gives the shell a terminal of the caller\'s size', async () => {
    await runTool(process.execPath, [...args(), 'run', '-d', '--name', 'shell-host', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done']);
    const command = ['stty rows 30 cols 100;', process.execPath, ...args(), 'exec', '-it', 'shell-host', '/bin/sh'].map((a) => (a.endsWith(';') ? a : `'${a}'`)).join(' ');
    const result = await runTool('script', ['-qec', command, '/dev/null'], { input: Buffer.from('busybox stty size; exit 5\n') });
    assert.equal(result.code, 5, result.stdout.toString() + result.stderr.toString());
    assert.match(result.stdout.toString(), /30 100\r+\n/);
  });
});
