// `berth inspect` of a container: podman 4.3's document (libpod's
// InspectContainerData) in its field order, with what Berth records about the
// container, its spec, its store layer and its network attachment.

import { dirname } from 'node:path';
import type { ContainerEngine } from '../../engine/index.js';
import { dependenciesOf, inspectHealth, inspectHealthcheck, userMountsOf } from '../../engine/index.js';
import type { CniResult, NetworkAttachment, PortMapping } from '../../network/index.js';
import { runsInit, type BlockIoThrottle, type Container, type ContainerConfig, type JoinableNamespace } from '../../oci/index.js';
import { graphDriverData } from '../../storage/index.js';
import { GO_ZERO_TIME } from '../../util/index.js';
import { unitsHumanSize } from '../image/format.js';
import { parseSize } from './options.js';

/** podman's container inspect document (libpod's InspectContainerData), in its order, with what Berth records. */
export async function inspectDocument(engine: ContainerEngine, container: Container, network: NetworkAttachment | undefined, options: { size?: boolean } = {}): Promise<Record<string, unknown>> {
  const info = engine.info(container);
  const state = container.state;
  const { spec, bundlePath } = container.config;
  const mounts = userMounts(container.config);
  const storeContainer = await engine.store.container(container.id).catch(() => undefined);
  const image = info.imageId ? await engine.store.image(info.imageId).catch(() => undefined) : undefined;
  // The /etc files Berth writes into the bundle and binds into the container (none of a user's -v).
  const bundleFile = (destination: string): string => spec.mounts?.find((m) => m.destination === destination && m.source?.startsWith(`${bundlePath}/`))?.source ?? '';
  return {
    Id: info.id,
    Created: info.created,
    // What PID 1 runs: with --init, the init before the command (info.command is the command alone).
    Path: spec.process.args[0],
    Args: spec.process.args.slice(1),
    State: {
      OciVersion: spec.ociVersion,
      Status: info.status === 'stopped' ? 'exited' : info.status,
      Running: info.status === 'running',
      Paused: info.status === 'paused',
      Restarting: false,
      OOMKilled: info.oomKilled,
      Dead: false,
      Pid: info.pid,
      ConmonPid: state.conmonPid ?? 0,
      ExitCode: info.exitCode ?? 0,
      Error: state.error ?? '',
      StartedAt: info.started ?? GO_ZERO_TIME,
      FinishedAt: info.finished ?? GO_ZERO_TIME,
      Health: inspectHealth(state.health, container.config.healthCheck !== undefined),
      CgroupPath: spec.linux?.cgroupsPath ?? '',
      CheckpointedAt: GO_ZERO_TIME,
      RestoredAt: GO_ZERO_TIME,
    },
    Image: info.imageId,
    ImageDigest: image?.digest ?? '',
    ImageName: info.image,
    Rootfs: container.config.rootfs ?? '',
    Pod: '',
    ResolvConfPath: bundleFile('/etc/resolv.conf'),
    HostnamePath: bundleFile('/etc/hostname'),
    HostsPath: bundleFile('/etc/hosts'),
    StaticDir: container.config.persistDir,
    OCIConfigPath: `${bundlePath}/config.json`,
    OCIRuntime: info.runtime,
    LogPath: container.config.logDriver === 'none' ? '' : info.logPath,
    ConmonPidFile: container.config.conmonPidFile ?? `${bundlePath}/conmon-pidfile`,
    PidFile: container.config.pidFile ?? `${bundlePath}/pidfile`,
    Name: info.name,
    RestartCount: state.restartCount ?? 0,
    Driver: engine.store.graphDriverName,
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    EffectiveCaps: spec.process.capabilities?.effective ?? [],
    BoundingCaps: spec.process.capabilities?.bounding ?? [],
    ExecIDs: engine.execSessions(container),
    GraphDriver: storeContainer ? await graphDriverData(engine.store, storeContainer.layerId) : { Name: engine.store.graphDriverName, Data: null },
    // inspect --size: what its layer holds, and with its image's the whole root filesystem.
    ...(options.size && storeContainer ? await sizes(engine, storeContainer) : {}),
    Mounts: mounts,
    Dependencies: dependenciesOf(container.config),
    NetworkSettings: networkSettings(container.id, network),
    Namespace: '',
    IsInfra: false,
    IsService: false,
    Config: {
      Hostname: spec.hostname ?? '',
      Domainname: '',
      User: container.config.user ?? '',
      // podman 4.3 prints these false whatever the run attached (its own inspect leaves them unset).
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      Tty: spec.process.terminal === true,
      OpenStdin: container.config.stdin === true,
      StdinOnce: false,
      // Not the variables of secrets (podman sets them at the start; its Env never shows them).
      Env: container.config.secretEnv ? spec.process.env.filter((entry) => !container.config.secretEnv!.includes(entry.slice(0, entry.indexOf('=')))) : spec.process.env,
      // podman's Cmd is the command after the entrypoint, and its Entrypoint one string.
      Cmd: info.command.slice(container.config.entrypoint?.length ?? 0),
      Image: info.image,
      Volumes: null,
      WorkingDir: spec.process.cwd,
      Entrypoint: (container.config.entrypoint ?? []).join(' '),
      OnBuild: null,
      Labels: info.labels,
      Annotations: container.config.annotations,
      StopSignal: container.config.stopSignal,
      ...(container.config.healthCheck ? { Healthcheck: inspectHealthcheck(container.config.healthCheck) } : {}),
      HealthcheckOnFailureAction: container.config.healthOnFailure ?? 'none',
      CreateCommand: container.config.createCommand ?? [],
      // podman leaves it out when none was given (omitempty).
      ...(container.config.timezone !== undefined ? { Timezone: container.config.timezone } : {}),
      Umask: (spec.process.user.umask ?? 0o022).toString(8).padStart(4, '0'),
      ...(container.config.secrets ? { Secrets: container.config.secrets.map((s) => ({ Name: s.name, ID: s.id, UID: s.uid, GID: s.gid, Mode: s.mode })) } : {}),
      Timeout: container.config.timeout ?? 0,
      StopTimeout: container.config.stopTimeout,
    },
    HostConfig: hostConfig(container.config, network, mounts),
  };
}

