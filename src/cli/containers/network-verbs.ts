// podman's `network` verbs on the CNI config dir (--network-config-dir, else
// containers.conf's network_config_dir, else /etc/cni/net.d): create, ls,
// inspect, rm, prune, exists, connect, disconnect. The templates
// load only when a listing needs them.

import type { Command } from 'commander';
import { EngineError, type CniSettings, type ContainerEngine } from '../../engine/index.js';
import { createNetwork, defaultNetworkName, installedPlugin, inspectNetwork, isNetworkError, listNetworks, removeNetwork, type NetworkInfo } from '../../network/index.js';
import { confirmed } from './confirm.js';
import { removeEach } from './remove-each.js';
import type { EngineAction } from './context.js';
import { collect, hasLabel, keyValues, parseFilters, parsePositive, passesFilters } from './options.js';

export function registerNetworkVerbs(program: Command, act: EngineAction, setExit: (code: number) => void): void {
  const network = program.command('network').description('manage CNI networks (create, ls, inspect, rm, prune, exists, connect, disconnect)');

  network.command('create').description('create a bridge network (a conflist in the CNI config dir)').argument('[name]')
    .option('-d, --driver <driver>', 'only bridge', 'bridge')
    .option('--subnet <cidr>', 'IPv4 subnet (default: the first free one of containers.conf default_subnet_pools, 10.89.N.0/24 first)')
    .option('--gateway <ip>', 'the gateway in the subnet (default: its first address)')
    .option('--ip-range <cidr>', 'lease only the addresses of this range of the subnet (with --subnet)')
    .option('--interface-name <name>', 'the bridge (default: the first free cni-podmanN)')
    .option('--label <label>', 'set a label (key=value)', collect, [])
    .option('--internal', 'no route out: containers reach each other only')
    .option('--disable-dns', 'no DNS for its containers\' names (podman\'s, with the dnsname plugin where it is installed)')
    .action(act(async (engine, name: string | undefined, opts: { driver: string; subnet?: string; gateway?: string; ipRange?: string; interfaceName?: string; label: string[]; internal?: boolean; disableDns?: boolean }) => {
      const labels = keyValues(opts.label);
      const { configDir, defaults, pluginDirs } = cniOf(engine);
      // As podman: DNS where the dnsname plugin is installed, unless --disable-dns.
      const dnsname = opts.disableDns !== true && await installedPlugin('dnsname', pluginDirs) !== undefined;
      const made = await createNetwork(configDir, {
        name, driver: opts.driver, subnet: opts.subnet, gateway: opts.gateway, ipRange: opts.ipRange, interfaceName: opts.interfaceName, labels, internal: opts.internal, dnsname,
      }, defaults);
      networkEvent(engine, made.name, 'create');
      process.stdout.write(`${made.name}\n`);
    }));

  network.command('ls').alias('list').description('list networks')
    .option('-q, --quiet', 'print the names only')
    .option('--format <format>', 'json, or a Go template (`{{.Name}} {{.NetworkInterface}}`)')
    .option('-f, --filter <filter>', 'name=, id=, driver=, label=KEY[=VALUE]', collect, [])
    .option('--no-trunc', 'the whole network ID')
    .option('--noheading', 'no header line in the table')
    .action(act(async (engine, opts: { quiet?: boolean; format?: string; filter: string[]; trunc?: boolean; noheading?: boolean }) => {
      const filters = parseFilters(opts.filter);
      const { configDir, defaults } = cniOf(engine);
      const networks = (await listNetworks(configDir, defaults)).filter((n) => matches(n, filters));
      if (opts.quiet) process.stdout.write(networks.map((n) => `${n.name}\n`).join(''));
      else if (opts.format === 'json') process.stdout.write(`${JSON.stringify(networks, null, 2)}\n`);
      else process.stdout.write(await listing(opts.format ?? LS_TABLE, networks, opts.trunc !== false, opts.noheading === true));
    }));

  network.command('inspect').description('show networks\' details').argument('<names...>')
    .option('-f, --format <format>', 'json (default), or a Go template (`{{.NetworkInterface}}`)')
    .action(act(async (engine, refs: string[], opts: { format?: string }) => {
      const { configDir, defaults } = cniOf(engine);
      const networks = [];
      for (const ref of refs) networks.push(await inspectNetwork(configDir, ref, defaults));
      if (opts.format && opts.format !== 'json') process.stdout.write(await listing(opts.format, networks, false));
      else process.stdout.write(`${JSON.stringify(networks, null, 5)}\n`);
    }));

  network.command('rm').alias('remove').description('remove networks').argument('<names...>')
    .option('-f, --force', 'remove the containers that use them first')
    .option('-t, --time <seconds>', 'with -f: seconds to wait for running containers to stop before killing them (default: their stop timeout)')
    .action(act(async (engine, names: string[], opts: { force?: boolean; time?: string }) => {
      const timeoutSeconds = opts.time === undefined ? undefined : parsePositive(opts.time, 'timeout');
      const { configDir, defaults } = cniOf(engine);
      return removeEach(names, async (ref) => {
        const { name } = await inspectNetwork(configDir, ref, defaults);
        const users = await usersOf(engine, name);
        if (users.length && !opts.force) {
          throw new EngineError('invalid-state', `"${name}" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used`, { network: name, containers: users });
        }
        for (const id of users) await engine.remove(id, { force: true, timeoutSeconds });
        await removeNetwork(configDir, name, defaults);
        networkEvent(engine, name, 'remove');
        return name;
      }, RM_EXIT);
    }));

  network.command('connect').description('connect a container to a network (at once when it is running)').argument('<network>').argument('<container>')
    .action(act(async (engine, name: string, container: string) => {
      await engine.connectNetwork(container, name);
    }));

  network.command('disconnect').description('disconnect a container from a network').argument('<network>').argument('<container>')
    .action(act(async (engine, name: string, container: string) => {
      await engine.disconnectNetwork(container, name);
    }));

  network.command('prune').description('remove every network no container uses (not the default one)')
    .option('-f, --force', 'do not ask for confirmation')
    .action(act(async (engine, opts: { force?: boolean }) => {
      if (!opts.force && !confirmed('WARNING! This will remove all networks not used by at least one container.\nAre you sure you want to continue? [y/N] ')) return;
      const used = new Set((await engine.list()).flatMap((c) => c.config.networks ?? []));
      const { configDir, defaults } = cniOf(engine);
      for (const { name } of await listNetworks(configDir, defaults)) {
        if (name === defaultNetworkName(defaults) || used.has(name)) continue;
        await removeNetwork(configDir, name, defaults);
        networkEvent(engine, name, 'remove');
        process.stdout.write(`${name}\n`);
      }
    }));

  network.command('exists').description('exit 0 when the network exists, 1 when not').argument('<name>')
    .action(act(async (engine, name: string) => {
      const { configDir, defaults } = cniOf(engine);
      try {
        await inspectNetwork(configDir, name, defaults);
        return 0;
      } catch (err) {
        if (isNetworkError(err, 'network-unknown')) return 1;
        throw err;
      }
    }));

  network.action(() => {
    network.outputHelp();
    setExit(125);
  });
}

