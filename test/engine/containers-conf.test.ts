// containers.conf: the files podman reads, in its order, and what their
// [containers] and [engine] settings give the containers `berth run` makes,
// checked inside a running container and in its runtime spec; its [network]
// config dir and plugin dirs, as the network verbs and a run see them.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { containerDefaultsOf, containersConfFiles, networkMode, networkSettingsOf, readContainersConf } from '../../src/engine/index.js';
import { berthOn } from '../helpers/berth.js';
import { engineCli } from './engine-cli.js';

describe('containers.conf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'berth-containers-conf-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const loadContainerDefaults = (env: NodeJS.ProcessEnv, files?: string[]) => containerDefaultsOf(readContainersConf(env, files));
  const loadNetworkSettings = (env: NodeJS.ProcessEnv, files?: string[]) => networkSettingsOf(readContainersConf(env, files));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads $CONTAINERS_CONF alone when set, else the system files; a later file\'s key wins', () => {
    assert.deepEqual(containersConfFiles({ CONTAINERS_CONF: '/x/y.conf' }), ['/x/y.conf']);
    assert.deepEqual(containersConfFiles({}).slice(0, 2), ['/usr/share/containers/containers.conf', '/etc/containers/containers.conf']);
    const first = file('a.conf', '[containers]\n# a comment\ndefault_capabilities = ["CHOWN"]\nenv = ["A=1"]\n[engine]\nstop_timeout = 4\n');
    const second = file('b.conf', '[containers]\nenv = ["B=2"]\npids_limit = 50\nunknown_key = true\n[machine]\ncpus = 2\n');
    assert.deepEqual(loadContainerDefaults({}, [first, second, join(dir, 'missing.conf')]), { capabilities: ['CHOWN'], env: ['B=2'], pidsLimit: 50, stopTimeout: 4 });
  });

  it('reads [network] default_network, network_config_dir, cni_plugin_dirs, default_subnet and default_subnet_pools, a later file\'s key winning; a wrong type is refused', () => {
    const first = file('net-a.conf', '[network]\nnetwork_config_dir = "/a/net.d"\ncni_plugin_dirs = ["/a/bin"]\nnetwork_backend = "cni"\ndefault_subnet = "10.77.0.0/16"\ndefault_network = "first"\n');
    const second = file('net-b.conf', '[network]\nnetwork_config_dir = "/b/net.d"\ndefault_network = "second.net"\ndefault_subnet_pools = [{"base" = "10.200.0.0/23", "size" = 24}, {base = "172.30.0.0/16", size = 26}]\n[containers]\npids_limit = 5\n');
    assert.deepEqual(loadNetworkSettings({}, [first, second]), {
      networkBackend: 'cni', defaultNetwork: 'second.net', configDir: '/b/net.d', pluginDirs: ['/a/bin'], defaultSubnet: '10.77.0.0/16',
      subnetPools: [{ base: '10.200.0.0/23', size: 24 }, { base: '172.30.0.0/16', size: 26 }],
    });
    assert.deepEqual(loadNetworkSettings({}, [file('no-net.conf', '[containers]\nenv = []\n')]), {});
    const refused: Array<[string, RegExp]> = [
      ['cni_plugin_dirs = "/x"', /cni_plugin_dirs must be an array of strings/],
      ['default_network = "../net"', /default_network must be a network name/],
      ['network_backend = "slirp"', /network_backend must be "cni", "netavark" or ""/],
      ['default_subnet = "10.88.0.0"', /default_subnet must be an IPv4 CIDR/],
      ['default_subnet_pools = [{base = "10.1.0.0/16"}]', /default_subnet_pools must be an array of tables that each have a base and a size/],
      ['default_subnet_pools = ["10.1.0.0/16"]', /default_subnet_pools must be an array of \{base, size\} tables/],
      ['default_subnet_pools = [{base = "fd00::/64", size = 80}]', /default_subnet_pools must be an IPv4 CIDR/],
    ];
    for (const [line, message] of refused) {
      assert.throws(() => loadNetworkSettings({}, [file('net-wrong.conf', `[network]\n${line}\n`)]), (err: Error) => message.test(err.message) && err.message.includes('net-wrong.conf'), line);
    }
  });

  it('refuses malformed TOML, a value of the wrong type, and a $CONTAINERS_CONF that does not exist, naming the file', () => {
    const broken = file('broken.conf', '[containers\n');
    assert.throws(() => loadContainerDefaults({}, [broken]), (err: Error & { code?: string }) => err.code === 'config-invalid' && err.message.includes(broken));
    const wrong = file('wrong.conf', '[containers]\ndefault_ulimits = "nofile=1:2"\n');
    assert.throws(() => loadContainerDefaults({}, [wrong]), /wrong\.conf: default_ulimits must be an array of strings/);
    assert.throws(() => loadContainerDefaults({ CONTAINERS_CONF: join(dir, 'none.conf') }), /reading .*none\.conf/);
  });

  it('reads [containers] netns: private, none, host, bridge or a network\'s name; podman\'s rootless modes, ns: and container: are refused', () => {
    for (const value of ['private', 'none', 'host', 'bridge', 'webnet']) {
      assert.deepEqual(loadContainerDefaults({}, [file('netns.conf', `[containers]\nnetns = "${value}"\n`)]), { netns: value });
    }
    for (const value of ['slirp4netns', 'pasta', 'ns:/run/netns/x', 'container:abc']) {
      assert.throws(() => loadContainerDefaults({}, [file('netns-wrong.conf', `[containers]\nnetns = "${value}"\n`)]),
        (err: Error & { code?: string }) => err.code === 'config-invalid' && /netns-wrong\.conf: netns must be "private", "none", "host", "bridge" or a CNI network's name/.test(err.message), value);
    }
    assert.deepEqual(networkMode('host', () => 'podman'), { network: 'host' });
    assert.deepEqual(networkMode('bridge', () => 'berthnet'), { network: 'private', networks: ['berthnet'] });
    assert.deepEqual(networkMode('webnet', () => 'podman'), { network: 'private', networks: ['webnet'] });
  });

  describe('berth run (bin/berth.cjs)', () => {
    const { fixture } = engineCli();
    /** berth with `conf` as $CONTAINERS_CONF (none: the system's files), and `berthConf` as $BERTH_CONF when given. */
    const runWith = async (conf: string | undefined, berthConf: string | undefined, ...args: string[]): Promise<string> => {
      const env = { ...process.env };
      if (conf) env['CONTAINERS_CONF'] = conf;
      else delete env['CONTAINERS_CONF'];
      if (berthConf) env['BERTH_CONF'] = berthConf;
      else delete env['BERTH_CONF'];
      const result = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, args, { env });
      assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.toString();
    };
    const run = (conf: string | undefined, ...args: string[]): Promise<string> => runWith(conf, undefined, ...args);
    const probe = ['/bin/sh', '-c', 'grep CapEff /proc/self/status; cat /proc/sys/net/ipv4/ping_group_range; ulimit -n; echo "$FROMCONF"'];

    it('gives a container its capabilities, sysctls, ulimits, environment, DNS, pids limit and stop timeout; the run options win', async () => {
      const conf = file('run.conf', [
        '[containers]',
        'default_capabilities = ["CHOWN", "NET_RAW"]',
        'default_sysctls = ["net.ipv4.ping_group_range=0 1000"]',
        'default_ulimits = ["nofile=500:600"]',
        'env = ["FROMCONF=yes"]',
        'dns_servers = ["10.9.8.7"]',
        'pids_limit = 123',
        '[engine]',
        'stop_timeout = 3',
        '',
      ].join('\n'));
      // CAP_CHOWN (bit 0) and CAP_NET_RAW (bit 13).
      assert.equal(await run(conf, 'run', '--rm', 'busybox', ...probe), 'CapEff:\t0000000000002001\n0\t1000\n500\nyes\n');
      assert.equal(await run(conf, 'run', '--rm', '--cap-add', 'KILL', '--sysctl', 'net.ipv4.ping_group_range=0 7', '--ulimit', 'nofile=400:400', '-e', 'FROMCONF=mine', 'busybox', ...probe),
        'CapEff:\t0000000000002021\n0\t7\n400\nmine\n');
      // On the host's network its net.* sysctls are not the container's to set; its resolv.conf has the file's servers.
      const resolv = ['busybox', '/bin/busybox', 'grep', 'nameserver', '/etc/resolv.conf'];
      assert.equal(await run(conf, 'run', '--rm', '--network', 'host', ...resolv), 'nameserver 10.9.8.7\n');
      assert.equal(await run(conf, 'run', '--rm', '--network', 'host', '--dns', '10.1.1.1', ...resolv), 'nameserver 10.1.1.1\n');
      const id = (await run(conf, 'create', 'busybox', '/bin/busybox', 'true')).trim();
      const spec = JSON.parse(readFileSync((await run(conf, 'inspect', '-f', '{{.OCIConfigPath}}', id)).trim(), 'utf8')) as { linux: { resources: { pids?: { limit: number } } } };
      assert.equal(spec.linux.resources.pids?.limit, 123);
      assert.equal(await run(conf, 'inspect', '-f', '{{.Config.StopTimeout}}', id), '3\n');
      await run(conf, 'rm', id);
    });

    it('[engine] runtime is the runtime of a container that names none; berth.conf\'s default_runtime, --runtime and run --runtime win', async () => {
      const conf = file('runtime.conf', '[engine]\nruntime = "runc"\n');
      const berthConf = file('berth.conf', '[berth.runtime]\ndefault_runtime = "crun"\n');
      const runtimeOf = async (berth: string | undefined, ...args: string[]): Promise<string> => {
        const id = (await runWith(conf, berth, ...args, 'busybox', '/bin/busybox', 'true')).trim();
        const runtime = (await runWith(conf, berth, 'inspect', '-f', '{{.OCIRuntime}}', id)).trim();
        await runWith(conf, berth, 'rm', id);
        return runtime;
      };
      assert.deepEqual([
        await runtimeOf(undefined, 'create'),
        await runtimeOf(berthConf, 'create'),
        await runtimeOf(undefined, '--runtime', 'crun', 'create'),
        await runtimeOf(undefined, 'create', '--runtime', 'crun'),
      ], ['runc', 'crun', 'crun', 'crun']);
      // And the container runs under it, to its exit.
      assert.equal(await run(conf, 'run', '--rm', 'busybox', '/bin/busybox', 'echo', 'under runc'), 'under runc\n');
      const unknown = file('unknown-runtime.conf', '[engine]\nruntime = "nosuch"\n');
      const refused = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, ['run', '--rm', 'busybox', '/bin/busybox', 'true'], { env: { ...process.env, CONTAINERS_CONF: unknown } });
      assert.equal(refused.code, 125);
      assert.match(refused.stderr.toString(), /runtime handler "nosuch" is not configured/);
    });

    it('without $CONTAINERS_CONF, the system\'s file (podman\'s distribution defaults) applies', async () => {
      const system = loadContainerDefaults({});
      const out = await run(undefined, 'run', '--rm', 'busybox', '/bin/busybox', 'cat', '/proc/sys/net/ipv4/ping_group_range');
      const wanted = system.sysctls?.find((entry) => entry.startsWith('net.ipv4.ping_group_range='))?.split('=')[1]?.replace(' ', '\t');
      if (wanted) assert.equal(out, `${wanted}\n`);
      else assert.equal(out, '1\t0\n', 'the kernel\'s default when no file sets it');
    });

    it('[containers] tz, umask, pidns, ipcns, utsns, cgroupns, read_only, log_size_max and shm_size are a run\'s defaults; the run\'s options win', async () => {
      const conf = file('more.conf', '[containers]\ntz = "Europe/Paris"\numask = "0027"\npidns = "host"\nipcns = "shareable"\nutsns = "private"\ncgroupns = "host"\nread_only = true\nlog_size_max = 4096\nshm_size = "64000k"\n');
      const script = 'umask; for n in pid cgroup; do readlink /proc/self/ns/$n; done; touch /f 2>&1 | sed "s/.*: //"';
      const hostNs = `${readlinkSync('/proc/self/ns/pid')}\n${readlinkSync('/proc/self/ns/cgroup')}\n`;
      assert.equal(await run(conf, 'run', '--rm', 'busybox', '/bin/sh', '-c', script), `0027\n${hostNs}Read-only file system\n`);
      const id = (await run(conf, 'create', 'busybox', '/bin/sh', '-c', 'true')).trim();
      assert.equal(await run(conf, 'inspect', '-f', '{{.Config.Timezone}} {{.HostConfig.LogConfig.Size}} {{.HostConfig.IpcMode}} {{.HostConfig.UTSMode}} {{.HostConfig.ShmSize}}', id), 'Europe/Paris 4.096kB shareable private 64000000\n');
      await run(conf, 'rm', id);
      const own = (await run(conf, 'run', '--rm', '--pid', 'private', '--umask', '0022', '--read-only=false', 'busybox', '/bin/sh', '-c', script)).split('\n');
      assert.equal(own[0], '0022');
      assert.notEqual(own[1], readlinkSync('/proc/self/ns/pid'));
      assert.equal(own[3], '', 'writable: touch printed nothing');
      // The file's shm_size is not for the host's /dev/shm.
      await run(conf, 'run', '--rm', '--ipc', 'host', 'busybox', '/bin/sh', '-c', 'true');
      // The file's ipcns = "host" leaves its IPC sysctls out, as --ipc host does (the runtime refuses them there).
      const hostIpc = file('host-ipc.conf', '[containers]\nipcns = "host"\ndefault_sysctls = ["kernel.shmmni=4000"]\n');
      assert.equal(await run(hostIpc, 'run', '--rm', 'busybox', '/bin/sh', '-c', 'readlink /proc/self/ns/ipc'), `${readlinkSync('/proc/self/ns/ipc')}\n`);
      assert.throws(() => loadContainerDefaults({}, [file('bad-ns.conf', '[containers]\npidns = "container:x"\n')]), /bad-ns\.conf: pidns must be "host" or "private"/);
      assert.throws(() => loadContainerDefaults({}, [file('bad-umask.conf', '[containers]\numask = "999"\n')]), /bad-umask\.conf: umask must be an octal mask/);
      assert.throws(() => loadContainerDefaults({}, [file('bad-tz.conf', '[containers]\ntz = "Mars/Olympus"\n')]), /bad-tz\.conf: tz must be a zone of \/usr\/share\/zoneinfo/);
    });

    it('the host\'s proxy variables reach the container as podman passes them; --http-proxy=false and [containers] http_proxy = false keep them out, --http-proxy=true wins', async () => {
      const proxies = async (conf: string | undefined, ...flags: string[]): Promise<string> => {
        const env = { ...process.env, HTTP_PROXY: 'http://proxy.example:3128', no_proxy: 'localhost', ...(conf ? { CONTAINERS_CONF: conf } : {}) };
        const result = await berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, ['run', '--rm', ...flags, 'busybox', '/bin/busybox', 'sh', '-c', 'env | grep -i _proxy= | sort'], { env });
        assert.equal(result.code, 0, result.stderr.toString());
        return result.stdout.toString();
      };
      assert.equal(await proxies(undefined), 'HTTP_PROXY=http://proxy.example:3128\nno_proxy=localhost\n');
      assert.equal(await proxies(undefined, '--http-proxy=false'), '');
      assert.equal(await proxies(undefined, '-e', 'HTTP_PROXY=http://mine:1'), 'HTTP_PROXY=http://mine:1\nno_proxy=localhost\n');
      const off = file('no-proxy.conf', '[containers]\nhttp_proxy = false\n');
      assert.equal(await proxies(off), '');
      assert.equal(await proxies(off, '--http-proxy'), 'HTTP_PROXY=http://proxy.example:3128\nno_proxy=localhost\n');
    });

    it('without a pids_limit in any file, podman\'s 2048 applies; --pids-limit 0 or -1 is none', async () => {
      const conf = file('no-pids.conf', '[containers]\nenv = ["A=1"]\n');
      const pidsOf = async (...flags: string[]): Promise<number | undefined> => {
        const id = (await run(conf, 'create', ...flags, 'busybox', '/bin/busybox', 'true')).trim();
        const spec = JSON.parse(readFileSync((await run(conf, 'inspect', '-f', '{{.OCIConfigPath}}', id)).trim(), 'utf8')) as { linux: { resources: { pids?: { limit: number } } } };
        await run(conf, 'rm', id);
        return spec.linux.resources.pids?.limit;
      };
      assert.deepEqual([await pidsOf(), await pidsOf('--pids-limit', '-1'), await pidsOf('--pids-limit=0'), await pidsOf('--pids-limit', '77')], [2048, undefined, undefined, 77]);
      // The limit is the container's cgroup's.
      assert.equal(await run(conf, 'run', '--rm', 'busybox', '/bin/busybox', 'sh', '-c', 'cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max'), '2048\n');
    });
  });

  describe('[network] through bin/berth.cjs', () => {
    const { fixture } = engineCli();
    const berthWith = (conf: string, ...args: string[]) => berthOn({ graphRoot: fixture().temp.graphRoot, runRoot: fixture().temp.runRoot, driver: 'overlay' }, args, { env: { ...process.env, CONTAINERS_CONF: conf } });
    const ok = async (conf: string, ...args: string[]): Promise<string> => {
      const result = await berthWith(conf, ...args);
      assert.equal(result.code, 0, `berth ${args.join(' ')}: ${result.stderr}`);
      return result.stdout.toString();
    };

    it('the network verbs use network_config_dir; --network-config-dir and its older name --cni-config-dir win over it', async () => {
      const fromConf = join(fixture().temp.dir, 'conf-net.d');
      const fromFlag = join(fixture().temp.dir, 'flag-net.d');
      const conf = file('net-dir.conf', `[network]\nnetwork_config_dir = "${fromConf}"\n`);
      assert.equal(await ok(conf, 'network', 'create', 'viaconf'), 'viaconf\n');
      assert.ok(existsSync(join(fromConf, 'viaconf.conflist')));
      assert.match(await ok(conf, 'network', 'ls', '--format', '{{.Name}}'), /^viaconf$/m);
      assert.equal(await ok(conf, '--network-config-dir', fromFlag, 'network', 'create', 'viaflag'), 'viaflag\n');
      assert.ok(existsSync(join(fromFlag, 'viaflag.conflist')));
      assert.ok(!existsSync(join(fromConf, 'viaflag.conflist')));
      assert.match(await ok(conf, '--cni-config-dir', fromFlag, 'network', 'ls', '--format', '{{.Name}}'), /^viaflag$/m);
      assert.doesNotMatch(await ok(conf, '--cni-config-dir', fromFlag, 'network', 'ls', '--format', '{{.Name}}'), /viaconf/);
    });

    it('network create takes the first free subnet of default_subnet_pools; the default network shows default_subnet', async () => {
      const configDir = join(fixture().temp.dir, 'pools-net.d');
      // Two /24 blocks in the first pool, then a pool of /26 blocks.
      const conf = file('pools.conf', `[network]\nnetwork_config_dir = "${configDir}"\ndefault_subnet = "10.77.0.0/16"\n`
        + 'default_subnet_pools = [{base = "10.200.0.0/23", size = 24}, {base = "172.30.7.0/24", size = 26}]\n');
      await ok(conf, 'network', 'create', '--subnet', '10.200.1.0/24', 'taken');
      const subnetOf = async (name: string): Promise<string> => JSON.parse(await ok(conf, 'network', 'inspect', name))[0].subnets[0].subnet;
      await ok(conf, 'network', 'create', 'p1');
      await ok(conf, 'network', 'create', 'p2');
      await ok(conf, 'network', 'create', 'p3');
      assert.deepEqual([await subnetOf('p1'), await subnetOf('p2'), await subnetOf('p3')], ['10.200.0.0/24', '172.30.7.0/26', '172.30.7.64/26']);
      assert.equal(await subnetOf('podman'), '10.77.0.0/16');
      // A subnet inside the default network's is refused as taken.
      const clash = await berthWith(conf, 'network', 'create', '--subnet', '10.77.3.0/24', 'clash');
      assert.equal(clash.code, 125);
      assert.match(clash.stderr, /subnet 10\.77\.3\.0\/24 is already used/);
    });

    it('default_network names the default network: listed in podman\'s place, made on a bridge run\'s first use, never removed or created over', async () => {
      const configDir = join(fixture().temp.dir, 'default-net.d');
      const conf = file('default-net.conf', `[network]\nnetwork_config_dir = "${configDir}"\ndefault_network = "berthnet"\n`);
      assert.equal(await ok(conf, 'network', 'ls', '--format', '{{.Name}}'), 'berthnet\n');
      assert.equal(JSON.parse(await ok(conf, 'network', 'inspect', 'berthnet'))[0].subnets[0].subnet, '10.88.0.0/16');
      const removal = await berthWith(conf, 'network', 'rm', 'berthnet');
      assert.notEqual(removal.code, 0);
      assert.match(removal.stderr, /default network berthnet cannot be removed/);
      const creation = await berthWith(conf, 'network', 'create', 'berthnet');
      assert.notEqual(creation.code, 0);
      assert.match(creation.stderr, /network name berthnet already used/);
      // `podman` is then an ordinary name: a network of that name can be made, and is not the default.
      assert.equal(await ok(conf, 'network', 'create', 'podman'), 'podman\n');
      // --network bridge joins the default network, made in its own file on the default bridge and subnet.
      assert.match(await ok(conf, 'run', '--rm', '--network', 'bridge', 'busybox', '/bin/busybox', 'ip', '-4', 'addr', 'show', 'eth0'), /inet 10\.88\./);
      const made = JSON.parse(readFileSync(join(configDir, '87-berthnet-bridge.conflist'), 'utf8'));
      assert.equal(made.name, 'berthnet');
      assert.equal(made.plugins[0].bridge, 'cni-podman0');
      await ok(conf, 'network', 'rm', 'podman');
      assert.equal(await ok(conf, 'network', 'prune', '-f'), '');
      assert.equal(await ok(conf, 'network', 'ls', '--format', '{{.Name}}'), 'berthnet\n');
    });

    it('[containers] netns is the network of a run that names none: host shares the host\'s, bridge joins the default network; --network wins', async () => {
      const hostNet = readlinkSync('/proc/self/ns/net');
      const netOf = ['busybox', '/bin/busybox', 'readlink', '/proc/self/ns/net'];
      const onHost = file('netns-host.conf', '[containers]\nnetns = "host"\n');
      assert.equal(await ok(onHost, 'run', '--rm', ...netOf), `${hostNet}\n`);
      assert.notEqual(await ok(onHost, 'run', '--rm', '--network', 'private', ...netOf), `${hostNet}\n`);
      const id = (await ok(onHost, 'create', 'busybox', '/bin/busybox', 'true')).trim();
      assert.equal(await ok(onHost, 'inspect', '-f', '{{.HostConfig.NetworkMode}}', id), 'host\n');
      await ok(onHost, 'rm', id);
      const configDir = join(fixture().temp.dir, 'netns-bridge.d');
      const onBridge = file('netns-bridge.conf', `[containers]\nnetns = "bridge"\n[network]\nnetwork_config_dir = "${configDir}"\ndefault_network = "netnsnet"\n`);
      assert.match(await ok(onBridge, 'run', '--rm', 'busybox', '/bin/busybox', 'ip', '-4', 'addr', 'show', 'eth0'), /inet 10\.88\./);
      assert.ok(existsSync(join(configDir, '87-netnsnet-bridge.conflist')), 'the default network was made for the run');
      assert.equal(await ok(onBridge, 'run', '--rm', '--network', 'none', 'busybox', '/bin/busybox', 'ls', '/sys/class/net'), 'lo\n');
      await ok(onBridge, 'network', 'prune', '-f');
    });

    it('network_backend = "netavark" is refused where a network is used, and nothing is left; a run without one goes on', async () => {
      const configDir = join(fixture().temp.dir, 'netavark-net.d');
      const conf = file('netavark.conf', `[network]\nnetwork_backend = "netavark"\nnetwork_config_dir = "${configDir}"\n`);
      const listing = await berthWith(conf, 'network', 'ls');
      assert.equal(listing.code, 125);
      assert.match(listing.stderr, /network_backend = "netavark": Berth sets up CNI networks only/);
      const before = [await ok(conf, 'ps', '-a', '-q'), await ok(conf, 'storage', 'containers')];
      const run = await berthWith(conf, 'run', '--rm', '--network', 'bridge', 'busybox', '/bin/busybox', 'true');
      assert.notEqual(run.code, 0);
      assert.match(run.stderr, /network_backend = "netavark"/);
      assert.deepEqual([await ok(conf, 'ps', '-a', '-q'), await ok(conf, 'storage', 'containers')], before);
      assert.ok(!existsSync(configDir), 'no network was made');
      assert.equal(await ok(conf, 'run', '--rm', 'busybox', '/bin/sh', '-c', 'echo ran'), 'ran\n');
    });

    it('a run on a network looks for the plugins in cni_plugin_dirs only', async () => {
      const configDir = join(fixture().temp.dir, 'plugins-net.d');
      const emptyDir = join(fixture().temp.dir, 'no-plugins');
      mkdirSync(emptyDir, { recursive: true });
      const without = file('no-plugins.conf', `[network]\nnetwork_config_dir = "${configDir}"\ncni_plugin_dirs = ["${emptyDir}"]\n`);
      await ok(without, 'network', 'create', 'plugged');
      const refused = await berthWith(without, 'run', '--rm', '--network', 'plugged', 'busybox', '/bin/busybox', 'true');
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /bridge/);
      assert.match(refused.stderr, new RegExp(emptyDir));
      // The same plugins, found through a dir of links that only this conf names.
      const linked = join(fixture().temp.dir, 'linked-plugins');
      mkdirSync(linked, { recursive: true });
      const system = ['/usr/lib/cni', '/usr/libexec/cni', '/opt/cni/bin'].find((d) => existsSync(join(d, 'bridge')))!;
      for (const plugin of ['bridge', 'host-local', 'portmap', 'firewall', 'tuning', 'loopback']) {
        if (existsSync(join(system, plugin))) symlinkSync(join(system, plugin), join(linked, plugin));
      }
      const withLinks = file('linked-plugins.conf', `[network]\nnetwork_config_dir = "${configDir}"\ncni_plugin_dirs = ["${linked}"]\n`);
      assert.match(await ok(withLinks, 'run', '--rm', '--network', 'plugged', 'busybox', '/bin/busybox', 'ip', '-4', 'addr', 'show', 'eth0'), /inet 10\.89\./);
      await ok(withLinks, 'network', 'rm', 'plugged');
    });
  });
});