async function sizes(engine: ContainerEngine, stored: { layerId: string; imageId: string }): Promise<{ SizeRw: number; SizeRootFs: number }> {
  const own = await engine.store.diffSize(stored.layerId);
  const image = stored.imageId ? await engine.store.imageSize(stored.imageId).catch(() => 0) : 0;
  return { SizeRw: own, SizeRootFs: own + image };
}

/** The binds and volumes the user asked for (-v), as podman inspect lists them: not the files Berth writes into the bundle. */
function userMounts(config: ContainerConfig): Array<Record<string, unknown>> {
  const volumes = new Map((config.volumes ?? []).map((volume) => [volume.destination, volume.name]));
  return userMountsOf(config)
    .map((m) => {
      const volume = volumes.get(m.destination);
      return {
        Type: volume === undefined ? 'bind' : 'volume',
        ...(volume === undefined ? {} : { Name: volume }),
        Source: m.source,
        Destination: m.destination,
        Driver: volume === undefined ? '' : 'local',
        Mode: '',
        Options: (m.options ?? []).filter((o) => o !== 'ro' && o !== 'rw' && !PROPAGATIONS.test(o)),
        RW: !(m.options ?? []).includes('ro'),
        Propagation: m.options?.find((o) => PROPAGATIONS.test(o)) ?? 'rprivate',
      };
    });
}

const PROPAGATIONS = /^r?(private|shared|slave)$/;

/**
 * podman inspect's HostConfig, in libpod's order: the run options a container was made
 * with, from its spec and records (what Berth has no notion of has podman's empty value).
 */
