// podman and Berth on one store at the same time: podman lists the containers
// Berth made (as external storage containers, with their images), Berth runs
// a container from an image podman made while podman runs one from Berth's.

import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { podman, type PodmanEnv } from '../helpers/podman.js';
import { runTool, runToolOk } from '../helpers/run-tool.js';
import { addBusyboxVariant, openEngineFixtureWithPodman, BUSYBOX_IMAGE, type EngineFixture } from '../engine/engine-fixture.js';

describe('podman and Berth containers on one store', () => {
  let fx: EngineFixture;
  let pod: PodmanEnv;
  before(async () => ({ fx, pod } = await openEngineFixtureWithPodman()));
  after(async () => fx.dispose());

  const berth = (...args: string[]) => runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', ...args]);

  it('podman ps -a --external lists the containers Berth made, with their images', async () => {
    const id = (await berth('run', '-d', '--name', 'berth-web', 'busybox', '/bin/sh', '-c', 'while :; do sleep 0.1; done')).stdout.toString().trim();
    const done = (await berth('create', '--name', 'berth-made', 'busybox')).stdout.toString().trim();
    const listed = await podman(pod, ['ps', '-a', '--external', '--format', '{{.ID}} {{.Image}} {{.Names}}']);
    assert.equal(listed.code, 0, listed.stderr.toString());
    const lines = listed.stdout.toString().trim().split('\n').sort();
    assert.deepEqual(lines, [`${id.slice(0, 12)} ${BUSYBOX_IMAGE} berth-web`, `${done.slice(0, 12)} ${BUSYBOX_IMAGE} berth-made`].sort());
    assert.equal((await berth('rm', '-f', '-t', '0', 'berth-web', 'berth-made')).code, 0);
  });

  it('berth ps --external lists the containers podman made, as podman lists Berth\'s: status Storage, command storage', async () => {
    const made = await podman(pod, ['create', '--name', 'podman-made', BUSYBOX_IMAGE, '/bin/busybox', 'true']);
    assert.equal(made.code, 0, made.stderr.toString());
    const podmanId = made.stdout.toString().trim();
    const ours = (await berth('create', '--name', 'berth-own', BUSYBOX_IMAGE, '/bin/busybox', 'true')).stdout.toString().trim();
    const listed = await berth('ps', '-a', '--external', '--format', '{{.ID}} {{.Image}} {{.Command}} {{.Status}} {{.Names}}');
    assert.equal(listed.code, 0, listed.stderr.toString());
    assert.deepEqual(listed.stdout.toString().trim().split('\n').sort(), [
      `${ours.slice(0, 12)} ${BUSYBOX_IMAGE} /bin/busybox true Created berth-own`,
      `${podmanId.slice(0, 12)} ${BUSYBOX_IMAGE} storage Storage podman-made`,
    ].sort());
    assert.equal((await berth('ps', '-a', '--format', '{{.Names}}')).stdout.toString(), 'berth-own\n', 'not without --external');
    assert.equal((await berth('ps', '--external', '-q')).stdout.toString(), `${podmanId.slice(0, 12)}\n`, 'listed without -a, as podman does');
    assert.equal((await berth('rm', 'berth-own')).code, 0);
    assert.equal((await podman(pod, ['rm', 'podman-made'])).code, 0);
  });

  it("Berth runs podman's image while podman runs Berth's", async () => {
    await runToolOk('tar', ['-C', join(fx.temp.dir, 'rootfs'), '-cf', join(fx.temp.dir, 'pm.tar'), '.']);
    const imported = await podman(pod, ['import', '--change', 'CMD ["/bin/sh","-c","echo from a podman image"]', join(fx.temp.dir, 'pm.tar'), 'localhost/pm:latest']);
    assert.equal(imported.code, 0, imported.stderr.toString());
    const [ours, theirs] = await Promise.all([
      berth('run', '--rm', 'localhost/pm'),
      podman(pod, ['run', '--rm', BUSYBOX_IMAGE, '/bin/sh', '-c', 'echo podman ran a berth image']),
    ]);
    assert.deepEqual([ours.code, ours.stdout.toString()], [0, 'from a podman image\n'], ours.stderr.toString());
    assert.deepEqual([theirs.code, theirs.stdout.toString()], [0, 'podman ran a berth image\n'], theirs.stderr.toString());
  });

  it("a container's environment is podman's: its PATH and TERM=xterm, HOSTNAME, `container` naming the manager, HOME from passwd (/ without an entry) unless a variable set it", async () => {
    const lines = (result: { stdout: Buffer }) => result.stdout.toString().trim().split('\n');
    const envOf = (result: { stdout: Buffer }) => lines(result).filter((line) => !line.startsWith('HOSTNAME=') && !line.startsWith('container=')).sort();
    const ours = await berth('run', '--rm', '--network', 'none', 'busybox', '/bin/sh', '-c', 'env');
    const theirs = await podman(pod, ['run', '--rm', '--net=none', BUSYBOX_IMAGE, '/bin/sh', '-c', 'env']);
    assert.equal(ours.code, 0, ours.stderr.toString());
    assert.deepEqual(envOf(ours), envOf(theirs));
    assert.deepEqual([lines(ours).filter((l) => l.startsWith('container=')), lines(theirs).filter((l) => l.startsWith('container='))], [['container=berth'], ['container=podman']]);
    assert.ok(envOf(ours).includes('TERM=xterm') && envOf(ours).includes('HOME=/'), envOf(ours).join(' '));
    // An image's HOME, and -e HOME, win over the passwd lookup, in both.
    await runToolOk('tar', ['-C', join(fx.temp.dir, 'rootfs'), '-cf', join(fx.temp.dir, 'home.tar'), '.']);
    assert.equal((await berth('import', '-q', '--change', 'ENV=HOME=/data', join(fx.temp.dir, 'home.tar'), 'localhost/home-set:1')).code, 0);
    for (const [args, home] of [[[], 'HOME=/data'], [['-e', 'HOME=/given'], 'HOME=/given']] as const) {
      const ourHome = envOf(await berth('run', '--rm', '--network', 'none', ...args, 'localhost/home-set:1', '/bin/sh', '-c', 'env')).filter((line) => line.startsWith('HOME='));
      const theirHome = envOf(await podman(pod, ['run', '--rm', '--net=none', ...args, 'localhost/home-set:1', '/bin/sh', '-c', 'env'])).filter((line) => line.startsWith('HOME='));
      assert.deepEqual([ourHome, theirHome], [[home], [home]]);
    }
  });

  it("inspect's Config.Entrypoint and Config.Cmd split the process's arguments as podman's do", async () => {
    await addBusyboxVariant(fx, 'localhost/entry:1', { Entrypoint: ['/bin/sh', '-c'], Cmd: ['echo from cmd'] });
    const cases: string[][] = [[], ['echo given'], ['--entrypoint', '/bin/busybox', 'echo', 'b']];
    for (const [i, args] of cases.entries()) {
      const entrypointFlags = args[0] === '--entrypoint' ? args.slice(0, 2) : [];
      const command = args.slice(entrypointFlags.length);
      const made = [
        await berth('create', '--network', 'none', '--name', `berth-entry-${i}`, ...entrypointFlags, 'localhost/entry:1', ...command),
        await podman(pod, ['create', '--net=none', '--name', `podman-entry-${i}`, ...entrypointFlags, 'localhost/entry:1', ...command]),
      ];
      assert.deepEqual(made.map((result) => result.code), [0, 0], made.map((result) => result.stderr.toString()).join('\n'));
      const template = '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Path}} {{json .Args}}';
      const ours = (await berth('inspect', '--format', template, `berth-entry-${i}`)).stdout.toString();
      const theirs = (await podman(pod, ['inspect', '--format', template, `podman-entry-${i}`])).stdout.toString();
      assert.equal(ours, theirs, args.join(' '));
      await berth('rm', `berth-entry-${i}`);
      await podman(pod, ['rm', `podman-entry-${i}`]);
    }
  });

  it("berth inspect's HostConfig has podman's fields in podman's order and the same values for the same run options", async () => {
    const flags = ['--cap-add', 'net_admin', '--cap-drop', 'CHOWN', '--group-add', '10', '--shm-size', '8m', '--memory', '100m', '--cpus', '0.5', '--pids-limit', '50', '--read-only',
      '--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges', '--device', '/dev/null:/dev/mynull:r', '--device', '/dev/zero'];
    const podmanMade = await podman(pod, ['create', '--net=none', '--name', 'podman-hostconfig', ...flags, BUSYBOX_IMAGE, '/bin/sh', '-c', 'true']);
    assert.equal(podmanMade.code, 0, podmanMade.stderr.toString());
    const berthMade = await berth('create', '--network', 'none', '--name', 'berth-hostconfig', ...flags, 'busybox', '/bin/sh', '-c', 'true');
    assert.equal(berthMade.code, 0, berthMade.stderr.toString());
    try {
      const [theirs] = JSON.parse((await podman(pod, ['inspect', 'podman-hostconfig'])).stdout.toString()) as Array<{ HostConfig: Record<string, unknown> }>;
      const [ours] = JSON.parse((await berth('inspect', 'berth-hostconfig')).stdout.toString()) as Array<{ HostConfig: Record<string, unknown> }>;
      // Berth adds Sysctls (the namespaced sysctls it set), which podman 4.3 does not print.
      assert.deepEqual(Object.keys(ours!.HostConfig).filter((key) => key !== 'Sysctls'), Object.keys(theirs!.HostConfig));
      const same = ['CapAdd', 'CapDrop', 'GroupAdd', 'Memory', 'NanoCpus', 'CpuPeriod', 'CpuQuota', 'PidsLimit', 'ReadonlyRootfs', 'ShmSize', 'IpcMode', 'PidMode', 'UTSMode', 'NetworkMode', 'Privileged', 'AutoRemove', 'Dns', 'ExtraHosts', 'SecurityOpt', 'Devices'];
      const pick = (config: Record<string, unknown>) => Object.fromEntries(same.map((key) => [key, config[key]]));
      assert.deepEqual(pick(ours!.HostConfig), pick(theirs!.HostConfig));
    } finally {
      await berth('rm', '-f', 'berth-hostconfig');
      await podman(pod, ['rm', '-f', 'podman-hostconfig']);
    }
  });

  it("berth inspect of a running container has podman's fields in podman's order, their values from the container", async () => {
    const podmanMade = await podman(pod, ['run', '-d', '--net=none', '--name', 'podman-inspected', BUSYBOX_IMAGE, '/bin/sh', '-c', 'sleep 60']);
    assert.equal(podmanMade.code, 0, podmanMade.stderr.toString());
    const id = (await berth('run', '-d', '--network', 'none', '--name', 'berth-inspected', 'busybox', '/bin/sh', '-c', 'sleep 60')).stdout.toString().trim();
    try {
      const [theirs] = JSON.parse((await podman(pod, ['inspect', 'podman-inspected'])).stdout.toString()) as Array<Record<string, Record<string, unknown>>>;
      const [ours] = JSON.parse((await berth('inspect', 'berth-inspected')).stdout.toString()) as Array<Record<string, Record<string, unknown> & { Data: Record<string, string> }>>;
      const common = (a: object, b: object) => Object.keys(a).filter((key) => key in b);
      // Berth adds LogPath (where its k8s-file log is); every field podman prints is there, in the same order.
      assert.deepEqual(Object.keys(ours!).filter((key) => key !== 'LogPath'), Object.keys(theirs!));
      assert.deepEqual(Object.keys(ours!.State!), Object.keys(theirs!.State!));
      assert.deepEqual(common(ours!.Config!, theirs!.Config!), common(theirs!.Config!, ours!.Config!));
      // Every Config field podman prints but two that tell of features Berth does not have (--passwd entries, sd_notify).
      assert.deepEqual(Object.keys(theirs!.Config!).filter((key) => !(key in ours!.Config!)), ['Passwd', 'sdNotifyMode']);
      assert.deepEqual([ours!.Config!.AttachStdin, ours!.Config!.AttachStdout, ours!.Config!.AttachStderr], [theirs!.Config!.AttachStdin, theirs!.Config!.AttachStdout, theirs!.Config!.AttachStderr]);
      assert.deepEqual(ours!.Config!.CreateCommand, ['berth', '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', 'run', '-d', '--network', 'none', '--name', 'berth-inspected', 'busybox', '/bin/sh', '-c', 'sleep 60']);
      assert.deepEqual([ours!.Config!.User, ours!.Config!.Umask], [theirs!.Config!.User, theirs!.Config!.Umask]);
      const spec = JSON.parse(readFileSync(String(ours!.OCIConfigPath), 'utf8')) as { linux: { cgroupsPath: string }; process: { capabilities: { effective: string[] } } };
      assert.equal(ours!.State!.CgroupPath, spec.linux.cgroupsPath);
      assert.deepEqual(ours!.EffectiveCaps, spec.process.capabilities.effective);
      assert.match(readFileSync(String(ours!.HostsPath), 'utf8'), /berth-inspected/);
      assert.equal(readFileSync(String(ours!.HostnamePath), 'utf8').trim(), id.slice(0, 12));
      assert.equal(ours!.ImageDigest, theirs!.ImageDigest);
      // /dev/shm without --shm-size: containers.conf's default, read as podman reads it.
      assert.equal(ours!.HostConfig!.ShmSize, theirs!.HostConfig!.ShmSize);
      // The container's layer, mounted while it runs: the merged dir holds the image's files.
      assert.equal(ours!.GraphDriver!.Name, 'overlay');
      assert.ok(existsSync(join(ours!.GraphDriver!.Data.MergedDir!, 'bin', 'busybox')));
      assert.ok(existsSync(ours!.GraphDriver!.Data.UpperDir!));
      assert.equal(ours!.GraphDriver!.Data.LowerDir, (theirs!.GraphDriver as unknown as { Data: Record<string, string> }).Data.LowerDir);
    } finally {
      await berth('rm', '-f', '-t', '0', 'berth-inspected');
      await podman(pod, ['rm', '-f', '-t', '0', 'podman-inspected']);
    }
  });
});
