// The CNI chain with the real plugins in /usr/lib/cni: a namespace on a
// bridge with an IP from host-local, a published port reached from the host
// through portmap's DNAT, and teardown that leaves nothing behind.

import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { HOST_IP, readFrom } from '../helpers/tcp.js';
import {
  bridgeConflist, findNetwork, formatPortMapping, isNetworkError, loadNetworks, parsePublish, readAttachment,
  setupNetwork, teardownNetwork, writeConflist,
} from '../../src/network/index.js';

const PLUGIN_DIRS = ['/usr/lib/cni'];

describe('a container network through CNI', () => {
  const tag = Math.floor(Math.random() * 200 + 20);
  const net = `berth-test-${process.pid}`;
  const bridge = `bt${process.pid}`.slice(0, 15);
  const subnet = `10.199.${tag}.0/24`;
  let dir: string;
  let configDir: string;
  let ipamDir: string;
  const servers: ChildProcess[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-net-'));
    configDir = join(dir, 'net.d');
    ipamDir = join(dir, 'ipam');
    await writeConflist(configDir, `${net}.conflist`, bridgeConflist({ name: net, bridge, subnet, ipamDataDir: ipamDir }));
  });
  after(() => {
    for (const s of servers) s.kill('SIGKILL');
    try { execFileSync("ip", ["link", "delete", bridge], { stdio: "ignore" }); } catch { /* never made */ }
    rmSync(dir, { recursive: true, force: true });
  });

  const options = (id: string, extra: { portMappings?: ReturnType<typeof parsePublish>[]; networks?: string[] } = {}) => ({
    containerId: id, networks: extra.networks ?? [net], portMappings: extra.portMappings,
    configDir, pluginDirs: PLUGIN_DIRS, stateFile: join(dir, 'state', id, 'network.json'),
  });

  it('gives the container an IP on the bridge, publishes its port, and tears down to nothing', async () => {
    const id = `c1${process.pid}`;
    const hostPort = 20000 + (process.pid % 20000);
    const attachment = await setupNetwork(options(id, { portMappings: [parsePublish(`${hostPort}:80`)] }));
    const ip = attachment.networks[0]!.result.ips![0]!.address.split('/')[0]!;
    assert.match(ip, new RegExp(`^10\\.199\\.${tag}\\.\\d+$`));
    assert.ok(existsSync(attachment.netns));
    assert.deepEqual((await readAttachment(options(id).stateFile))?.networks[0]?.result, attachment.networks[0]!.result);
    assert.ok(readdirSync(join(ipamDir, net)).includes(ip), 'host-local holds the lease');

    const name = attachment.netns.split('/').pop()!;
    const server = spawn('ip', ['netns', 'exec', name, 'busybox', 'nc', '-l', '-p', '80', '-e', 'echo', 'hello-from-netns'], { stdio: 'ignore' });
    servers.push(server);
    assert.equal(await readFrom(ip, 80), 'hello-from-netns\n', 'the container IP answers from the host');
    const server2 = spawn('ip', ['netns', 'exec', name, 'busybox', 'nc', '-l', '-p', '80', '-e', 'echo', 'hello-via-dnat'], { stdio: 'ignore' });
    servers.push(server2);
    assert.equal(await readFrom(HOST_IP, hostPort), 'hello-via-dnat\n', `${HOST_IP}:${hostPort} reaches it through portmap`);
    assert.match(iptablesRules(), new RegExp(id));

    await teardownNetwork(options(id).stateFile);
    assert.ok(!existsSync(attachment.netns), 'the namespace is gone');
    assert.ok(!readdirSync(join(ipamDir, net)).includes(ip), 'the lease is freed');
    assert.doesNotMatch(iptablesRules(), new RegExp(id), 'no iptables rule names the container');
    assert.ok(!existsSync(options(id).stateFile));
    assert.equal(vethsOn(bridge), 0, 'no veth left on the bridge');
  });

  it('gives two containers different IPs', async () => {
    const a = await setupNetwork(options(`ca${process.pid}`));
    const b = await setupNetwork(options(`cb${process.pid}`));
    try {
      assert.notEqual(a.networks[0]!.result.ips![0]!.address, b.networks[0]!.result.ips![0]!.address);
      assert.equal(vethsOn(bridge), 2);
    } finally {
      await teardownNetwork(options(`ca${process.pid}`).stateFile);
      await teardownNetwork(options(`cb${process.pid}`).stateFile);
    }
    assert.equal(vethsOn(bridge), 0);
  });

  it('reports a missing plugin as a typed error and leaves no namespace, lease or rule', async () => {
    const broken = `${net}-broken`;
    const list = bridgeConflist({ name: broken, bridge, subnet, ipamDataDir: ipamDir });
    list.plugins.splice(1, 0, { type: 'no-such-cni-plugin' });
    await writeConflist(configDir, `${broken}.conflist`, list);
    const before = new Set(readdirSync('/run/netns'));
    const id = `cx${process.pid}`;
    await assert.rejects(setupNetwork(options(id, { networks: [broken] })), (err) => isNetworkError(err, 'plugin-missing') && err.detail.plugin === 'no-such-cni-plugin');
    assert.deepEqual(new Set(readdirSync('/run/netns')), before);
    assert.deepEqual(readdirSync(join(ipamDir, broken)).filter((f) => /^\d/.test(f)), []);
    assert.doesNotMatch(iptablesRules(), new RegExp(id));
    assert.ok(!existsSync(options(id).stateFile));
    assert.equal(vethsOn(bridge), 0);
  });

  it('refuses a plugin type that is a path, before running anything', async () => {
    const escaping = `${net}-escaping`;
    const list = bridgeConflist({ name: escaping, bridge, subnet, ipamDataDir: ipamDir });
    list.plugins.unshift({ type: '../../../bin/true' });
    await writeConflist(configDir, `${escaping}.conflist`, list);
    const before = new Set(readdirSync('/run/netns'));
    await assert.rejects(setupNetwork(options(`cw${process.pid}`, { networks: [escaping] })),
      (err) => isNetworkError(err, 'config-invalid') && err.detail.plugin === '../../../bin/true');
    assert.deepEqual(new Set(readdirSync('/run/netns')), before);
  });

  it('reports a plugin error with the plugin and its message', async () => {
    const bad = `${net}-bad`;
    const list = bridgeConflist({ name: bad, bridge, subnet: '10.199.300.0/24', ipamDataDir: ipamDir });
    await writeConflist(configDir, `${bad}.conflist`, list);
    await assert.rejects(setupNetwork(options(`cy${process.pid}`, { networks: [bad] })),
      (err) => isNetworkError(err, 'plugin-failed') && err.detail.plugin === 'bridge' && /10\.199\.300/.test(String(err.detail.msg)));
  });

  it('names an unknown network and makes podman’s default one when asked for it', async () => {
    await assert.rejects(setupNetwork(options('cz', { networks: ['nope'] })), (err) => isNetworkError(err, 'network-unknown'));
    const other = join(dir, 'empty.d');
    const made = await findNetwork(other, 'podman');
    assert.equal(made.file, join(other, '87-podman-bridge.conflist'));
    assert.equal((await loadNetworks(other)).get('podman')?.plugins[0]?.bridge, 'cni-podman0');
    assert.deepEqual(made.plugins.map((p) => p.type), ['bridge', 'portmap', 'firewall', 'tuning']);
  });

  it('parses -p values and prints podman port lines', () => {
    assert.equal(formatPortMapping(parsePublish('8080:80')), '80/tcp -> 0.0.0.0:8080');
    assert.equal(formatPortMapping(parsePublish('127.0.0.1:53:53/udp')), '53/udp -> 127.0.0.1:53');
    assert.throws(() => parsePublish('80'), (err) => isNetworkError(err, 'invalid-port'));
    assert.throws(() => parsePublish('70000:80'), (err) => isNetworkError(err, 'invalid-port'));
  });
});

function iptablesRules(): string {
  return execFileSync('iptables-save').toString();
}

function vethsOn(bridge: string): number {
  try {
    return readdirSync(`/sys/class/net/${bridge}/brif`).length;
  } catch {
    return 0;
  }
}