function hostConfig(config: ContainerConfig, network: NetworkAttachment | undefined, mounts: Array<Record<string, unknown>>): Record<string, unknown> {
  const { spec } = config;
  const resources = spec.linux.resources;
  const hasNamespace = (type: string): boolean => spec.linux.namespaces.some((ns) => ns.type === type);
  // podman's `container:ID` for a namespace joined, else `own` for one of its own and `host` for the host's.
  const mode = (type: JoinableNamespace, own: string): string => (config.joined?.[type] ? `container:${config.joined[type]}` : hasNamespace(type) ? own : 'host');
  const cpu = resources?.cpu;
  const hostsAndDns = config.hostsAndDns ?? {};
  const shm = spec.mounts.find((m) => m.destination === '/dev/shm');
  // podman's {Path, Rate} of each throttled device, null for none.
  const throttles = (kind: BlockIoThrottle): Array<{ Path: string; Rate: number }> | null =>
    config.hostOptions?.blockIoThrottles?.[kind]?.map((t) => ({ Path: t.path, Rate: t.rate })) ?? null;
  return {
    Binds: mounts.map((m) => `${m['Name'] ?? m['Source']}:${m['Destination']}${m['RW'] ? '' : ':ro'}`),
    CgroupManager: 'cgroupfs',
    CgroupMode: hasNamespace('cgroup') ? 'private' : 'host',
    ContainerIDFile: '',
    LogConfig: { Type: config.logDriver ?? 'k8s-file', Config: null, Path: config.logDriver === 'none' ? '' : config.logPath, Tag: '', Size: config.logSizeMax > 0 ? unitsHumanSize(config.logSizeMax) : '0B' },
    NetworkMode: mode('network', (config.networks?.length ?? 0) > 0 ? 'bridge' : 'none'),
    PortBindings: portsByContainerPort(network?.portMappings ?? config.portMappings ?? []),
    RestartPolicy: { Name: config.restartPolicy?.name ?? '', MaximumRetryCount: config.restartPolicy?.maxRetries ?? 0 },
    AutoRemove: config.autoRemove === true,
    VolumeDriver: '',
    VolumesFrom: config.volumesFrom ?? null,
    CapAdd: config.hostOptions?.capAdd ?? [],
    CapDrop: config.hostOptions?.capDrop ?? [],
    Dns: hostsAndDns.dnsServers ?? [],
    DnsOptions: hostsAndDns.dnsOptions ?? [],
    DnsSearch: hostsAndDns.dnsSearch ?? [],
    ExtraHosts: hostsAndDns.addHosts ?? [],
    GroupAdd: config.hostOptions?.groupAdd ?? [],
    IpcMode: mode('ipc', 'shareable'),
    Cgroup: '',
    Cgroups: 'default',
    Links: null,
    OomScoreAdj: spec.process.oomScoreAdj ?? 0,
    PidMode: mode('pid', 'private'),
    Privileged: config.hostOptions?.privileged === true,
    PublishAllPorts: config.hostOptions?.publishAll === true,
    ReadonlyRootfs: spec.root.readonly === true,
    // What podman shows of --security-opt: no-new-privileges, and an unconfined seccomp (not for --privileged).
    SecurityOpt: [
      ...(spec.process.noNewPrivileges ? ['no-new-privileges'] : []),
      ...(config.hostOptions?.privileged !== true && !spec.linux.seccomp ? ['seccomp=unconfined'] : []),
    ],
    Tmpfs: Object.fromEntries(spec.mounts.filter((m) => m.type === 'tmpfs' && !STANDARD_TMPFS.has(m.destination)).map((m) => [m.destination, (m.options ?? []).join(',')])),
    UTSMode: mode('uts', 'private'),
    UsernsMode: hasNamespace('user') ? 'private' : '',
    ShmSize: sizeOption(shm?.options),
    Runtime: 'oci',
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: cpu?.shares ?? 0,
    Memory: resources?.memory?.limit ?? 0,
    NanoCpus: cpu?.quota && cpu.period ? Math.round((cpu.quota * 1e9) / cpu.period) : 0,
    CgroupParent: dirname(spec.linux.cgroupsPath ?? '/'),
    BlkioWeight: 0,
    BlkioWeightDevice: null,
    BlkioDeviceReadBps: throttles('throttleReadBpsDevice'),
    BlkioDeviceWriteBps: throttles('throttleWriteBpsDevice'),
    BlkioDeviceReadIOps: throttles('throttleReadIOPSDevice'),
    BlkioDeviceWriteIOps: throttles('throttleWriteIOPSDevice'),
    CpuPeriod: cpu?.period ?? 0,
    CpuQuota: cpu?.quota ?? 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: cpu?.cpus ?? '',
    CpusetMems: cpu?.mems ?? '',
    // podman 4.3 prints no permissions here, whatever --device gave.
    Devices: (config.hostOptions?.devices ?? []).map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: '' })),
    DiskQuota: 0,
    KernelMemory: 0,
    MemoryReservation: resources?.memory?.reservation ?? 0,
    MemorySwap: resources?.memory?.swap ?? 0,
    MemorySwappiness: resources?.memory?.swappiness ?? 0,
    OomKillDisable: resources?.memory?.disableOOMKiller === true,
    // podman leaves it out without --init (omitempty).
    ...(runsInit(spec) ? { Init: true } : {}),
    PidsLimit: resources?.pids?.limit ?? 0,
    Ulimits: (spec.process.rlimits ?? []).map((r) => ({ Name: r.type, Soft: r.soft, Hard: r.hard })),
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    CgroupConf: null,
    // Not in podman 4.3's document: the namespaced sysctls Berth set (--sysctl, containers.conf).
    Sysctls: spec.linux.sysctl ?? {},
  };
}

