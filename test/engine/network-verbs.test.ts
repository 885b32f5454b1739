// podman's network verbs through the shipped executable on a CNI config dir
// of the test's own: the conflist `network create` writes is podman's own
// (podman writes one in another dir to compare), and a container runs on it.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { podman, preparePodman } from '../helpers/podman.js';
import { cniConfigDirOf, engineCli } from './engine-cli.js';

describe('berth network create|ls|inspect|rm|prune|exists|connect|disconnect (bin/berth.cjs)', () => {
  const { fixture, berth, ok } = engineCli({ cniConfigDir: true });
  const configDir = (): string => cniConfigDirOf(fixture());
  const refused = async (code: number, message: RegExp, ...args: string[]): Promise<void> => {
    const result = await berth(...args);
    assert.equal(result.code, code, `berth ${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message);
  };
  const conflist = (dir: string, name: string): unknown => JSON.parse(readFileSync(join(dir, `${name}.conflist`), 'utf8'));

  it('create writes the conflist podman writes, on the first free bridge and subnet, and ls and inspect show podman\'s fields', async () => {
    assert.equal(await ok('network', 'create', 'first'), 'first\n');
    assert.equal(await ok('network', 'create', '--label', 'tier=web', '--label', 'x', 'second'), 'second\n');
    // podman's own create of the same networks, in a config dir of its own.
    const podmanDir = join(fixture().temp.dir, 'podman-net.d');
    const pod = await preparePodman(fixture().temp.dir, { graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' });
    for (const args of [['first'], ['--label', 'tier=web', '--label', 'x', 'second']]) {
      const made = await podman(pod, ['--network-config-dir', podmanDir, 'network', 'create', ...args]);
      assert.equal(made.code, 0, made.stderr);
    }
    assert.deepEqual(conflist(configDir(), 'first'), conflist(podmanDir, 'first'));
    assert.deepEqual(conflist(configDir(), 'second'), conflist(podmanDir, 'second'));
    assert.equal(await ok('network', 'ls'), 'NETWORK ID    NAME        DRIVER\n'
      + `${sha('first').slice(0, 12)}  first       bridge\n${sha('podman').slice(0, 12)}  podman      bridge\n${sha('second').slice(0, 12)}  second      bridge\n`);
    assert.equal(await ok('network', 'ls', '--noheading', '--filter', 'name=first'), `${sha('first').slice(0, 12)}  first       bridge\n`);
    assert.equal(await ok('network', 'ls', '--filter', 'label=tier=web', '--format', '{{.Name}} {{.NetworkInterface}} {{.Subnets}} {{.Labels}}'), 'second cni-podman2 [{10.89.1.0/24 10.89.1.1}] map[tier:web x:]\n');
    const [doc] = JSON.parse(await ok('network', 'inspect', 'first')) as Array<Record<string, unknown>>;
    assert.deepEqual({ ...doc, created: undefined }, {
      name: 'first', id: sha('first'), driver: 'bridge', network_interface: 'cni-podman1', created: undefined,
      // DNS: scripts/setup installs the dnsname plugin, with which podman's conflist (compared above) has it too.
      subnets: [{ subnet: '10.89.0.0/24', gateway: '10.89.0.1' }], ipv6_enabled: false, internal: false, dns_enabled: true, ipam_options: { driver: 'host-local' },
    });
    assert.equal(await ok('network', 'inspect', '--format', '{{.ID}}', sha('second').slice(0, 10)), `${sha('second')}\n`, 'by ID prefix');
    assert.equal(await ok('inspect', '--type', 'network', '--format', '{{.NetworkInterface}} {{.IPAMOptions.driver}}', 'first'), 'cni-podman1 host-local\n');
    assert.deepEqual(JSON.parse(await ok('inspect', 'second'))[0].labels, { tier: 'web', x: '' }, 'inspect finds a network by its name last');
    assert.equal((await berth('network', 'exists', 'first')).code, 0);
    assert.equal((await berth('network', 'exists', 'none')).code, 1);
  });

  it('create --ip-range writes podman\'s lease range (rangeStart, rangeEnd), inspect shows it, containers get addresses from it; a range outside the subnet or without one is refused', async () => {
    const octet = Math.floor(Math.random() * 200 + 20);
    // podman's config dir of the first test (podman 4.3 has no --interface-name): the same networks there as here, so the same next bridge.
    const podmanDir = join(fixture().temp.dir, 'podman-net.d');
    const pod = await preparePodman(fixture().temp.dir, { graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' });
    const args = ['--subnet', `10.192.${octet}.0/24`, '--ip-range', `10.192.${octet}.128/25`, 'ranged'];
    assert.equal((await podman(pod, ['--network-config-dir', podmanDir, 'network', 'create', ...args])).code, 0);
    await ok('network', 'create', ...args);
    try {
      assert.deepEqual(conflist(configDir(), 'ranged'), conflist(podmanDir, 'ranged'));
      assert.deepEqual(JSON.parse(await ok('network', 'inspect', 'ranged'))[0].subnets,
        [{ subnet: `10.192.${octet}.0/24`, gateway: `10.192.${octet}.1`, lease_range: { start_ip: `10.192.${octet}.129`, end_ip: `10.192.${octet}.255` } }]);
      assert.equal(await ok('run', '--rm', '--network', 'ranged', 'busybox', '/bin/busybox', 'sh', '-c', 'ip -4 addr show eth0 | grep -o "inet [0-9.]*"'), `inet 10.192.${octet}.129\n`);
      await refused(125, new RegExp(`^Error: lease range start ip 10\\.191\\.${octet}\\.1 not in subnet 10\\.190\\.${octet}\\.0/24\\n$`), 'network', 'create', '--subnet', `10.190.${octet}.0/24`, '--ip-range', `10.191.${octet}.0/25`, 'outside');
      await refused(125, /^Error: cannot set gateway or range without subnet\n$/, 'network', 'create', '--ip-range', `10.189.${octet}.0/25`, 'nosubnet');
    } finally {
      // Its bridge goes with it.
      await ok('network', 'rm', 'ranged');
      assert.equal((await podman(pod, ['--network-config-dir', podmanDir, 'network', 'rm', 'ranged'])).code, 0);
    }
  });

  it('refuses a taken name or subnet, a bad name, a gateway outside the subnet and another driver, writing nothing', async () => {
    await refused(125, /^Error: network name first already used: network already exists\n$/, 'network', 'create', 'first');
    await refused(125, /subnet 10\.89\.0\.128\/25 is already used/, 'network', 'create', '--subnet', '10.89.0.128/25', 'third');
    await refused(125, /invalid subnet "10\.1\.2\.300\/24"/, 'network', 'create', '--subnet', '10.1.2.300/24', 'third');
    await refused(125, /gateway 10\.7\.0\.1 is not in subnet 10\.8\.0\.0\/24/, 'network', 'create', '--subnet', '10.8.0.0/24', '--gateway', '10.7.0.1', 'third');
    await refused(125, /must match/, 'network', 'create', '../escape');
    await refused(125, /only bridge/, 'network', 'create', '-d', 'macvlan', 'third');
    assert.equal(existsSync(join(configDir(), 'third.conflist')), false);
    await refused(1, /^Error: unable to find network with name or ID none: network not found\n$/, 'network', 'rm', 'none');
    await refused(125, /default network podman cannot be removed/, 'network', 'rm', 'podman');
  });

  it('a container runs on a new network; rm refuses it in use (exit 2), -f removes the container, the network and its bridge', async () => {
    const octet = Math.floor(Math.random() * 200 + 20);
    const bridge = `bv${process.pid}`.slice(0, 15);
    await ok('network', 'create', '--subnet', `10.197.${octet}.0/24`, '--interface-name', bridge, 'runnet');
    try {
      const inside = await ok('run', '--rm', '--name', 'netted', '--hostname', 'nh', '--network', 'runnet', 'busybox', '/bin/busybox', 'sh', '-c', 'ip -4 addr show eth0; cat /etc/hosts /etc/resolv.conf');
      const ip = new RegExp(`inet (10\\.197\\.${octet}\\.\\d+)/24`).exec(inside)?.[1];
      assert.ok(ip, inside);
      // podman's /etc/hosts on a CNI network: the gateway as host.containers.internal, the container's address under its names.
      assert.match(inside, new RegExp(`\\n10\\.197\\.${octet}\\.1\\thost\\.containers\\.internal\\n${ip.replace(/\./g, '\\.')}\\tnh netted\\n`));
      assert.doesNotMatch(inside, /nameserver 127\./, 'no loopback resolver, which the container\'s network cannot reach');
      assert.match(inside, /nameserver /);
      await ok('run', '-d', '--name', 'on-net', '--network', 'runnet', 'busybox', '/bin/busybox', 'sleep', '100');
      assert.equal(await ok('ps', '--filter', 'network=runnet', '--format', '{{.Names}} {{.Networks}}'), 'on-net [runnet]\n');
      assert.equal(await ok('ps', '-q', '--filter', 'network=podman'), '');
      await refused(2, /^Error: "runnet" has associated containers with it\. Use -f to forcibly delete containers and pods: network is being used\n$/, 'network', 'rm', 'runnet');
      assert.equal(await ok('network', 'rm', '-f', '-t', '0', 'runnet'), 'runnet\n');
      assert.equal(await ok('ps', '-a', '-q'), '');
      assert.equal(existsSync(join(configDir(), 'runnet.conflist')), false);
      assert.throws(() => execFileSync('ip', ['link', 'show', bridge], { stdio: 'ignore' }), 'the bridge is gone');
    } finally {
      try { execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' }); } catch { /* removed by the test */ }
    }
  });

  it('--ip and --mac-address: the address and MAC asked for, again after a restart; one taken, outside the subnet or without one network is refused with nothing left', async () => {
    const octet = Math.floor(Math.random() * 200 + 20);
    const bridge = `bs${process.pid}`.slice(0, 15);
    await ok('network', 'create', '--subnet', `10.194.${octet}.0/24`, '--interface-name', bridge, 'staticnet');
    try {
      const ip = `10.194.${octet}.77`;
      const show = 'ip -4 addr show eth0 | grep -o "inet [0-9./]*"; cat /sys/class/net/eth0/address';
      assert.equal(await ok('run', '--rm', '--network', 'staticnet', '--ip', ip, '--mac-address', '92:d0:c6:0a:29:35', 'busybox', '/bin/busybox', 'sh', '-c', show),
        `inet ${ip}/24\n92:d0:c6:0a:29:35\n`);
      await ok('run', '-d', '--name', 'fixed', '--network', 'staticnet', '--ip', ip, 'busybox', '/bin/busybox', 'sleep', '1000');
      assert.equal(await ok('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'fixed'), `${ip}\n`);
      const before = await ok('ps', '-aq');
      await refused(125, /requested IP address .*is not available|already reserved|has been allocated/i, 'run', '--rm', '--network', 'staticnet', '--ip', ip, 'busybox', '/bin/busybox', 'true');
      await refused(125, new RegExp(`^Error: requested static ip 10\\.195\\.${octet}\\.5 not in any subnet on network staticnet\\n$`), 'run', '--rm', '--network', 'staticnet', '--ip', `10.195.${octet}.5`, 'busybox', '/bin/busybox', 'true');
      await refused(125, /^Error: --ip can only be set when the network mode is bridge: invalid argument\n$/, 'run', '--rm', '--network', 'none', '--ip', ip, 'busybox', '/bin/busybox', 'true');
      await refused(125, /^Error: "10\.1\.2" is not an ip address\n$/, 'run', '--rm', '--network', 'staticnet', '--ip', '10.1.2', 'busybox', '/bin/busybox', 'true');
      await refused(125, /invalid MAC address/, 'run', '--rm', '--network', 'staticnet', '--mac-address', '92:d0', 'busybox', '/bin/busybox', 'true');
      assert.equal(await ok('ps', '-aq'), before);
      await ok('restart', '-t', '0', 'fixed');
      assert.equal(await ok('exec', 'fixed', '/bin/busybox', 'sh', '-c', 'ip -4 addr show eth0 | grep -o "inet [0-9./]*"'), `inet ${ip}/24\n`);
      await ok('rm', '-f', '-t', '0', 'fixed');
      await ok('network', 'rm', 'staticnet');
    } finally {
      try { execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' }); } catch { /* removed by the test */ }
    }
  });

  it('a network made where the dnsname plugin is installed has podman\'s DNS: containers resolve each other by name and --network-alias; --disable-dns leaves it out', async () => {
    const octet = Math.floor(Math.random() * 200 + 20);
    const bridge = `bd${process.pid}`.slice(0, 15);
    await ok('network', 'create', '--subnet', `10.193.${octet}.0/24`, '--interface-name', bridge, 'dnsnet');
    try {
      assert.deepEqual((conflist(configDir(), 'dnsnet') as { plugins: Array<Record<string, unknown>> }).plugins.at(-1), { type: 'dnsname', domainName: 'dns.podman', capabilities: { aliases: true } });
      assert.equal(JSON.parse(await ok('network', 'inspect', 'dnsnet'))[0].dns_enabled, true);
      await ok('run', '-d', '--name', 'named-server', '--network', 'dnsnet', '--network-alias', 'db', 'busybox', '/bin/busybox', 'sleep', '1000');
      const server = (await ok('inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'named-server')).trim();
      const lookups = await ok('run', '--rm', '--network', 'dnsnet', 'busybox', '/bin/busybox', 'sh', '-c',
        'head -2 /etc/resolv.conf; for n in named-server db; do nslookup $n | grep -A1 "^Name:" | tail -1; done');
      assert.equal(lookups, `search dns.podman\nnameserver 10.193.${octet}.1\nAddress: ${server}\nAddress: ${server}\n`);
      await ok('rm', '-f', '-t', '0', 'named-server');
      await ok('network', 'rm', 'dnsnet');
      await ok('network', 'create', '--disable-dns', '--subnet', `10.193.${octet}.0/24`, '--interface-name', bridge, 'nodns');
      assert.equal((conflist(configDir(), 'nodns') as { plugins: Array<{ type: string }> }).plugins.some((p) => p.type === 'dnsname'), false);
      await ok('network', 'rm', 'nodns');
    } finally {
      try { execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' }); } catch { /* removed by the test */ }
    }
  });

  it('connect and disconnect a running container (its interfaces change at once), a stopped one (at its next run), and refuse what podman refuses', async () => {
    const octet = Math.floor(Math.random() * 200 + 20);
    const bridges = [`ba${process.pid}`.slice(0, 15), `bb${process.pid}`.slice(0, 15)];
    await ok('network', 'create', '--subnet', `10.196.${octet}.0/24`, '--interface-name', bridges[0]!, 'neta');
    await ok('network', 'create', '--subnet', `10.195.${octet}.0/24`, '--interface-name', bridges[1]!, 'netb');
    const addresses = async (name: string): Promise<string> => (await ok('exec', name, '/bin/busybox', 'ip', '-4', '-o', 'addr'))
      .split('\n').filter((line) => / eth\d /.test(line)).map((line) => line.split(/\s+/).slice(1, 4).join(' ')).join('\n');
    try {
      await ok('run', '-d', '--name', 'mover', '--network', 'neta', 'busybox', '/bin/busybox', 'sleep', '100');
      assert.match(await addresses('mover'), new RegExp(`^eth0 inet 10\\.196\\.${octet}\\.\\d+/24$`));
      assert.equal(await ok('network', 'connect', 'netb', 'mover'), '');
      assert.match(await addresses('mover'), new RegExp(`^eth0 inet 10\\.196\\.${octet}\\.\\d+/24\neth1 inet 10\\.195\\.${octet}\\.\\d+/24$`));
      assert.equal(await ok('ps', '--format', '{{.Networks}}', '--filter', 'name=mover'), '[neta netb]\n');
      await refused(125, /is already connected to network "netb"/, 'network', 'connect', 'netb', 'mover');
      await refused(125, /unable to find network with name or ID nothing/, 'network', 'connect', 'nothing', 'mover');
      assert.equal(await ok('network', 'disconnect', 'netb', 'mover'), '');
      assert.match(await addresses('mover'), new RegExp(`^eth0 inet 10\\.196\\.${octet}\\.\\d+/24$`));
      await refused(125, /container mover is not connected to network netb/, 'network', 'disconnect', 'netb', 'mover');
      // Stopped: joined at the next run. Left with no network at all: it still runs, on its own namespace.
      await ok('stop', '-t', '0', 'mover');
      await ok('network', 'connect', 'netb', 'mover');
      await ok('start', 'mover');
      assert.match(await addresses('mover'), /^eth0 inet 10\.196\..*\neth1 inet 10\.195\./);
      await ok('network', 'disconnect', 'neta', 'mover');
      await ok('network', 'disconnect', 'netb', 'mover');
      assert.equal(await addresses('mover'), '');
      await ok('restart', '-t', '0', 'mover');
      assert.equal(await addresses('mover'), '');
      await ok('network', 'connect', 'neta', 'mover');
      assert.match(await addresses('mover'), /^eth0 inet 10\.196\./);
      await ok('run', '-d', '--name', 'isolated', '--network', 'none', 'busybox', '/bin/busybox', 'sleep', '100');
      await refused(125, /is not on a CNI network/, 'network', 'connect', 'neta', 'isolated');
      const events = (await ok('events', '--stream=false', '--filter', 'type=network', '--format', 'json')).split('\n').filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>).filter((e) => e['Status'] === 'connect' || e['Status'] === 'disconnect');
      assert.deepEqual(events.map((e) => [e['Status'], e['network'], e['Name']]), [
        ['connect', 'netb', 'mover'], ['disconnect', 'netb', 'mover'], ['connect', 'netb', 'mover'], ['disconnect', 'neta', 'mover'], ['disconnect', 'netb', 'mover'], ['connect', 'neta', 'mover'],
      ]);
      assert.deepEqual(Object.keys(events[0]!), ['ID', 'Name', 'network', 'Status', 'Time', 'Type', 'Attributes'], 'podman\'s keys, in its order');
      await ok('rm', '-f', '-t', '0', 'mover', 'isolated');
      await ok('network', 'rm', 'neta', 'netb');
    } finally {
      for (const bridge of bridges) {
        try { execFileSync('ip', ['link', 'delete', bridge], { stdio: 'ignore' }); } catch { /* removed by the test */ }
      }
    }
  });

  it('prune asks first, then removes the networks no container uses, never the default', async () => {
    const answer = await berth('network', 'prune');
    assert.equal(answer.code, 125, 'no answer on stdin');
    assert.equal(await ok('network', 'prune', '-f'), 'first\nsecond\n');
    assert.equal(await ok('network', 'ls', '-q'), 'podman\n');
  });
});

function sha(text: string): string {
  return execFileSync('sha256sum', { input: text }).toString().split(' ')[0]!;
}
