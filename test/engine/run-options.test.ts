// podman's run options for mounts, confinement, groups and resources,
// through the shipped executable, checked from inside the container and in
// its cgroup: --mount, --security-opt, --group-add, --shm-size, --cpu-shares,
// --cpuset-cpus, --memory-swap, --memory-reservation, --memory-swappiness,
// --oom-kill-disable, --oom-score-adj, --cpu-period, --cpu-quota, --env-host,
// --unsetenv, --unsetenv-all, --read-only-tmpfs, --umask, --tz, --cgroupns,
// --label-file, --annotation, --pid, --ipc, --uts, --pidfile.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool } from '../helpers/run-tool.js';
import { engineCli } from './engine-cli.js';

describe('berth run: --mount, --security-opt and the resource flags (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli();
  const sh = (...args: string[]): string[] => [...args.slice(0, -1), 'busybox', '/bin/busybox', 'sh', '-c', args.at(-1)!];

  it('--mount type=bind, volume and tmpfs mount as their -v and --tmpfs would', async () => {
    const dir = join(fixture().temp.dir, 'bound');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'f'), 'from the host\n');
    const out = await ok('run', '--rm', ...sh('--mount', `type=bind,source=${dir},target=/b,readonly`, '--mount', 'type=volume,source=mvol,target=/v',
      '--mount', 'type=tmpfs,target=/t,tmpfs-size=2m,tmpfs-mode=1700', 'cat /b/f; touch /b/x 2>&1 | sed "s/.*: //"; echo kept > /v/f; grep " /t " /proc/mounts'));
    assert.match(out, /^from the host\nRead-only file system\ntmpfs \/t tmpfs rw,nosuid,nodev,noexec,relatime,size=2048k,mode=1700 /);
    assert.equal(await ok('volume', 'ls', '-q'), 'mvol\n');
    assert.equal(await ok('run', '--rm', ...sh('--mount', 'type=volume,src=mvol,dst=/v,ro', 'cat /v/f')), 'kept\n');
    await ok('volume', 'rm', 'mvol');
    for (const [mount, message] of [
      ['type=bind,target=/x', /a bind needs a source/],
      ['type=tmpfs', /a target is needed/],
      ['type=image,target=/x', /type "image" is not one Berth mounts/],
    ] as const) {
      const refused = await berth('run', '--rm', '--mount', mount, 'busybox', 'true');
      assert.equal(refused.code, 125, mount);
      assert.match(refused.stderr, message);
    }
  });

  it('--security-opt: seccomp=unconfined and a profile file, no-new-privileges, mask and unmask', async () => {
    assert.equal(await ok('run', '--rm', ...sh('grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status')), 'NoNewPrivs:\t0\nSeccomp:\t2\n', 'podman\'s defaults');
    assert.equal(await ok('run', '--rm', ...sh('--security-opt', 'seccomp=unconfined', '--security-opt', 'no-new-privileges', 'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status')), 'NoNewPrivs:\t1\nSeccomp:\t0\n');
    assert.equal(await ok('run', '--rm', ...sh('--security-opt', 'no-new-privileges=false', 'grep -E "^NoNewPrivs:" /proc/self/status')), 'NoNewPrivs:\t0\n');
    const profile = join(fixture().temp.dir, 'no-mkdir.json');
    writeFileSync(profile, JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
    assert.equal(await ok('run', '--rm', ...sh('--security-opt', `seccomp=${profile}`, 'mkdir /tmp/d 2>&1 | sed "s/.*: //"; touch /tmp/f && echo files-ok')), 'Operation not permitted\nfiles-ok\n');
    const docker = join(fixture().temp.dir, 'conditional.json');
    writeFileSync(docker, JSON.stringify({ defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_PTRACE'] } }] }));
    const refused = await berth('run', '--rm', '--security-opt', `seccomp=${docker}`, 'busybox', 'true');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /rules with includes or excludes/);
    // /proc/timer_list is masked by default (reads as empty), /etc is not; the options turn both around.
    assert.equal(await ok('run', '--rm', ...sh('--security-opt', 'unmask=/proc/timer_list', '--security-opt', 'mask=/etc', 'head -c 5 /proc/timer_list | wc -c; ls -A /etc | wc -l')), '5\n0\n');
    assert.equal(await ok('run', '--rm', ...sh('head -c 5 /proc/timer_list | wc -c')), '0\n');
    assert.equal((await berth('run', '--rm', '--security-opt', 'apparmor=myprofile', 'busybox', 'true')).code, 125);
  });

  it('--group-add, --shm-size, --env-host, --label-file and --annotation', async () => {
    assert.equal(await ok('run', '--rm', ...sh('--group-add', '1234', '--group-add', '77', '--shm-size', '8m', 'id -G; df -k /dev/shm | tail -1 | awk "{print \\$2}"')), '0 77 1234\n8192\n');
    // podman's default: containers.conf's 65536k read in decimal units, 65,536,000 bytes.
    assert.equal(await ok('run', '--rm', ...sh('df -k /dev/shm | tail -1 | awk "{print \\$2}"')), '64000\n');
    const refused = await berth('run', '--rm', '--group-add', 'nosuchgroup', 'busybox', 'true');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /--group-add nosuchgroup: no group of that name/);
    const labels = join(fixture().temp.dir, 'labels');
    writeFileSync(labels, '# a comment\ntier=web\nowner=ops\n');
    await ok('create', '--name', 'labelled', '--label-file', labels, '--label', 'owner=dev', '--annotation', 'io.example/note=hello', 'busybox');
    assert.equal(await ok('inspect', '--format', '{{.Config.Labels.tier}} {{.Config.Labels.owner}}', 'labelled'), 'web dev\n');
    const config = await ok('inspect', '--format', '{{.OCIConfigPath}}', 'labelled');
    assert.equal(JSON.parse(readFileSync(config.trim(), 'utf8')).annotations['io.example/note'], 'hello');
    await ok('rm', 'labelled');
    const env = await berth('run', '--rm', '--env-host', '-e', 'OVERRIDE=mine', 'busybox', '/bin/busybox', 'sh', '-c', 'echo "$FROM_HOST $OVERRIDE"');
    assert.equal(env.code, 0, env.stderr);
  });

  it('--read-only: writable tmpfs on /run, /tmp and /var/tmp, as podman\'s --read-only-tmpfs (the default); =false leaves them out; a mount of the user\'s wins', async () => {
    const probe = 'for d in /run /tmp /var/tmp; do touch $d/f 2>/dev/null && echo "$d writable"; done; touch /f 2>&1 | sed "s/.*: //"';
    assert.equal(await ok('run', '--rm', ...sh('--read-only', probe)), '/run writable\n/tmp writable\n/var/tmp writable\nRead-only file system\n');
    assert.equal(await ok('run', '--rm', ...sh('--read-only', '--read-only-tmpfs=false', probe)), 'Read-only file system\n');
    assert.equal(await ok('run', '--rm', ...sh('--read-only', '--tmpfs', '/tmp:size=1m', 'grep " /tmp " /proc/mounts | grep -o size=1024k')), 'size=1024k\n');
    const id = (await ok('create', '--read-only', 'busybox', '/bin/busybox', 'true')).trim();
    assert.equal(await ok('inspect', '-f', '{{json .HostConfig.Tmpfs}} {{.HostConfig.ReadonlyRootfs}}', id),
      '{"/run":"rw,rprivate,nosuid,nodev,tmpcopyup","/tmp":"rw,rprivate,nosuid,nodev,tmpcopyup","/var/tmp":"rw,rprivate,nosuid,nodev,tmpcopyup"} true\n', 'podman\'s inspect');
    await ok('rm', id);
  });

  it('--umask, --tz (a copy of the zone\'s file, also after a restart) and --cgroupns host, as podman\'s; bad values refused', async () => {
    assert.equal(await ok('run', '--rm', ...sh('--umask', '0027', 'umask')), '0027\n');
    const zone = readFileSync('/usr/share/zoneinfo/Europe/Paris');
    const id = (await ok('run', '-d', '--tz', 'Europe/Paris', '--cgroupns', 'host', 'busybox', '/bin/busybox', 'sh', '-c', 'sleep 1000')).trim();
    const inside = async (): Promise<string> => ok('exec', id, '/bin/busybox', 'sh', '-c', 'md5sum /etc/localtime | cut -d" " -f1; readlink /proc/self/ns/cgroup');
    const md5 = createHash('md5').update(zone).digest('hex');
    assert.equal(await inside(), `${md5}\n${readlinkSync('/proc/self/ns/cgroup')}\n`);
    assert.equal(await ok('inspect', '-f', '{{.Config.Timezone}} {{.HostConfig.CgroupMode}}', id), 'Europe/Paris host\n');
    await ok('restart', '-t', '0', id);
    assert.equal(await inside(), `${md5}\n${readlinkSync('/proc/self/ns/cgroup')}\n`, 'written again for the new run');
    await ok('rm', '-f', '-t', '0', id);
    for (const [flags, message] of [
      [['--tz', '../../etc/passwd'], /--tz "..\/..\/etc\/passwd": not a time zone/],
      [['--tz', 'Nowhere/Atlantis'], /not a time zone/],
      [['--umask', '0999'], /invalid umask "0999"/],
      [['--cgroupns', 'container:x'], /--cgroupns "container:x": Berth takes host or private/],
    ] as const) {
      const refused = await berth('run', '--rm', ...flags, 'busybox', '/bin/busybox', 'true');
      assert.equal(refused.code, 125, flags.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal(await ok('ps', '-a', '-q'), '');
  });

  it('container=berth is in the environment as podman puts container=podman; --unsetenv leaves a default or image variable out, --unsetenv-all all of them but HOSTNAME and HOME', async () => {
    // Less HOSTNAME, which differs from one container to the next.
    const envOf = async (...flags: string[]): Promise<string[]> => (await ok('run', '--rm', ...flags, 'busybox', '/bin/busybox', 'env')).trim().split('\n').filter((line) => !line.startsWith('HOSTNAME=')).sort();
    const all = await envOf();
    assert.ok(all.includes('container=berth') && all.includes('TERM=xterm'), all.join(' '));
    const without = await envOf('--unsetenv', 'container', '--unsetenv', 'TERM');
    assert.deepEqual(without, all.filter((line) => line !== 'container=berth' && line !== 'TERM=xterm'));
    assert.deepEqual((await ok('run', '--rm', '--unsetenv-all', '-e', 'A=1', 'busybox', '/bin/busybox', 'env')).trim().split('\n').map((line) => line.split('=')[0]).sort(), ['A', 'HOME', 'HOSTNAME']);
  });

  it('--pid, --ipc and --uts host share the host\'s namespaces (and its /dev/shm and hostname); private is the default; what cannot go with them is refused', async () => {
    const ns = (type: string): string => readlinkSync(`/proc/self/ns/${type}`);
    const probe = 'for n in pid ipc uts; do readlink /proc/self/ns/$n; done; hostname; echo $HOSTNAME';
    const shm = `/dev/shm/berth-ipc-host-${process.pid}`;
    writeFileSync(shm, 'shared\n');
    try {
      const shared = await ok('run', '--rm', ...sh('--pid', 'host', '--ipc', 'host', '--uts', 'host', `${probe}; cat ${shm}`));
      assert.equal(shared, `${ns('pid')}\n${ns('ipc')}\n${ns('uts')}\n${hostname()}\n${hostname()}\nshared\n`);
      const own = (await ok('run', '--rm', ...sh('--pid', 'private', '--ipc', 'shareable', `${probe}; cat ${shm} 2>&1 | sed "s/.*: //"`))).split('\n');
      assert.ok(own[0] !== ns('pid') && own[1] !== ns('ipc') && own[2] !== ns('uts'), own.join(' '));
      assert.equal(own[3], own[4]);
      assert.equal(own[5], 'No such file or directory');
    } finally {
      rmSync(shm, { force: true });
    }
    const id = (await ok('create', '--pid', 'host', '--ipc', 'host', '--uts', 'host', 'busybox', '/bin/busybox', 'true')).trim();
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.PidMode}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}}', id), 'host host host\n');
    await ok('rm', id);
    const before = await ok('ps', '-a', '-q');
    for (const [args, message] of [
      [['--pid', 'bogus'], /--pid "bogus": Berth takes host, private or container:NAME/],
      [['--ipc', 'none'], /--ipc "none": Berth takes host, private, shareable or container:NAME/],
      [['--uts', 'host', '--hostname', 'h'], /cannot set hostname when running in the host UTS namespace/],
      [['--ipc', 'host', '--shm-size', '1m'], /cannot set shmsize when running in the host IPC namespace/],
    ] as const) {
      const refused = await berth('run', '--rm', ...args, 'busybox', '/bin/busybox', 'true');
      assert.equal(refused.code, 125, args.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal(await ok('ps', '-a', '-q'), before, 'nothing was left');
  });

  it('--cpu-shares, --cpuset-cpus, --memory-swap, --memory-reservation, --cpu-period/--cpu-quota, --memory-swappiness, --oom-kill-disable and --oom-score-adj reach the cgroup and the process', async () => {
    const out = await ok('run', '--rm', ...sh('--cpu-shares', '512', '--cpuset-cpus', '0', '--memory', '64m', '--memory-swap', '128m', '--memory-reservation', '32m',
      'cat /sys/fs/cgroup/cpu/cpu.shares /sys/fs/cgroup/cpuset/cpuset.cpus /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/memory/memory.memsw.limit_in_bytes /sys/fs/cgroup/memory/memory.soft_limit_in_bytes'));
    assert.equal(out, '512\n0\n67108864\n134217728\n33554432\n');
    const more = await ok('run', '--rm', ...sh('--cpu-period', '50000', '--cpu-quota', '20000', '--memory-swappiness', '10', '--oom-kill-disable', '--oom-score-adj', '500',
      'cat /sys/fs/cgroup/cpu/cpu.cfs_period_us /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.swappiness /proc/self/oom_score_adj; grep oom_kill_disable /sys/fs/cgroup/memory/memory.oom_control'));
    assert.equal(more, '50000\n20000\n10\n500\noom_kill_disable 1\n');
    for (const [flags, message] of [
      [['--memory-swap', '10m'], /memory swap limit must be set with a memory limit/],
      [['--memory', '64m', '--memory-swap', '32m'], /at least that large/],
      [['--cpuset-cpus', 'a-b'], /--cpuset-cpus "a-b": want a list/],
      [['--cpus', '1', '--cpu-period', '50000'], /--cpu-period and --cpus cannot be set together/],
      [['--memory-swappiness', '101'], /invalid value: 101, valid memory swappiness range is 0-100/],
      [['--oom-score-adj', '1001'], /invalid value: 1001, valid oom score adj range is -1000-1000/],
    ] as const) {
      const refused = await berth('run', '--rm', ...flags, 'busybox', 'true');
      assert.equal(refused.code, 125, flags.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.equal((await fixture().store.containers()).length, 0);
  });

  it('--pidfile: the runtime writes the container\'s PID there at each start (a relative path is the caller\'s), as inspect\'s PidFile says; a path it cannot write leaves nothing made', async () => {
    const dir = join(fixture().temp.dir, 'pids');
    mkdirSync(dir, { recursive: true });
    const result = await runTool(process.execPath, [BERTH_BIN, '--root', fixture().temp.graphRoot, '--runroot', fixture().temp.runRoot, '--storage-driver', 'overlay', 'run', '-d', '--pidfile', 'ctr.pid', 'busybox', '/bin/busybox', 'sleep', '1000'], { cwd: dir });
    assert.equal(result.code, 0, result.stderr.toString());
    const id = result.stdout.toString().trim();
    const pidOf = async (): Promise<string> => ok('inspect', '-f', '{{.State.Pid}}', id);
    assert.equal(await ok('inspect', '-f', '{{.PidFile}}', id), `${join(dir, 'ctr.pid')}\n`);
    assert.equal(`${readFileSync(join(dir, 'ctr.pid'), 'utf8')}\n`, await pidOf());
    await ok('restart', '-t', '0', id);
    assert.equal(`${readFileSync(join(dir, 'ctr.pid'), 'utf8')}\n`, await pidOf(), 'written again by the new run');
    await ok('rm', '-f', '-t', '0', id);
    const refused = await berth('run', '--rm', '--pidfile', join(dir, 'no', 'such', 'dir', 'p'), 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /opening file .*no\/such\/dir\/p. for writing: No such file or directory/);
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.equal((await fixture().store.containers()).length, 0);
  });

  it('--privileged and --cap-add all give the host\'s bounding set (root here lacks CAP_SYS_RESOURCE, which no runtime can grant); exec --privileged and --env-file; update --memory-reservation, --memory-swap and --cpuset-cpus', async () => {
    const host = /^CapBnd:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    assert.equal(await ok('run', '--rm', ...sh('--privileged', 'grep CapEff /proc/self/status')), `CapEff:\t${host}\n`);
    assert.equal(await ok('run', '--rm', ...sh('--cap-add', 'all', 'grep CapEff /proc/self/status')), `CapEff:\t${host}\n`);
    const id = (await ok('run', '-d', 'busybox', '/bin/busybox', 'sleep', '1000')).trim();
    const envFile = join(fixture().temp.dir, 'exec.env');
    writeFileSync(envFile, '# for exec\nFROM_FILE=yes\n');
    assert.equal(await ok('exec', '--env-file', envFile, '--privileged', id, '/bin/busybox', 'sh', '-c', 'echo $FROM_FILE; grep CapEff /proc/self/status'), `yes\nCapEff:\t${host}\n`);
    assert.equal(await ok('exec', id, '/bin/busybox', 'grep', 'CapEff', '/proc/self/status'), 'CapEff:\t00000000800405fb\n', 'podman\'s eleven without it');
    await ok('update', '--memory', '64m', '--memory-swap', '128m', '--memory-reservation', '32m', '--cpuset-cpus', '0', id);
    assert.equal(await ok('exec', id, '/bin/busybox', 'cat', '/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes', '/sys/fs/cgroup/memory/memory.soft_limit_in_bytes', '/sys/fs/cgroup/cpuset/cpuset.cpus'), '134217728\n33554432\n0\n');
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.MemorySwap}} {{.HostConfig.MemoryReservation}} {{.HostConfig.CpusetCpus}}', id), '134217728 33554432 0\n');
    const refused = await berth('update', '--cpuset-cpus', 'x', id);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, /--cpuset-cpus "x": want a list/);
    await ok('rm', '-f', '-t', '0', id);
  });

  it('a numeric -u the image\'s /etc/passwd lacks gets podman\'s entry there (whoami works); --passwd-entry is its template; --passwd=false none; a known user none', async () => {
    // An image with a passwd of its own (the fixture's has none: then, as with podman, nothing is added).
    await ok('run', '--name', 'passwd-maker', 'busybox', '/bin/busybox', 'sh', '-c', 'mkdir -p /etc; echo root:x:0:0:root:/root:/bin/sh > /etc/passwd');
    await ok('commit', '-q', 'passwd-maker', 'localhost/with-passwd');
    await ok('rm', 'passwd-maker');
    const withPasswd = (...args: string[]): string[] => [...args.slice(0, -1), 'localhost/with-passwd', '/bin/busybox', 'sh', '-c', args.at(-1)!];
    assert.equal(await ok('run', '--rm', ...withPasswd('-u', '1234:55', 'whoami; grep ^1234: /etc/passwd')), '1234\n1234:*:1234:55:container user:/:/bin/sh\n');
    assert.equal(await ok('run', '--rm', ...withPasswd('-u', '1234', '--passwd-entry', '$USERNAME:x:$UID:$GID:$NAME:$HOME:/bin/false', 'grep ^1234: /etc/passwd')), '1234:x:1234:0:container user:/:/bin/false\n');
    assert.equal(await ok('run', '--rm', ...withPasswd('-u', '1234', '--passwd=false', 'grep -c ^1234: /etc/passwd || true')), '0\n');
    const before = await ok('run', '--rm', ...withPasswd('cat /etc/passwd'));
    assert.equal(await ok('run', '--rm', ...withPasswd('-u', '0', 'cat /etc/passwd')), before, 'root has an entry: nothing added');
    await ok('rmi', 'localhost/with-passwd');
  });

  it('--device-read-bps, --device-write-bps, --device-read-iops and --device-write-iops throttle a block device in the blkio cgroup; inspect shows them as podman does; a missing device or a bad rate is refused', async () => {
    // This kind of VM's disk (a virtio one); the others where a machine has those instead.
    const device = ['/dev/vda', '/dev/sda', '/dev/xvda', '/dev/nvme0n1'].find((path) => existsSync(path))!;
    const { rdev } = statSync(device);
    const numbers = `${Math.floor(rdev / 256) & 0xfff}:${rdev & 0xff}`;
    const files = 'cd /sys/fs/cgroup/blkio; cat blkio.throttle.read_bps_device blkio.throttle.write_bps_device blkio.throttle.read_iops_device blkio.throttle.write_iops_device';
    assert.equal(await ok('run', '--rm', ...sh('--device-read-bps', `${device}:1mb`, '--device-write-bps', `${device}:2mb`, '--device-read-iops', `${device}:100`, '--device-write-iops', `${device}:200`, files)),
      `${numbers} 1048576\n${numbers} 2097152\n${numbers} 100\n${numbers} 200\n`);
    const id = (await ok('create', '--device-read-bps', `${device}:1mb`, 'busybox', '/bin/busybox', 'true')).trim();
    assert.equal(await ok('inspect', '-f', '{{json .HostConfig.BlkioDeviceReadBps}} {{json .HostConfig.BlkioDeviceWriteIOps}}', id), `[{"Path":"${device}","Rate":1048576}] null\n`);
    await ok('rm', id);
    for (const [flag, value, message] of [
      ['--device-read-bps', '/dev/nonexist:1mb', /^Error: could not parse throttle device at \/dev\/nonexist: no such file or directory\n$/],
      ['--device-read-bps', device, new RegExp(`^Error: bad format: ${device}\\n$`)],
      ['--device-write-iops', `${device}:1k`, new RegExp(`^Error: bad format: ${device}:1k\\n$`)],
    ] as Array<[string, string, RegExp]>) {
      const refused = await berth('run', '--rm', flag, value, 'busybox', '/bin/busybox', 'true');
      assert.equal(refused.code, 125, value);
      assert.match(refused.stderr, message);
    }
  });

  it('--personality LINUX32 gives its processes a 32-bit uname; another domain is refused', async () => {
    assert.equal(await ok('run', '--rm', ...sh('--personality', 'LINUX32', 'uname -m')), 'i686\n');
    assert.equal(await ok('run', '--rm', ...sh('--personality', 'LINUX', 'uname -m')), 'x86_64\n');
    const refused = await berth('run', '--rm', '--personality', 'BSD', 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, 'Error: invalid --personality "BSD": want LINUX32 or LINUX\n');
  });

  it('--env-merge builds a variable from the image\'s (-e still wins), --device-cgroup-rule opens the devices cgroup, --conmon-pidfile is where conmon writes its PID', async () => {
    const imagePath = (await ok('run', '--rm', ...sh('echo $PATH'))).trim();
    assert.equal(await ok('run', '--rm', ...sh('--env-merge', 'PATH=/extra:${PATH}', '--env-merge', 'MIXED=$TERM-${NOT_SET}-x', '-e', 'WON=mine', '--env-merge', 'WON=merged', 'echo "$PATH $MIXED $WON"')),
      `/extra:${imagePath} xterm--x mine\n`);
    // The kernel folds `b *:* r` into the default `b *:* m`.
    const allowed = (await ok('run', '--rm', ...sh('--device-cgroup-rule', 'c 1:3 rwm', '--device-cgroup-rule', 'b *:* r', 'cat /sys/fs/cgroup/devices/devices.list'))).split('\n');
    assert.ok(allowed.includes('c 1:3 rwm') && allowed.includes('b *:* rm'), allowed.join(', '));
    const refused = await berth('run', '--rm', '--device-cgroup-rule', 'c 1 rwm', 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.equal(refused.stderr, 'Error: invalid device cgroup rule requires type, major:Minor, and access rules: "c 1 rwm"\n');
    const pidFile = join(fixture().temp.dir, 'conmon.pid');
    const id = (await ok('run', '-d', '--conmon-pidfile', pidFile, 'busybox', '/bin/busybox', 'sleep', '1000')).trim();
    assert.equal(await ok('inspect', '-f', '{{.State.ConmonPid}} {{.ConmonPidFile}}', id), `${readFileSync(pidFile, 'utf8')} ${pidFile}\n`);
    assert.equal(readFileSync(`/proc/${readFileSync(pidFile, 'utf8')}/comm`, 'utf8'), 'conmon\n');
    await ok('rm', '-f', '-t', '0', id);
    assert.equal((await fixture().store.containers()).length, 0);
  });

  it('--rootfs runs in a directory of the host and writes into it; inspect shows it; a missing one, :O and commit are refused, nothing left', async () => {
    const dir = join(fixture().temp.dir, 'exploded');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    const relative = await runTool(process.execPath, [BERTH_BIN, '--root', fixture().temp.graphRoot, '--runroot', fixture().temp.runRoot, '--storage-driver', 'overlay', 'run', '--rm', '--rootfs', 'exploded', '/bin/busybox', 'sh', '-c', 'echo written > /note; cat /note'], { cwd: fixture().temp.dir });
    assert.equal(relative.stdout.toString(), 'written\n', relative.stderr.toString());
    assert.equal(readFileSync(join(dir, 'note'), 'utf8'), 'written\n', 'into the directory itself');
    const id = (await ok('create', '--rootfs', dir, '/bin/busybox', 'cat', '/note')).trim();
    assert.equal(await ok('inspect', '-f', '{{.Rootfs}}|{{.Image}}|{{.ImageName}}', id), `${dir}||\n`);
    assert.equal(await ok('start', '-a', id), 'written\n');
    assert.equal(await ok('mount', id), `${dir}\n`);
    const commit = await berth('commit', id, 'localhost/from-rootfs');
    assert.equal(commit.code, 125);
    assert.match(commit.stderr, /not on a layer of the store: nothing to commit/);
    await ok('rm', id);
    const before = await ok('storage', 'containers');
    for (const [args, message] of [
      [['--rootfs', join(dir, 'missing'), '/bin/busybox', 'true'], /^Error: running container create option: stat .*missing: no such file or directory\n$/],
      [['--rootfs', `${dir}:O`, '/bin/busybox', 'true'], /the overlay form \(:O\) is not supported/],
      [['--rootfs', dir], /no command specified/],
    ] as const) {
      const refused = await berth('run', '--rm', ...args);
      assert.equal(refused.code, 125, args.join(' '));
      assert.match(refused.stderr, message);
    }
    assert.equal(await ok('storage', 'containers'), before);
  });
});