/** The tmpfs mounts of every container (/dev, /dev/shm): not the user's --tmpfs. */
const STANDARD_TMPFS = new Set(['/dev', '/dev/shm']);

/** The bytes of a tmpfs `size=` option (`size=64000k`, as the spec gives /dev/shm one), 0 without one. */
function sizeOption(options: string[] | undefined): number {
  const size = options?.find((o) => o.startsWith('size='))?.slice('size='.length);
  return size ? parseSize(size) : 0;
}

/** podman inspect's `80/tcp: [{HostIp, HostPort}]` maps (NetworkSettings.Ports, HostConfig.PortBindings). */
function portsByContainerPort(mappings: readonly PortMapping[]): Record<string, Array<{ HostIp: string; HostPort: string }>> {
  const ports: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  for (const m of mappings) (ports[`${m.containerPort}/${m.protocol}`] ??= []).push({ HostIp: m.hostIP ?? '', HostPort: String(m.hostPort) });
  return ports;
}

/**
 * podman inspect's NetworkSettings, with its keys in its order: the first network's address,
 * every network by name, the published ports. A container on no CNI network gets the keys empty
 * and no Networks, as podman shows one with `--network none`.
 */
function networkSettings(id: string, network: NetworkAttachment | undefined): Record<string, unknown> {
  const attached = network?.networks ?? [];
  const endpoints = attached.map((n) => endpoint(n.result, n.ifName, network!.netns));
  const networks = Object.fromEntries(attached.map((n, i) => [n.name, {
    ...endpoints[i], NetworkID: n.name, DriverOpts: null, IPAMConfig: null, Links: null, Aliases: [id.slice(0, 12)],
  }]));
  return {
    ...(endpoints[0] ?? endpoint(undefined, '', '')),
    Bridge: '', SandboxID: '', HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
    Ports: portsByContainerPort(network?.portMappings ?? []), SandboxKey: network?.netns ?? '',
    ...(attached.length > 0 ? { Networks: networks } : {}),
  };
}

/** podman's per-endpoint fields of a CNI result: the IPv4 address and gateway, the IPv6 ones, the interface's MAC. */
function endpoint(result: CniResult | undefined, ifName: string, netns: string): Record<string, unknown> {
  const v4 = result?.ips?.find((ip) => !ip.address.includes(':'));
  const v6 = result?.ips?.find((ip) => ip.address.includes(':'));
  const mac = result?.interfaces?.find((i) => i.name === ifName && i.sandbox === netns)?.mac ?? '';
  return {
    EndpointID: '', Gateway: v4?.gateway ?? '', IPAddress: v4?.address.split('/')[0] ?? '', IPPrefixLen: Number(v4?.address.split('/')[1] ?? 0),
    IPv6Gateway: v6?.gateway ?? '', GlobalIPv6Address: v6?.address.split('/')[0] ?? '', GlobalIPv6PrefixLen: Number(v6?.address.split('/')[1] ?? 0),
    MacAddress: mac,
  };
}
