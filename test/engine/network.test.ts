// Containers on a CNI bridge through bin/berth.cjs, with the real plugins:
// an IP from the network's subnet, a published port reached from the host
// through portmap, `berth port`, and nothing left after rm or a failed create.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOST_IP, readFrom } from '../helpers/tcp.js';
import { bridgeConflist, writeConflist } from '../../src/network/index.js';
import { BERTH_BIN } from '../helpers/berth.js';
import { runTool, runToolOk, type ToolResult } from '../helpers/run-tool.js';
import { openEngineFixture, type EngineFixture } from './engine-fixture.js';


describe('berth run on a CNI network (bin/berth.cjs)', () => {
  let fx: EngineFixture;
  const net = `berth-cli-${process.pid}`;
  const bridge = `bc${process.pid}`.slice(0, 15);
  const octet = Math.floor(Math.random() * 200 + 20);
  let configDir: string;
  let ipamDir: string;

  before(async () => {
    fx = await openEngineFixture();
    configDir = join(fx.temp.dir, 'net.d');
    ipamDir = join(fx.temp.dir, 'ipam');
    await writeConflist(configDir, `${net}.conflist`, bridgeConflist({ name: net, bridge, subnet: `10.198.${octet}.0/24`, ipamDataDir: ipamDir }));
    const broken = bridgeConflist({ name: `${net}-broken`, bridge, subnet: `10.198.${octet}.0/24`, ipamDataDir: ipamDir });
    broken.plugins.push({ type: 'no-such-cni-plugin' });
    await writeConflist(configDir, `${net}-broken.conflist`, broken);
  });
  after(async () => {
    await fx.dispose();
    try { execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' }); } catch { /* never made */ }
    rmSync(configDir, { recursive: true, force: true });
  });

  /**
   * The namespaces in /run/netns that are not in `before` and that no process
   * is in, after up to two seconds for them to go: what a failed create left.
   * Other test files run containers on CNI networks meanwhile; theirs have a
   * process in them within that time.
   */
  async function newUnusedNamespaces(before: string[]): Promise<string[]> {
    let unused: string[] = [];
    for (let i = 0; i < 10; i++) {
      const inUse = new Set<number>();
      for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
        try {
          inUse.add(statSync(`/proc/${pid}/ns/net`).ino);
        } catch {
          // Gone meanwhile.
        }
      }
      unused = readdirSync('/run/netns').filter((name) => {
        if (before.includes(name)) return false;
        try {
          return !inUse.has(statSync(join('/run/netns', name)).ino);
        } catch {
          return false;
        }
      });
      if (unused.length === 0) return [];
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return unused;
  }

  /** Polls `probe` until `check` holds, failing after `ms` with what it last saw. */
  async function eventually<T>(what: string, probe: () => Promise<T>, check: (value: T) => boolean, ms = 8000): Promise<void> {
    for (const deadline = Date.now() + ms; ;) {
      const value = await probe();
      if (check(value)) return;
      if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)} after ${ms} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  const berth = (...args: string[]): Promise<ToolResult> =>
    runTool(process.execPath, [BERTH_BIN, '--root', fx.temp.graphRoot, '--runroot', fx.temp.runRoot, '--storage-driver', 'overlay', '--cni-config-dir', configDir, ...args]);
  const ok = async (...args: string[]): Promise<string> => {
    const result = await berth(...args);
    assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr.toString()}`);
    return result.stdout.toString();
  };

  it('a container in a user namespace joins a CNI network', async () => {
    const out = await ok('run', '--rm', '--network', net, '--uidmap', '0:100000:65536', 'busybox', '/bin/sh', '-c', 'cat /proc/self/uid_map /proc/net/dev');
    assert.match(out, /^\s*0\s+100000\s+65536\n/);
    // Its own network namespace: eth0 and lo, not the host's bridge.
    assert.match(out, /^\s*eth0:/m);
    assert.doesNotMatch(out, new RegExp(`^\\s*${bridge}:`, 'm'));
  });

  it('publishes a port the host reaches, shows it in port and inspect, and rm leaves nothing', async () => {
    const hostPort = 20000 + (process.pid % 20000) + 1;
    const id = (await ok('run', '-d', '--name', 'web', '--network', net, '-p', `${hostPort}:80`, 'busybox', '/bin/busybox', 'nc', '-l', '-p', '80', '-e', '/bin/busybox', 'echo', 'hello-from-container')).trim();
    assert.equal(await ok('port', 'web'), `80/tcp -> 0.0.0.0:${hostPort}\n`);
    assert.equal(await ok('port', 'web', '80'), `0.0.0.0:${hostPort}\n`);
    assert.notEqual((await berth('port', 'web', '81')).code, 0);
    const [doc] = JSON.parse(await ok('inspect', 'web')) as Array<{ NetworkSettings: Record<string, unknown> & { IPAddress: string; SandboxKey: string; Gateway: string; MacAddress: string; Ports: Record<string, unknown>; Networks: Record<string, Record<string, unknown>> } }>;
    const settings = doc!.NetworkSettings;
    const ip = settings.IPAddress;
    assert.match(ip, new RegExp(`^10\\.198\\.${octet}\\.\\d+$`));
    assert.deepEqual(settings.Ports, { '80/tcp': [{ HostIp: '', HostPort: String(hostPort) }] });
    // podman 4.3's keys, in its order, and the endpoint as the container sees it.
    assert.deepEqual(Object.keys(settings), ['EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen',
      'MacAddress', 'Bridge', 'SandboxID', 'HairpinMode', 'LinkLocalIPv6Address', 'LinkLocalIPv6PrefixLen', 'Ports', 'SandboxKey', 'Networks']);
    const link = await ok('exec', 'web', '/bin/busybox', 'cat', '/sys/class/net/eth0/address');
    assert.equal(settings.MacAddress, link.trim());
    assert.deepEqual(settings.Networks[net], {
      EndpointID: '', Gateway: settings.Gateway, IPAddress: ip, IPPrefixLen: 24, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      MacAddress: settings.MacAddress, NetworkID: net, DriverOpts: null, IPAMConfig: null, Links: null, Aliases: [id.slice(0, 12)],
    });
    assert.ok(readdirSync(join(ipamDir, net)).includes(ip));
    assert.equal(await readFrom(HOST_IP, hostPort), 'hello-from-container\n');

    const other = (await ok('create', '--network', net, 'busybox', '/bin/sh', '-c', 'true')).trim();
    const [doc2] = JSON.parse(await ok('inspect', other)) as Array<{ NetworkSettings: { IPAddress: string } }>;
    assert.match(doc2!.NetworkSettings.IPAddress, new RegExp(`^10\\.198\\.${octet}\\.\\d+$`));
    assert.notEqual(doc2!.NetworkSettings.IPAddress, ip, 'two containers, two IPs');
    await ok('rm', other);

    await ok('rm', '-f', '-t', '0', 'web');
    assert.ok(!readdirSync('/run/netns').includes(doc!.NetworkSettings.SandboxKey.split('/').pop()!), 'no namespace');
    assert.deepEqual(readdirSync(join(ipamDir, net)).filter((f) => /^\d/.test(f)), [], 'every lease freed');
    assert.doesNotMatch(execFileSync('iptables-save').toString(), new RegExp(id), 'no iptables rule names the container');
    assert.deepEqual(readdirSync(`/sys/class/net/${bridge}/brif`), [], 'no veth on the bridge');
  });

  it('-P publishes the image\'s exposed ports and --expose\'s on free host ports, which port lists and the host reaches', async () => {
    const tarball = join(fx.temp.dir, 'exposed.tar');
    await runToolOk('tar', ['-C', join(fx.temp.dir, 'rootfs'), '-cf', tarball, '.']);
    await ok('import', '-q', '--change', 'EXPOSE 80', tarball, 'localhost/exposed:1');
    await ok('run', '-d', '--name', 'all', '--network', net, '-P', '--expose', '90/udp', 'localhost/exposed:1', '/bin/busybox', 'nc', '-l', '-p', '80', '-e', '/bin/busybox', 'echo', 'hello-from-P');
    const ports = await ok('port', 'all');
    const tcp = /^80\/tcp -> 0\.0\.0\.0:(\d+)$/m.exec(ports);
    const udp = /^90\/udp -> 0\.0\.0\.0:(\d+)$/m.exec(ports);
    assert.ok(tcp && udp && tcp[1] !== udp[1], ports);
    assert.equal(await readFrom(HOST_IP, Number(tcp[1])), 'hello-from-P\n');
    assert.equal(await ok('inspect', '-f', '{{.HostConfig.PublishAllPorts}}', 'all'), 'true\n');
    await ok('rm', '-f', '-t', '0', 'all');
    const refused = await berth('run', '--rm', '--network', net, '-P', '--expose', '70-60', 'busybox', '/bin/busybox', 'true');
    assert.equal(refused.code, 125);
    assert.match(refused.stderr.toString(), /--expose 70-60: want port\[\/tcp\|udp\|sctp\] or first-last/);
    await ok('rmi', 'localhost/exposed:1');
  });

  it('a container on no CNI network shows the NetworkSettings podman shows for --network none', async () => {
    const id = (await ok('create', '--network', 'none', 'busybox', '/bin/busybox', 'true')).trim();
    const [doc] = JSON.parse(await ok('inspect', id)) as Array<{ NetworkSettings: unknown }>;
    // podman 4.3's `podman inspect` of a `--network none` container on this machine, verbatim.
    assert.deepEqual(doc!.NetworkSettings, {
      EndpointID: '', Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: '',
      Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, Ports: {}, SandboxKey: '',
    });
    await ok('rm', id);
  });

  it('run --rm on the network exits with the container’s code and leaves no lease', async () => {
    const result = await berth('run', '--rm', '--network', net, 'busybox', '/bin/sh', '-c', 'busybox ip -4 addr show eth0 | busybox grep -q "inet 10.198." && exit 5');
    assert.equal(result.code, 5, result.stderr.toString());
    assert.deepEqual(readdirSync(join(ipamDir, net)).filter((f) => /^\d/.test(f)), []);
  });

  it('an exited container\'s network is torn down by its cleanup and set up again when it starts again', async () => {
    const leases = () => readdirSync(join(ipamDir, net)).filter((f) => /^\d/.test(f));
    const id = (await ok('run', '-d', '--name', 'again', '--network', net, 'busybox', '/bin/sh', '-c', 'busybox ip -4 addr show eth0 | busybox grep -q "inet 10.198." && exit 5')).trim();
    const netns = `berth-${id}`;
    for (const round of ['first run', 'second run']) {
      await eventually(`${round}: exited, its lease and namespace gone`, async () => ({
        state: await ok('inspect', '--format', '{{json .State}}', 'again').then((out) => JSON.parse(out) as { Status: string; ExitCode: number }).then((st) => `${st.Status} ${st.ExitCode}`),
        leases: leases(),
        netns: readdirSync('/run/netns').includes(netns),
      }), (seen) => seen.state === 'exited 5' && seen.leases.length === 0 && !seen.netns);
      if (round === 'first run') await ok('start', 'again');
    }
    await ok('rm', 'again');
  });

  it('a missing plugin fails the create with its name and leaves no container, namespace or lease', async () => {
    const namespaces = readdirSync('/run/netns');
    const result = await berth('run', '--network', `${net}-broken`, '-p', '8089:80', 'busybox', '/bin/sh', '-c', 'true');
    assert.notEqual(result.code, 0);
    assert.match(result.stderr.toString(), /no-such-cni-plugin/);
    assert.equal(await ok('ps', '-a', '-q'), '');
    assert.deepEqual(await newUnusedNamespaces(namespaces), [], 'no namespace left without a process in it');
    assert.deepEqual(readdirSync(join(ipamDir, `${net}-broken`)).filter((f) => /^\d/.test(f)), []);
    assert.doesNotMatch(execFileSync('iptables-save').toString(), /8089/);
  });

  it('refuses --publish with --network none and an unknown network by name', async () => {
    assert.match((await berth('run', '--network', 'none', '-p', '8080:80', 'busybox', '/bin/sh', '-c', 'true')).stderr.toString(), /--publish needs a CNI network/);
    assert.match((await berth('run', '--network', 'nope', 'busybox', '/bin/sh', '-c', 'true')).stderr.toString(), /network "nope"/);
    assert.equal(await ok('ps', '-a', '-q'), '');
  });
});