/** podman's exit codes for `network rm`: 1 for no such network, 2 for one in use. */
const RM_EXIT: Record<string, number> = { 'network-unknown': 1, 'invalid-state': 2 };

const LS_TABLE = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}';

/** A network's event, as podman records them (by name). */
function networkEvent(engine: ContainerEngine, name: string, status: string): void {
  // podman's network events name the network in `network` (its own are a container's connect and disconnect, with its ID and name).
  engine.events.record({ network: name, Status: status, Type: 'network', Attributes: null });
}

/** The CNI settings the engine was opened with (--network-config-dir, containers.conf). */
export function cniOf(engine: ContainerEngine): CniSettings {
  if (!engine.cni) throw new EngineError('invalid-option', 'CNI networking is not configured', {});
  return engine.cni;
}

async function usersOf(engine: ContainerEngine, name: string): Promise<string[]> {
  return (await engine.list()).filter((c) => c.config.networks?.includes(name)).map((c) => c.id);
}

function matches(network: NetworkInfo, filters: Map<string, string[]>): boolean {
  return passesFilters(network, filters, {
    name: (n, value) => n.name.includes(value),
    id: (n, value) => n.id.startsWith(value),
    driver: (n, value) => n.driver === value,
    label: (n, value) => hasLabel(n.labels ?? {}, value),
  }, 'networks');
}

/** Rows with podman's Go field names for templates (its network ls and inspect templates see these). */
async function listing(format: string, networks: NetworkInfo[], truncate: boolean, noHeading = false): Promise<string> {
  const { documentTemplateData, renderReport } = await import('../template/index.js');
  return renderReport(format, networks.map((n) => documentTemplateData(networkGoDocument(n, truncate))), { name: 'network', headers: { ID: 'NETWORK ID' }, defaultTable: LS_TABLE, noHeading });
}

/** A network with the Go field names podman's templates use (`{{.NetworkInterface}}`), for documentTemplateData. */
export function networkGoDocument(n: NetworkInfo, truncate = false): Record<string, unknown> {
  return {
    Name: n.name,
    ID: truncate ? n.id.slice(0, 12) : n.id,
    Driver: n.driver,
    NetworkInterface: n.network_interface,
    Created: n.created,
    Subnets: n.subnets.map((sub) => ({ Subnet: sub.subnet, Gateway: sub.gateway ?? '' })),
    IPv6Enabled: n.ipv6_enabled,
    Internal: n.internal,
    DNSEnabled: n.dns_enabled,
    Labels: n.labels ?? {},
    IPAMOptions: n.ipam_options,
  };
}

/** Whether an inspect document is a network's (its JSON names). */
export function isNetworkDocument(value: object): value is NetworkInfo {
  return 'network_interface' in value && 'ipam_options' in value;
}
