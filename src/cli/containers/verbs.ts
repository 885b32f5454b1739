// podman's container verbs on `berth`: run, create, start, stop, kill,
// restart, rm, ps, logs, inspect, port, wait, exec, pause, unpause, stats, update,
// and `container checkpoint|restore|prune`, with podman's names and flags.

import { closeSync, existsSync, openSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { Option, type Command } from 'commander';
import type { ContainerEngine, ContainerInfo, CreateOptions } from '../../engine/index.js';
import type { Image } from '../../storage/index.js';
import { checkedLogDriver, dependentsFirst, EngineError, isEngineError, logEnd, networkMode } from '../../engine/index.js';
import { checkedCpuList, ContainerStatus, DEFAULT_DETACH_KEYS, parseDetachKeys, umaskOf, type Container, type HealthOnFailure, type JoinableNamespace, type LogRecord, type NamespaceMode, type OciLinuxResources, type RestartPolicy } from '../../oci/index.js';
import { platformFlags, registryFlags } from '../image/commands.js';
import type { RegistryCliFlags } from '../image/registry.js';
import { parseIdMapSpecs, type IDMap } from '../../idmap/index.js';
import { openEngine, type EngineAction, type GlobalOptions } from './context.js';
import { imageForRun, removeImageAfterRun } from './pull-policy.js';
import { psJson } from './format.js';
import { registerRootfsVerbs } from './rootfs-verbs.js';
import { registerSystemVerbs } from './system-verbs.js';
import { registerVolumeVerbs, volumeDocument } from './volume-verbs.js';
import { registerSecretVerbs } from './secret-verbs.js';
import { cniOf, isNetworkDocument, networkGoDocument, registerNetworkVerbs } from './network-verbs.js';
import { registerContainerGroupVerbs } from './container-group-verbs.js';
import { registerEventsVerb } from './events-verbs.js';
import { registerHealthcheckVerbs } from './healthcheck-verbs.js';
import { inspectDocument } from './inspect-container.js';
import { labelsOf, mountSpecs, secretRequest, securityOptions } from './run-options.js';
import { matchesFilters } from './container-filters.js';
import { byAge, FILTER_DESCRIPTION, latestOption, namedOrLatest, targetOptions, targetsOf, withLatest, type TargetFlags } from './targets.js';
import { collect, environment, keyValues, parseFilters, parseHumanSize, parseInRange, parsePositive, parseSize, pointInTime } from './options.js';
import { defaultNetworkName, formatPortMapping, inspectNetwork, isNetworkError, parseExposed, parsePublish } from '../../network/index.js';
import { parseGoDuration, removeFile, splitOnce, writeFileAtomic } from '../../util/index.js';
import { selects, type VerbSelection } from '../verb-selection.js';
import { withSignalsProxied } from './signal-proxy.js';

/** Each verb's action resolves to the process's exit code. */
type Exit = (code: number) => void;

/** `container ps` is also `container ls` and `container list`, as in podman. */
const PS_GROUP_ALIASES = ['ls', 'list'] as const;

/**
 * `groupVerbs`: also register the top-level verbs under `container` (podman's
 * `container run`, `container ls`, …). `only`: register just that verb (and
 * the group's own), for a command line that names it: commander builds each
 * option as it is declared, and `run` and `create` alone declare ~60.
 */
export function registerContainerVerbs(program: Command, setExit: Exit, options: VerbSelection = { groupVerbs: true }): void {
  const globals = (): GlobalOptions => program.opts<GlobalOptions>();
  const act: EngineAction = (fn) => async (...args) => setExit((await fn(await openEngine(globals()), ...args)) ?? 0);

  /**
   * The container verbs, registered twice as podman has them: at the top
   * (`berth run`) and under `container` (`berth container run`).
   * `inspect` under `container` is for containers only.
   */
  const verbs = (parent: Command, inspectType: 'all' | 'container'): void => {
    const wanted = (name: string, aliases?: readonly string[]): boolean => selects(options, name, aliases);
    if (wanted('run')) createFlags(parent.command('run').description('run a command in a new container'))
      .option('-d, --detach', 'run in the background and print the container ID')
      .option('-a, --attach <stream>', 'attach only these of stdin, stdout and stderr (default: stdout and stderr, stdin too with -i)', collect)
      .option('--sig-proxy', 'send the signals the command receives to the container (the default; also --sig-proxy=true)')
      .option('--no-sig-proxy', 'let signals act on the command itself (also --sig-proxy=false)')
      .option('--rmi', 'remove the image once the container is gone, unless another container uses it (implies --rm)')
      .action(act(async (engine, image: string, command: string[], opts: RunFlags) => runContainer(engine, image, command, opts)));

    if (wanted('create')) createFlags(parent.command('create').description('create a container without starting it'))
      .action(act(async (engine, image: string, command: string[], opts: RunFlags) => {
        const options = await checkedThenPulled(engine, image, command, opts);
        const container = await withCidFile(opts.cidfile, async (created) => {
          const made = await engine.create({ ...options, autoRemove: opts.rm === true });
          created(made);
          return made;
        });
        process.stdout.write(`${container.id}\n`);
      }));

    if (wanted('start')) parent.command('start').description('start one or more containers').argument('[containers...]')
      .option('--all', 'every container that is not running')
      .option('-l, --latest', 'the container made last')
      .option('--cidfile <file>', 'read the container ID from a file (as run --cidfile wrote it)', collect)
      .option('--filter <filter>', FILTER_DESCRIPTION, collect)
      .option('-a, --attach', 'attach to the container output until it exits')
      .option('-i, --interactive', 'with -a: send stdin to the container')
      .option('--detach-keys <keys>', `with -a: keys that detach and leave the container running (default ${DEFAULT_DETACH_KEYS}; "" for none)`)
      .option('--sig-proxy', 'with -a: send the signals the command receives to the container (the default; also --sig-proxy=true)')
      .option('--no-sig-proxy', 'with -a: let signals act on the command itself (also --sig-proxy=false)')
      .action(act(async (engine, given: string[], opts: TargetFlags & { attach?: boolean; interactive?: boolean; detachKeys?: string; sigProxy?: boolean }) => {
        const refs = await targetsOf(engine, given, opts, (c) => c.state.status !== 'running' && c.state.status !== 'paused');
        if (opts.attach) {
          if (refs.length !== 1) throw new EngineError('invalid-option', 'you cannot start and attach multiple containers at once', {});
          const detachKeys = parseDetachKeys(opts.detachKeys);
          let container = await engine.get(refs[0]!);
          // Without a log, an exited container's output is seen only through an attach before its start.
          if (container.state.status === 'stopped' && container.config.logDriver === 'none') container = await engine.init(container.id);
          const { status } = container.state;
          // An exited container's start spawns a new conmon, under the lock watch() holds shared: started first,
          // with a foreground run's exit delay, since this start -a cleans up after it itself; followed from
          // where its log ends now, so that its earlier runs' output is not printed again.
          const from = logEnd(container.config.logPath);
          if (status === 'stopped') await engine.start(container.id, { exitCommandDelay: FOREGROUND_EXIT_COMMAND_DELAY });
          const attach = status === 'created' && (container.config.stdin || container.config.spec.process.terminal || container.config.logDriver === 'none') ? { stdin: opts.interactive === true, detachKeys } : undefined;
          return followRun(engine, container.id, container.config.autoRemove === true, () => withSignalsProxied(engine, container.id, opts.sigProxy !== false, () =>
            (status === 'stopped' ? followToExit(engine, container.id, from) : startAndFollow(engine, container.id, attach))));
        }
        for (const ref of refs) {
          await engine.start(ref);
          process.stdout.write(`${ref}\n`);
        }
      }));

    if (wanted('attach')) latestOption(parent.command('attach').description('attach to a running container\'s terminal or stdio').argument('[container]'))
      .option('--no-stdin', 'do not send stdin to the container')
      .option('--detach-keys <keys>', `keys that detach and leave the container running (default ${DEFAULT_DETACH_KEYS}; "" for none)`)
      .option('--sig-proxy', 'send the signals the command receives to the container (the default; also --sig-proxy=true)')
      .option('--no-sig-proxy', 'let signals act on the command itself (also --sig-proxy=false)')
      .action(act(async (engine, given: string | undefined, opts: { stdin?: boolean; detachKeys?: string; sigProxy?: boolean; latest?: boolean }) =>
        exitCodeOf(await engine.watch((await withLatest(engine, given, [], opts.latest))[0], (id) => withSignalsProxied(engine, id, opts.sigProxy !== false, () =>
          attachToExit(engine, id, { stdin: opts.stdin !== false, start: false, detachKeys: parseDetachKeys(opts.detachKeys) }))))));

    if (wanted('stop')) targetOptions(parent.command('stop').description('stop one or more containers').argument('[containers...]'), 'every running container')
      .option('-t, --time <seconds>', 'seconds to wait before killing the container')
      .option('-i, --ignore', 'a container that does not exist is not an error')
      .action(act(async (engine, given: string[], opts: TargetFlags & { time?: string; ignore?: boolean }) => {
        const timeout = opts.time === undefined ? undefined : parsePositive(opts.time, 'timeout');
        for (const ref of await targetsOf(engine, given, opts, (c) => c.state.status === 'running' || c.state.status === 'paused')) {
          try {
            await engine.stop(ref, timeout);
          } catch (err) {
            if (opts.ignore && isEngineError(err, 'container-unknown')) continue;
            throw err;
          }
          process.stdout.write(`${ref}\n`);
        }
      }));

    if (wanted('kill')) targetOptions(parent.command('kill').description('send a signal to one or more containers').argument('[containers...]'), 'every running container')
      .option('-s, --signal <signal>', 'signal to send', 'KILL')
      .action(act(async (engine, given: string[], opts: TargetFlags & { signal: string }) => {
        for (const ref of await targetsOf(engine, given, opts, (c) => c.state.status === 'running' || c.state.status === 'paused')) {
          await engine.kill(ref, opts.signal);
          process.stdout.write(`${ref}\n`);
        }
      }));

    if (wanted('restart')) targetOptions(parent.command('restart').description('stop and start one or more containers').argument('[containers...]'), 'every container')
      .option('-t, --time <seconds>', 'seconds to wait before killing the container')
      .option('--running', 'with --all: only the running containers')
      .action(act(async (engine, given: string[], opts: TargetFlags & { time?: string; running?: boolean }) => {
        for (const ref of await targetsOf(engine, given, opts, (c) => !opts.running || c.state.status === 'running')) {
          const container = await engine.restart(ref, opts.time === undefined ? undefined : parsePositive(opts.time, 'timeout'));
          process.stdout.write(`${container.id}\n`);
        }
      }));

    if (wanted('rm')) targetOptions(parent.command('rm').description('remove one or more containers').argument('[containers...]'), 'remove all containers')
      .option('-f, --force', 'stop running containers first')
      .option('--depend', 'also the containers that depend on them (join their namespaces, require them), those first')
      .option('-v, --volumes', 'remove the containers\' anonymous volumes too')
      .option('-i, --ignore', 'a container that does not exist is not an error')
      .option('-t, --time <seconds>', 'with -f: seconds to wait for a running container to stop before killing it (default: its stop timeout)')
      .action(act(async (engine, given: string[], opts: TargetFlags & { force?: boolean; volumes?: boolean; ignore?: boolean; time?: string; depend?: boolean }) => {
        const timeoutSeconds = opts.time === undefined ? undefined : parsePositive(opts.time, 'timeout');
        const targets = await targetsOf(engine, given, opts);
        for (const ref of await inRemovalOrder(engine, opts.depend ? await withDependents(engine, targets) : targets)) {
          try {
            process.stdout.write(`${await engine.remove(ref, { force: opts.force, volumes: opts.volumes, timeoutSeconds })}\n`);
          } catch (err) {
            if (!(opts.ignore && isEngineError(err, 'container-unknown'))) throw err;
          }
        }
      }));

    if (wanted('ps', parent === program ? [] : PS_GROUP_ALIASES)) parent.command('ps').description('list containers')
      .option('-a, --all', 'show all containers, not only running ones')
      .option('-q, --quiet', 'print only the container IDs')
      .option('--no-trunc', 'do not truncate IDs')
      .option('--format <format>', '`json`, or a Go template (`{{.ID}} {{.Names}}`, `table {{.Names}}\\t{{.Status}}`)')
      .option('-f, --filter <filter>', 'filter by id, name, status, label, exited, ancestor, volume, network', collect, [])
      .option('-s, --size', 'show each container\'s size: its own layer, and the whole root filesystem (virtual)')
      .option('-n, --last <n>', 'the n containers made last, in any state')
      .option('-l, --latest', 'the container made last, in any state')
      .option('--noheading', 'no header line in the table')
      .option('--external', 'also the store\'s containers that other tools made (podman\'s, buildah\'s): status Storage')
      .addOption(new Option('--sort <key>', 'the order of the listing (default: created, oldest first, as podman\'s)').choices(Object.keys(PS_SORT_KEYS)))
      .action(act(async (engine, opts: {
        all?: boolean; quiet?: boolean; trunc?: boolean; format?: string; filter: string[]; size?: boolean; last?: string; latest?: boolean; noheading?: boolean;
        sort?: keyof typeof PS_SORT_KEYS; external?: boolean;
      }) => {
        const filters = parseFilters(opts.filter);
        // --last and --latest count the containers made last, whatever their state, as podman's.
        const last = opts.latest ? 1 : opts.last === undefined ? undefined : parsePositive(opts.last, 'last');
        const external = opts.external ? await engine.externalContainers() : [];
        const byCreation = [...(await engine.list()).map((c) => engine.info(c)), ...external]
          .filter((info) => opts.all || last !== undefined || filters.has('status') || info.status === 'running' || info.status === 'storage')
          .filter((info) => matchesFilters(info, filters))
          .sort(PS_SORT_KEYS.created);
        const newest = byCreation.slice(last === undefined ? 0 : Math.max(0, byCreation.length - last));
        // Already in creation order: another --sort key orders them again.
        const infos = opts.sort && opts.sort !== 'created' ? newest.sort(PS_SORT_KEYS[opts.sort]) : newest;
        if (opts.quiet) process.stdout.write(infos.map((i) => `${opts.trunc === false ? i.id : i.id.slice(0, 12)}\n`).join(''));
        else if (opts.format === 'json') process.stdout.write(`${JSON.stringify(infos.map(psJson), null, 4)}\n`);
        else {
          // No format is podman's default listing, a table made by the same template code.
          process.stdout.write(await (await import('./listings.js')).psListing(engine, infos, opts));
        }
      }));

    if (wanted('logs')) latestOption(parent.command('logs').description('print the logs of containers (of several: each line after its container\'s ID)').argument('[containers...]'))
      .option('-f, --follow', 'follow the log until the container exits')
      .option('--since <time>', 'only logs since this RFC 3339 time or duration (10m)')
      .option('--until <time>', 'only logs before this RFC 3339 time or duration')
      .option('--tail <n>', 'only the last n lines')
      .option('-t, --timestamps', 'show timestamps')
      .option('-n, --names', 'with several containers: each line after its container\'s name instead')
      .action(act(async (engine, given: string[], opts: { follow?: boolean; since?: string; until?: string; tail?: string; timestamps?: boolean; names?: boolean; latest?: boolean }) => {
        const refs = await namedOrLatest(engine, given, opts.latest);
        const read = {
          follow: opts.follow,
          since: opts.since ? pointInTime(opts.since) : undefined,
          until: opts.until ? pointInTime(opts.until) : undefined,
          tail: opts.tail === undefined ? undefined : parsePositive(opts.tail, 'tail'),
        };
        // As podman's: one container's lines bare, several's each after the container's short ID (or name, -n).
        const print = async (id: string): Promise<void> => {
          const prefix = refs.length === 1 ? '' : `${opts.names ? (await engine.get(id)).name : id.slice(0, 12)} `;
          let lineStart = true;
          for await (const record of engine.logs(id, read)) {
            writeRecord(record, opts.timestamps === true, lineStart ? prefix : '');
            lineStart = record.full;
          }
        };
        // Followed to the exit (a --rm container's cleanup waits until the last line is read), several side by side; else one after another.
        if (opts.follow) await Promise.all(refs.map((ref) => engine.watch(ref, print)));
        else for (const ref of refs) await print((await engine.get(ref)).id);
      }));

    if (wanted('inspect')) latestOption(parent.command('inspect').description('show the configuration and state of containers or images').argument('[names...]'))
      .option('-f, --format <format>', '`json` (default) or a Go template (`{{.State.Status}}`)')
      .addOption(new Option('-t, --type <type>', 'what the names are').choices(['container', 'image', 'volume', 'network', 'all']).default(inspectType))
      .option('-s, --size', 'a container\'s SizeRw (its layer) and SizeRootFs (with its image)')
      .action(act(async (engine, given: string[], opts: { format?: string; type: InspectType; latest?: boolean; size?: boolean }) => {
        const refs = await namedOrLatest(engine, given, opts.latest);
        const documents = [];
        for (const ref of refs) documents.push(await inspectObject(engine, ref, opts.type, opts.size === true));
        if (opts.format && opts.format !== 'json') {
          // A network's template sees podman's Go names (its JSON has others).
          process.stdout.write((await import('./listings.js')).inspectListing(opts.format, documents.map((d) => (isNetworkDocument(d) ? networkGoDocument(d) : d))));
        } else process.stdout.write(`${JSON.stringify(documents, null, 4)}\n`);
      }));

    if (wanted('port')) latestOption(parent.command('port').description('list the published ports of a container').argument('[container]').argument('[port]'))
      .option('-a, --all', 'the published ports of every container, each line after its short ID')
      .action(act(async (engine, given: string | undefined, givenPort: string | undefined, opts: { latest?: boolean; all?: boolean }) => {
        if (opts.all) {
          if (given !== undefined || opts.latest) throw new EngineError('invalid-option', 'the --all and --latest flags and a container name cannot be used together', {});
          for (const container of await byAge(engine)) {
            for (const m of (await engine.networkAttachment(container))?.portMappings ?? []) process.stdout.write(`${container.id.slice(0, 12)}\t${formatPortMapping(m)}\n`);
          }
          return;
        }
        const [ref, [port]] = await withLatest(engine, given, givenPort === undefined ? [] : [givenPort], opts.latest);
        const mappings = (await engine.networkAttachment(await engine.get(ref)))?.portMappings ?? [];
        if (port === undefined) {
          for (const m of mappings) process.stdout.write(`${formatPortMapping(m)}\n`);
          return;
        }
        // podman: `port CTR 80` (tcp assumed) prints only the host side.
        const [number, protocol = 'tcp'] = port.split('/');
        const found = mappings.filter((m) => String(m.containerPort) === number && m.protocol === protocol);
        if (found.length === 0) throw new EngineError('invalid-option', `failed to find published port "${number}/${protocol}"`, { port });
        for (const m of found) process.stdout.write(`${m.hostIP ?? '0.0.0.0'}:${m.hostPort}\n`);
      }));

    if (wanted('top')) latestOption(parent.command('top').description('show the processes of a running container (podman\'s descriptors: user pid ppid pcpu etime tty time args by default)')
      .argument('[container]').argument('[descriptors...]'))
      .action(act(async (engine, given: string | undefined, descriptors: string[], opts: { latest?: boolean }) => {
        const [ref, requested] = await withLatest(engine, given, descriptors, opts.latest);
        const table = await engine.top(ref, requested);
        process.stdout.write((await import('./listings.js')).topListing(table));
      }));

    if (wanted('cp')) parent.command('cp').description('copy files between a container and the host (CONTAINER:PATH on one side)')
      .argument('<source>').argument('<target>')
      .option('-a, --archive', 'into a container, its user owns the copied files (the default; also --archive=true)')
      .option('--no-archive', 'the copied files keep their owners (also --archive=false)')
      .option('--overwrite', 'let a directory replace a file, or a file a directory')
      .action(act(async (engine, source: string, target: string, opts: { archive?: boolean; overwrite?: boolean }) => {
        await engine.copy(source, target, opts);
      }));

    const exportVerb = (command: Command): Command => command.description("write a container's filesystem as a tar archive")
      .argument('<container>')
      .option('-o, --output <file>', 'write to a file (complete or not at all) instead of stdout')
      .action(act(async (engine, ref: string, opts: { output?: string }) => {
        await exportContainer(engine, ref, opts.output);
      }));
    if (wanted('export')) exportVerb(parent.command('export'));
    registerRootfsVerbs(parent, wanted, act);

    if (wanted('wait')) latestOption(parent.command('wait').description('wait for containers to exit (or reach a --condition) and print their exit codes').argument('[containers...]'))
      .option('--condition <state>', 'created, running, paused, stopped or exited (repeatable: any of them); default stopped', collect, [])
      .option('-i, --interval <duration>', 'how often to look, for a condition other than stopped (250ms, 1s)', '250ms')
      .action(act(async (engine, given: string[], opts: { condition: string[]; interval: string; latest?: boolean }) => {
        const refs = await namedOrLatest(engine, given, opts.latest);
        const wanted = waitConditions(opts.condition);
        const interval = parseDuration(opts.interval, 'interval');
        for (const ref of refs) {
          // The exit alone: followed to it (its cleanup waits for the exit code to be read); other conditions are looked for.
          if (wanted.size === 1 && wanted.has(ContainerStatus.Stopped)) process.stdout.write(`${await engine.watch(ref, (id) => engine.wait(id))}\n`);
          else process.stdout.write(`${await engine.waitFor(ref, wanted, interval)}\n`);
        }
      }));

    if (wanted('exec')) parent.command('exec').description('run a command in a running container')
      .argument('[container]').argument('[command...]')
      .option('-l, --latest', 'the container made last: every operand is the command')
      .option('-i, --interactive', 'keep stdin open')
      .option('-t, --tty', 'allocate a terminal')
      .option('-e, --env <env>', 'set environment variables', collect, [])
      .option('--env-file <file>', 'read environment variables from a file', collect, [])
      .option('-u, --user <user>', 'user[:group] to run as')
      .option('-w, --workdir <dir>', 'working directory')
      .option('--privileged', 'every capability for the command (and no no_new_privs)')
      .option('-d, --detach', 'start the command and return; its output goes nowhere')
      .passThroughOptions()
      .action(act(async (engine, given: string | undefined, operands: string[], opts: {
        interactive?: boolean; tty?: boolean; env: string[]; envFile: string[]; user?: string; workdir?: string; privileged?: boolean; detach?: boolean; latest?: boolean;
      }) => {
        const [ref, command] = await withLatest(engine, given, operands, opts.latest);
        if (command.length === 0) throw new EngineError('invalid-option', 'must provide a non-empty command to start an exec session: invalid argument', {});
        const options = { env: environment(opts.env, opts.envFile, process.env), user: opts.user, cwd: opts.workdir, privileged: opts.privileged };
        if (opts.detach) {
          if (opts.interactive || opts.tty) throw new EngineError('invalid-option', 'exec --detach takes no -i or -t: nothing would read or write its terminal', {});
          const { sessionId } = await engine.execDetached(ref, command, options);
          process.stdout.write(`${sessionId}\n`);
          return 0;
        }
        if (opts.interactive || opts.tty) return engine.execInteractive(ref, command, { ...options, tty: opts.tty });
        const result = await engine.exec(ref, command, options);
        process.stdout.write(result.stdout);
        process.stderr.write(result.stderr);
        return result.exitCode;
      }));

    for (const [verb, description] of [['pause', 'pause all processes in containers'], ['unpause', 'unpause all processes in containers']] as const) {
      if (!wanted(verb)) continue;
      targetOptions(parent.command(verb).description(description).argument('[containers...]'), verb === 'pause' ? 'every running container' : 'every paused container')
        .action(act(async (engine, given: string[], opts: TargetFlags) => {
          for (const ref of await targetsOf(engine, given, opts, (c) => c.state.status === (verb === 'pause' ? 'running' : 'paused'))) {
            await (verb === 'pause' ? engine.pause(ref) : engine.unpause(ref));
            process.stdout.write(`${ref}\n`);
          }
        }));
    }

    if (wanted('stats')) latestOption(parent.command('stats').description('show CPU, memory and PIDs of running containers (none named: every running one)').argument('[containers...]'))
      .option('--no-stream', 'print one sample and exit')
      .option('-i, --interval <seconds>', 'seconds between samples (default 1)')
      .option('--no-trunc', 'full IDs in the table')
      .option('--format <format>', '`json`, or a Go template (`{{.Name}} {{.MemUsage}} {{.CPUPerc}}`)')
      .action(act(async (engine, named: string[], opts: { stream?: boolean; interval?: string; trunc?: boolean; format?: string; latest?: boolean }) => {
        const given = opts.latest ? await namedOrLatest(engine, named, true) : named;
        const intervalMs = opts.interval === undefined ? 1000 : parsePositive(opts.interval, 'interval') * 1000;
        for (;;) {
          const rows = [];
          // As podman's: without names, the containers running at each sample.
          const refs = given.length ? given : (await engine.list()).filter((c) => c.state.status === 'running').map((c) => c.id);
          for (const ref of refs) {
            const container = await engine.get(ref);
            rows.push({ id: container.id, name: container.name, started: engine.info(container).started, ...(await engine.stats(ref)) });
          }
          if (opts.format === 'json') process.stdout.write(`${JSON.stringify(rows.map(({ started: _, ...row }) => row), null, 4)}\n`);
          else if (opts.format) process.stdout.write((await import('./listings.js')).statsListing(opts.format, rows));
          else process.stdout.write(statsTable(rows, opts.trunc === false));
          if (opts.stream === false) return;
          await new Promise((resolve) => setTimeout(resolve, intervalMs));
        }
      }));

    if (wanted('update')) parent.command('update').description('change the resource limits of containers').argument('<containers...>')
      .option('-m, --memory <size>', 'memory limit (64m, 1g)')
      .option('--cpus <n>', 'number of CPUs')
      .option('--cpu-shares <n>', 'CPU shares')
      .option('--cpu-period <us>', 'CFS period in microseconds (not with --cpus)')
      .option('--cpu-quota <us>', 'CFS quota in microseconds per period (not with --cpus)')
      .option('--memory-swappiness <n>', '0-100: how readily the kernel swaps its memory out')
      .option('--memory-reservation <size>', 'memory soft limit')
      .option('--memory-swap <size>', 'memory plus swap limit (-1: unlimited swap)')
      .option('--cpuset-cpus <list>', 'CPUs it may run on (0-3,5)')
      .option('--cpuset-mems <list>', 'memory nodes it may use')
      .option('--pids-limit <n>', 'maximum number of processes')
      .action(act(async (engine, refs: string[], opts: {
        memory?: string; memorySwappiness?: string; memoryReservation?: string; memorySwap?: string; cpus?: string; cpuShares?: string; cpuPeriod?: string; cpuQuota?: string;
        cpusetCpus?: string; cpusetMems?: string; pidsLimit?: string;
      }) => {
        const resources: OciLinuxResources = {};
        if (opts.memory || opts.memorySwappiness || opts.memoryReservation || opts.memorySwap) {
          resources.memory = {};
          if (opts.memory) resources.memory.limit = parseSize(opts.memory);
          if (opts.memorySwappiness) resources.memory.swappiness = parseInRange(opts.memorySwappiness, 'memory swappiness', 0, 100);
          if (opts.memoryReservation) resources.memory.reservation = parseSize(opts.memoryReservation);
          if (opts.memorySwap) resources.memory.swap = opts.memorySwap === '-1' ? -1 : parseSize(opts.memorySwap);
        }
        if (opts.cpus && (opts.cpuPeriod || opts.cpuQuota)) {
          throw new EngineError('invalid-option', `${opts.cpuPeriod ? '--cpu-period' : '--cpu-quota'} and --cpus cannot be set together`, {});
        }
        if (opts.cpus || opts.cpuShares || opts.cpuPeriod || opts.cpuQuota || opts.cpusetCpus || opts.cpusetMems) {
          resources.cpu = {};
          if (opts.cpusetCpus) resources.cpu.cpus = checkedCpuList(opts.cpusetCpus, 'cpuset-cpus');
          if (opts.cpusetMems) resources.cpu.mems = checkedCpuList(opts.cpusetMems, 'cpuset-mems');
          if (opts.cpus) Object.assign(resources.cpu, { quota: Math.round(parsePositive(opts.cpus, 'cpus') * 100_000), period: 100_000 });
          if (opts.cpuShares) resources.cpu.shares = parsePositive(opts.cpuShares, 'cpu shares');
          if (opts.cpuPeriod) resources.cpu.period = parsePositive(opts.cpuPeriod, 'cpu period');
          if (opts.cpuQuota) resources.cpu.quota = parsePositive(opts.cpuQuota, 'cpu quota');
        }
        if (opts.pidsLimit) resources.pids = { limit: parsePositive(opts.pidsLimit, 'pids limit') };
        for (const ref of refs) {
          await engine.update(ref, resources);
          process.stdout.write(`${(await engine.get(ref)).id}\n`);
        }
      }));
  };
  verbs(program, 'all');
  registerSystemVerbs(program, (name) => selects(options, name), act);
  if (selects(options, 'volume')) registerVolumeVerbs(program, act, setExit);
  if (selects(options, 'network')) registerNetworkVerbs(program, act, setExit);
  if (selects(options, 'secret')) registerSecretVerbs(program, act, setExit);
  if (selects(options, 'events')) registerEventsVerb(program, act);
  if (selects(options, 'healthcheck')) registerHealthcheckVerbs(program, act);

  const container = program.command('container').description('manage containers');
  if (options.groupVerbs) {
    verbs(container, 'container');
    const ps = container.commands.find((command) => command.name() === 'ps');
    for (const alias of PS_GROUP_ALIASES) ps?.alias(alias);
  }
  if (options.groupVerbs) registerContainerGroupVerbs(container, act, (name) => selects(options, name), globals);
}

/**
 * podman's `inspect`: a container by that name or ID, else (type `all`) an
 * image; neither is podman's "no such object".
 */
type InspectType = 'container' | 'image' | 'volume' | 'network' | 'all';

async function inspectObject(engine: ContainerEngine, ref: string, type: InspectType, size = false): Promise<object> {
  if (type === 'volume') return volumeDocument((await engine.volumes()).get(ref));
  if (type === 'network') {
    const { configDir, defaults } = cniOf(engine);
    return inspectNetwork(configDir, ref, defaults);
  }
  if (type !== 'image') {
    try {
      const container = await engine.get(ref);
      return await inspectDocument(engine, container, await engine.networkAttachment(container), { size });
    } catch (err) {
      if (type === 'container' || !(err instanceof EngineError && err.code === 'container-unknown')) throw err;
    }
  }
  // Short names resolve as for run (`busybox` is localhost/x/busybox:latest when that is the only match).
  let image: Image;
  try {
    image = await engine.findImage(ref);
  } catch (err) {
    if (type === 'all' && err instanceof EngineError && err.code === 'image-unknown') return otherObject(engine, ref, err);
    throw err;
  }
  // The image code loads only when a name is not a container's.
  const [{ serveOn }, { imageInspectDocument }] = await Promise.all([import('../image/server.js'), import('../image/verbs/inspect.js')]);
  return serveOn(engine.store, (server) => imageInspectDocument(server, image.id));
}

/** podman inspect's last places to look for a name that is no container's or image's: a volume, then a network. */
async function otherObject(engine: ContainerEngine, ref: string, cause: unknown): Promise<object> {
  const volumes = await engine.volumes();
  if (volumes.exists(ref)) return volumeDocument(volumes.get(ref));
  if (engine.cni) {
    try {
      return await inspectNetwork(engine.cni.configDir, ref, engine.cni.defaults);
    } catch (err) {
      if (!isNetworkError(err, 'network-unknown')) throw err;
    }
  }
  throw new EngineError('object-unknown', `no such object: ${JSON.stringify(ref)}`, { ref }, { cause });
}

/**
 * To `output` with writeFileAtomic (a failed export leaves no partial archive
 * and an existing file as it was), else to stdout when it is not a terminal.
 */
async function exportContainer(engine: ContainerEngine, ref: string, output: string | undefined): Promise<void> {
  if (output === undefined) {
    if (process.stdout.isTTY) throw new EngineError('invalid-option', 'berth export refuses to write an archive to a terminal: use --output FILE or redirect stdout', {});
    await engine.export(ref, process.stdout, { end: false });
    return;
  }
  const tar = new PassThrough();
  // An export refused before its first byte (an unknown container) must still end the stream the file waits
  // on; destroyed without an error (the export's is the one to report), the write fails and removes its temp.
  const exported = engine.export(ref, tar).catch((err: unknown) => {
    tar.destroy();
    throw err;
  });
  const [exporting, writing] = await Promise.allSettled([exported, writeFileAtomic(output, tar, { mode: 0o644 })]);
  // Whichever side failed first broke the stream for the other, which then fails with a premature
  // close (the export gave up) or an abort (the file's write gave up, ENOSPC say): report the first.
  if (writing.status === 'rejected' && !brokenStream(writing.reason)) throw writing.reason;
  if (exporting.status === 'rejected') throw exporting.reason;
  if (writing.status === 'rejected') throw writing.reason;
}

/** The error a stream fails with when the other end of a pipe gave up, not a cause of its own. */
function brokenStream(reason: unknown): boolean {
  const { code } = reason as NodeJS.ErrnoException;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR';
}

interface RunFlags extends RegistryCliFlags {
  name?: string;
  platform?: string;
  os?: string;
  arch?: string;
  variant?: string;
  /** run's -a/--attach, as given. */
  attach?: string[];
  /** run's --sig-proxy (undefined: given neither way, the default, true). */
  sigProxy?: boolean;
  /** run's --rmi. */
  rmi?: boolean;
  healthCmd?: string;
  healthInterval?: string;
  healthRetries?: string;
  healthTimeout?: string;
  healthStartPeriod?: string;
  healthcheck?: boolean;
  healthOnFailure?: string;
  env: string[];
  envFile: string[];
  volume: string[];
  imageVolume?: 'bind' | 'tmpfs' | 'ignore';
  restart?: string;
  cidfile?: string;
  addHost: string[];
  dns: string[];
  dnsSearch: string[];
  dnsOption: string[];
  hosts?: boolean;
  mount: string[];
  securityOpt: string[];
  groupAdd: string[];
  shmSize?: string;
  cpuShares?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memorySwap?: string;
  memoryReservation?: string;
  memorySwappiness?: string;
  unsetenv: string[];
  httpProxy?: boolean;
  unsetenvAll?: boolean;
  oomKillDisable?: boolean;
  oomScoreAdj?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  envHost?: boolean;
  init?: boolean;
  initPath?: string;
  volumesFrom: string[];
  requires: string[];
  rootfs?: boolean;
  passwd?: boolean;
  passwdEntry?: string;
  personality?: string;
  logDriver?: string;
  pidfile?: string;
  conmonPidfile?: string;
  deviceCgroupRule: string[];
  deviceReadBps: string[];
  deviceWriteBps: string[];
  deviceReadIops: string[];
  deviceWriteIops: string[];
  envMerge: string[];
  secret: string[];
  networkAlias: string[];
  ip?: string;
  macAddress?: string;
  labelFile: string[];
  annotation: string[];
  tmpfs: string[];
  workdir?: string;
  user?: string;
  entrypoint?: string;
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  readOnly?: boolean;
  readOnlyTmpfs?: boolean;
  capAdd: string[];
  capDrop: string[];
  privileged?: boolean;
  network?: string;
  publish: string[];
  publishAll?: boolean;
  expose: string[];
  hostname?: string;
  stopSignal?: string;
  stopTimeout?: string;
  timeout?: string;
  runtime?: string;
  label: string[];
  ulimit: string[];
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  rm?: boolean;
  replace?: boolean;
  pull?: string;
  quiet?: boolean;
  signaturePolicy?: string;
  logOpt: string[];
  device: string[];
  sysctl: string[];
  detachKeys?: string;
  uidmap: string[];
  gidmap: string[];
  userns?: string;
  pid?: string;
  ipc?: string;
  uts?: string;
  cgroupns?: string;
  umask?: string;
  tz?: string;
  cgroupParent?: string;
}

function createFlags(command: Command): Command {
  return platformFlags(registryFlags(command, { retry: false }))
    .argument('<image>').argument('[command...]')
    .option('--name <name>', 'name of the container')
    .option('-e, --env <env>', 'set environment variables (KEY=VALUE, or KEY to pass the caller\'s)', collect, [])
    .option('--env-file <file>', 'read environment variables from a file', collect, [])
    .option('-v, --volume <volume>', 'a host path /host:/container[:options], a named volume name:/container[:options] (made if missing), or an anonymous volume /container', collect, [])
    .addOption(new Option('--image-volume <mode>', 'what the image\'s VOLUMEs become: anonymous volumes (bind), tmpfs, or nothing (ignore)').choices(['bind', 'tmpfs', 'ignore']))
    .option('--tmpfs <tmpfs>', 'mount a tmpfs at /path[:options]', collect, [])
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('-u, --user <user>', 'user[:group] to run as')
    .option('--entrypoint <command>', 'override the image entrypoint (a JSON array or a command)')
    .option('-m, --memory <size>', 'memory limit (64m, 1g)')
    .option('--cpus <n>', 'number of CPUs')
    .option('--pids-limit <n>', 'maximum number of processes')
    .option('--read-only', 'mount the root filesystem read-only (also --read-only=true)')
    .option('--no-read-only', 'a writable root filesystem, whatever containers.conf\'s read_only says (also --read-only=false)')
    .option('--read-only-tmpfs', 'with --read-only: writable tmpfs on /run, /tmp and /var/tmp (the default; also --read-only-tmpfs=true)')
    .option('--no-read-only-tmpfs', 'with --read-only: no writable tmpfs (also --read-only-tmpfs=false)')
    .option('--cap-add <capability>', 'add a capability', collect, [])
    .option('--cap-drop <capability>', 'drop a capability', collect, [])
    .option('--privileged', 'every capability the caller has, no seccomp, no masked paths')
    .option('--network <mode>', 'bridge (podman\'s default CNI network), a CNI network name, none, host, private (loopback only; the default) or container:NAME (a running container\'s)')
    .option('--network-alias <alias>', 'another name it has on its networks with DNS (network create\'s, with the dnsname plugin)', collect, [])
    .option('--ip <address>', 'its IPv4 address on its one CNI network (in the network\'s subnet, not taken)')
    .option('--mac-address <mac>', 'the MAC of its interface on its one CNI network')
    .option('-p, --publish <port>', 'publish [ip:]hostPort:containerPort[/proto] (on a CNI network)', collect, [])
    .option('-P, --publish-all', 'publish every exposed port (the image\'s and --expose\'s) on a free host port')
    .option('--expose <port>', 'expose port[/proto] or first-last[/proto] (published by -P)', collect, [])
    .option('--hostname <name>', 'hostname inside the container')
    .option('--stop-signal <signal>', 'signal that stops the container')
    .option('--stop-timeout <seconds>', 'seconds to wait before SIGKILL on stop')
    .option('--timeout <seconds>', 'kill the container this many seconds after it starts (0: never, the default)')
    .option('--runtime <name>', 'runtime handler (crun, runc or one from berth.conf)')
    .option('-l, --label <label>', 'set a label (key=value)', collect, [])
    .option('--ulimit <limit>', 'type=soft[:hard]', collect, [])
    .option('-i, --interactive', 'keep stdin open')
    .option('-t, --tty', 'allocate a terminal')
    .option('--detach-keys <keys>', `with -i or -t: keys that detach and leave the container running (default ${DEFAULT_DETACH_KEYS}; "" for none)`)
    .option('--pull <policy>', 'always, missing (default), never or newer: when to pull the image first')
    .option('-q, --quiet', 'no pull progress')
    .option('--signature-policy <file>', 'the policy.json an image pulled first must pass')
    .option('--log-driver <driver>', 'k8s-file (its log file, the default) or none (no log: logs refuses, a foreground run attaches)')
    .option('--secret <secret>', 'a secret of `berth secret`: NAME[,type=mount|env][,target=PATH|VAR][,uid=,gid=,mode=] (default /run/secrets/NAME, 0444)', collect, [])
    .option('--pidfile <file>', 'where the runtime writes the container\'s PID at each start')
    .option('--conmon-pidfile <file>', 'where conmon writes its PID at each start')
    .option('--device-read-bps <device:rate>', 'limit reads from a block device, in bytes per second (/dev/sda:1mb)', collect, [])
    .option('--device-write-bps <device:rate>', 'limit writes to a block device, in bytes per second', collect, [])
    .option('--device-read-iops <device:rate>', 'limit reads from a block device, in operations per second', collect, [])
    .option('--device-write-iops <device:rate>', 'limit writes to a block device, in operations per second', collect, [])
    .option('--device-cgroup-rule <rule>', 'allow devices in its cgroup: TYPE MAJOR:MINOR ACCESS (c 1:3 rwm; * for any number)', collect, [])
    .option('--env-merge <env>', 'KEY=…${VAR}…: a variable made from the image\'s (before -e)', collect, [])
    .option('--log-opt <option>', 'max-size=SIZE: conmon truncates the log when it would pass SIZE', collect, [])
    .option('--device <device>', 'a host device: /dev/x[:/dev/y[:rwm]]', collect, [])
    .option('--sysctl <sysctl>', 'a namespaced kernel parameter: name=value', collect, [])
    .option('--uidmap <map>', 'run in a user namespace with this UID map: container:host:size', collect, [])
    .option('--gidmap <map>', 'run in a user namespace with this GID map: container:host:size', collect, [])
    .option('--userns <mode>', 'auto[:size=N]: a user namespace of free subordinate IDs of the containers user; host: none (the default)')
    .option('--pid <mode>', 'host: the host\'s PID namespace; container:NAME: a running container\'s; private: its own (the default)')
    .option('--ipc <mode>', 'host: the host\'s IPC namespace, /dev/shm and /dev/mqueue; container:NAME: a running container\'s; private or shareable: its own (the default)')
    .option('--cgroupns <mode>', 'host: the host\'s cgroup namespace; private: its own (the default)')
    .option('--umask <mask>', 'the file mode creation mask of its process (octal, default 0022)')
    .option('--tz <zone>', 'its /etc/localtime: a zone of /usr/share/zoneinfo (Area/City), or local for the host\'s')
    .option('--uts <mode>', 'host: the host\'s UTS namespace and hostname; container:NAME: a running container\'s; private: its own (the default)')
    .option('--rm', 'remove the container when it exits')
    .option('--replace', 'with --name: first remove (stopping it) a container of that name')
    .option('--cidfile <file>', 'write the container ID to the file (which must not exist yet)')
    .option('--add-host <host:ip>', 'an /etc/hosts entry', collect, [])
    .option('--dns <ip>', 'a nameserver for /etc/resolv.conf instead of the host\'s', collect, [])
    .option('--dns-search <domain>', 'a search domain for /etc/resolv.conf', collect, [])
    .option('--dns-option <option>', 'a resolver option for /etc/resolv.conf', collect, [])
    .option('--no-hosts', 'keep the image\'s /etc/hosts rather than podman\'s')
    .option('--mount <mount>', 'type=bind|volume|tmpfs,source=…,target=…[,readonly][,…] (as -v and --tmpfs)', collect, [])
    .option('--security-opt <option>', 'seccomp=unconfined|FILE, no-new-privileges[=false], mask=PATHS, unmask=ALL|PATHS, label=…, apparmor=unconfined', collect, [])
    .option('--group-add <group>', 'another group for the process (GID or name)', collect, [])
    .option('--shm-size <size>', 'size of /dev/shm (default 64m)')
    .option('--cpu-shares <n>', 'CPU shares (relative weight)')
    .option('--cpuset-cpus <list>', 'CPUs it may run on (0-3,5)')
    .option('--cpuset-mems <list>', 'memory nodes it may use')
    .option('--memory-swap <size>', 'memory plus swap limit (-1: unlimited swap)')
    .option('--memory-reservation <size>', 'memory soft limit')
    .option('--memory-swappiness <n>', '0-100: how readily the kernel swaps its memory out')
    .option('--oom-kill-disable', 'no OOM kill: a process that would be killed waits for memory')
    .option('--oom-score-adj <n>', '-1000 to 1000: the OOM killer\'s bias for its processes')
    .option('--cpu-period <us>', 'CFS period in microseconds (not with --cpus)')
    .option('--cpu-quota <us>', 'CFS quota in microseconds per period (not with --cpus)')
    .option('--env-host', 'pass the caller\'s whole environment (also --env-host=true; default containers.conf env_host)')
    .option('--no-env-host', 'not the caller\'s environment, whatever containers.conf\'s env_host says (also --env-host=false)')
    .option('--init', 'run an init (catatonit) as PID 1 that forwards signals and reaps processes (also --init=true; default containers.conf init)')
    .option('--no-init', 'no init, whatever containers.conf\'s init says (also --init=false)')
    .option('--passwd', 'a numeric -u the image\'s /etc/passwd lacks gets an entry there (the default; also --passwd=true)')
    .option('--no-passwd', 'no /etc/passwd entry for the user (also --passwd=false)')
    .option('--passwd-entry <template>', 'that entry: $USERNAME, $UID, $GID, $NAME and $HOME are filled in')
    .option('--personality <domain>', 'LINUX32 (a 32-bit uname on a 64-bit host) or LINUX')
    .option('--rootfs', 'the first operand is a directory of the host to run in (and write into) instead of an image')
    .option('--requires <containers>', 'containers (comma-separated) started before it at each start, and not removed while it exists', collect, [])
    .option('--volumes-from <container>', 'also mount another container\'s volumes and binds (CONTAINER[:ro|rw]: all read-only or writable; else each as it is there)', collect, [])
    .option('--init-path <path>', 'the init binary on the host (default containers.conf init_path, else /usr/libexec/podman/catatonit)')
    .option('--http-proxy', 'pass the host\'s proxy variables (http_proxy, https_proxy, ftp_proxy, no_proxy) to it (the default; also --http-proxy=true)')
    .option('--no-http-proxy', 'do not pass the host\'s proxy variables (also --http-proxy=false)')
    .option('--unsetenv <name>', 'leave a default or image variable out (container, TERM, PATH, …)', collect, [])
    .option('--unsetenv-all', 'no default or image variables: only those -e and --env-file give')
    .option('--label-file <file>', 'read labels from a file (KEY=VALUE lines)', collect, [])
    .option('--annotation <annotation>', 'an OCI annotation (key=value)', collect, [])
    .option('--restart <policy>', 'no, on-failure[:max-retries], always or unless-stopped: run it again when it exits (not after stop or kill)')
    .option('--cgroup-parent <path>', 'the cgroup the container\'s own goes under (default /berth)')
    .option('--health-cmd <command>', 'its health check: a shell command, or a JSON array (["CMD", …]); "none" drops the image\'s')
    .option('--health-interval <duration>', 'how often the check is to run (default 30s)')
    .option('--health-retries <n>', 'failures in a row that make it unhealthy (default 3)')
    .option('--health-timeout <duration>', 'how long one check may take (default 30s)')
    .option('--health-start-period <duration>', 'time after a start in which failures do not count (default 0s)')
    .option('--no-healthcheck', 'no health check, not even the image\'s')
    .option('--health-on-failure <action>', 'none (the default), kill, restart or stop: what an unhealthy result of healthcheck run does to it')
    .passThroughOptions();
}

/**
 * podman's --uidmap/--gidmap (a GID map defaults to the UID map, and the
 * reverse) and --userns=host|auto[:size=N].
 */
function userNamespaceOf(opts: RunFlags): Pick<CreateOptions, 'uidMap' | 'gidMap' | 'autoUserNs' | 'autoUserNsSize'> {
  const [mode, settings] = splitOnce(opts.userns ?? 'host', ':');
  // podman's words as root; Berth runs as root only.
  if (mode === 'keep-id' || mode === 'nomap') throw new EngineError('invalid-option', `${mode} is only supported in rootless mode`, { userns: opts.userns });
  if (mode !== 'host' && mode !== 'auto') throw new EngineError('invalid-option', `--userns ${opts.userns}: want auto[:size=N] or host`, { userns: opts.userns });
  let uidMap: IDMap[];
  let gidMap: IDMap[];
  try {
    uidMap = parseIdMapSpecs(opts.uidmap, 'uid');
    gidMap = parseIdMapSpecs(opts.gidmap, 'gid');
  } catch (err) {
    throw new EngineError('invalid-option', (err as Error).message, { uidmap: opts.uidmap, gidmap: opts.gidmap });
  }
  if (mode === 'auto') {
    if (uidMap.length || gidMap.length) throw new EngineError('invalid-option', '--userns=auto cannot be combined with --uidmap or --gidmap', {});
    return { autoUserNs: true, ...autoUserNsSettings(opts.userns!, settings) };
  }
  if (settings !== undefined) throw new EngineError('invalid-option', `--userns ${opts.userns}: host takes no options`, { userns: opts.userns });
  if (!uidMap.length && !gidMap.length) return {};
  return { uidMap: uidMap.length ? uidMap : gidMap, gidMap: gidMap.length ? gidMap : uidMap };
}

/** `size=N` of `--userns=auto:size=N` (podman's other auto options, uidmapping= and gidmapping=, are not taken). */
function autoUserNsSettings(userns: string, settings: string | undefined): Pick<CreateOptions, 'autoUserNsSize'> {
  const out: Pick<CreateOptions, 'autoUserNsSize'> = {};
  for (const setting of settings === undefined ? [] : settings.split(',')) {
    const [key, value = ''] = splitOnce(setting, '=');
    if (key !== 'size' || !/^[1-9]\d*$/.test(value) || Number(value) > 0xffffffff) {
      throw new EngineError('invalid-option', `--userns ${userns}: ${JSON.stringify(setting)} is not size=N with N a positive 32-bit number`, { userns });
    }
    out.autoUserNsSize = Number(value);
  }
  return out;
}

/**
 * --pid, --ipc, --uts, --cgroupns: `host`, or one of `own` for the container's own namespace;
 * `container:NAME` where `joinable` is left to joinedContainerRefs (podman's ns: and none modes
 * are not taken, nor --cgroupns container:).
 */
function namespaceMode(flag: string, value: string | undefined, own: readonly string[], joinable = true): NamespaceMode | undefined {
  if (value === undefined || (joinable && value.startsWith(CONTAINER_MODE))) return undefined;
  if (value === 'host') return 'host';
  if (own.includes(value)) return 'private';
  const modes = ['host', ...own, ...(joinable ? ['container:NAME'] : [])];
  throw new EngineError('invalid-option', `--${flag} ${JSON.stringify(value)}: Berth takes ${modes.slice(0, -1).join(', ')} or ${modes.at(-1)}`, { [flag]: value });
}

/** podman's rm --depend: the containers named and, transitively, those that depend on them (by ID); a missing one as given, for rm to report. */
async function withDependents(engine: ContainerEngine, refs: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  const visit = async (ref: string): Promise<void> => {
    const container = await engine.get(ref).catch(() => undefined);
    if (!container) {
      found.add(ref);
      return;
    }
    if (found.has(container.id)) return;
    found.add(container.id);
    for (const dependent of container.config.dependents ?? []) if (await engine.store.exists(dependent)) await visit(dependent);
  };
  for (const ref of refs) await visit(ref);
  return [...found];
}

/** Several containers to remove, each before any container it joins; one, as given (a missing one is rm's to report). */
async function inRemovalOrder(engine: ContainerEngine, refs: string[]): Promise<string[]> {
  if (refs.length < 2) return refs;
  const found = await Promise.all(refs.map((ref) => engine.get(ref).catch(() => undefined)));
  if (found.some((container) => container === undefined)) return refs;
  return dependentsFirst(found as Container[]).map((container) => refs[found.indexOf(container)]!);
}

/** --umask: an octal file mode mask. */
function parseUmask(text: string): number {
  const mask = umaskOf(text);
  if (mask === undefined) throw new EngineError('invalid-option', `invalid umask ${JSON.stringify(text)}: want an octal mask such as 0022`, { umask: text });
  return mask;
}

/** podman's `container:` mode: another container's namespace, joined. */
const CONTAINER_MODE = 'container:';

/** The containers named by `container:NAME` values of --network, --pid, --ipc and --uts, by namespace; undefined when none is. */
function joinedContainerRefs(values: Partial<Record<JoinableNamespace, string>>): Partial<Record<JoinableNamespace, string>> | undefined {
  const refs = Object.entries(values).filter(([, value]) => value?.startsWith(CONTAINER_MODE)).map(([type, value]) => {
    const ref = value!.slice(CONTAINER_MODE.length);
    if (ref === '') throw new EngineError('invalid-option', `--${type} container: needs a container's name or ID`, { [type]: value });
    return [type, ref];
  });
  return refs.length ? Object.fromEntries(refs) as Partial<Record<JoinableNamespace, string>> : undefined;
}

/** --pids-limit N: a positive limit, or 0 for none (podman takes -1 and 0 for none). */
function pidsLimitOf(text: string): number {
  return text.trim() === '-1' ? 0 : parsePositive(text, 'pids limit');
}

/** `defaultNetwork`: what `--network bridge` names (containers.conf's default_network, else podman's). */
function createOptions(image: string, command: string[], opts: RunFlags, defaultNetwork: () => string): CreateOptions {
  // Checked again when the file is made; here before any pull, which a taken path must not cost.
  if (opts.cidfile !== undefined && existsSync(opts.cidfile)) {
    throw new EngineError('invalid-option', `container id file exists. Ensure another container is not using it or delete ${opts.cidfile}`, { cidfile: opts.cidfile });
  }
  if (opts.replace && opts.name === undefined) throw new EngineError('invalid-option', 'cannot replace container without --name being set', {});
  // Neither given: containers.conf's netns chooses, when the engine makes the container.
  const publishes = opts.publish.length > 0 || opts.publishAll === true;
  // What needs a CNI network (a published port, a static address) gets podman's default one when none is named.
  const given = opts.network ?? (publishes || opts.ip !== undefined || opts.macAddress !== undefined ? 'bridge' : undefined);
  const joinContainers = joinedContainerRefs({ network: given, pid: opts.pid, ipc: opts.ipc, uts: opts.uts });
  const { network, networks } = given === undefined || joinContainers?.network !== undefined ? {} : networkMode(given, defaultNetwork);
  // Checked here, before any pull (the engine reads them again, with the image's).
  for (const value of opts.expose) parseExposed(value);
  if (publishes && !networks) {
    throw new EngineError('invalid-option', `--publish needs a CNI network, not --network ${opts.network}`, { network: opts.network });
  }
  // The rarely given options' code is left uncompiled (and out of run's code cache) when they are absent.
  const mounts = opts.mount.length ? mountSpecs(opts.mount) : { volumes: [], tmpfs: [] };
  return {
    image,
    command,
    createCommand: ['berth', ...process.argv.slice(2)],
    ...userNamespaceOf(opts),
    name: opts.name,
    env: environment(opts.env, opts.envFile, process.env),
    envHost: opts.envHost,
    init: opts.init,
    initPath: opts.initPath,
    volumesFrom: opts.volumesFrom.length ? opts.volumesFrom : undefined,
    passwd: opts.passwd,
    passwdEntry: opts.passwdEntry,
    personality: opts.personality === undefined ? undefined : personalityOf(opts.personality),
    requires: opts.requires.length ? opts.requires.flatMap((list) => list.split(',')).filter(Boolean) : undefined,
    unsetEnv: opts.unsetenv.length ? opts.unsetenv : undefined,
    httpProxy: opts.httpProxy,
    unsetEnvAll: opts.unsetenvAll,
    volumes: [...opts.volume.map(absoluteHostSource), ...mounts.volumes],
    imageVolumes: opts.imageVolume,
    restartPolicy: opts.restart === undefined ? undefined : restartPolicyOf(opts.restart),
    hostsAndDns: hostsAndDnsOf(opts),
    healthCheck: healthCheckFlags(opts),
    healthOnFailure: healthOnFailureOf(opts.healthOnFailure),
    tmpfs: [...opts.tmpfs, ...mounts.tmpfs],
    ...(opts.securityOpt.length ? securityOptions(opts.securityOpt) : {}),
    groupAdd: opts.groupAdd.length ? opts.groupAdd : undefined,
    shmSizeBytes: opts.shmSize === undefined ? undefined : parseSize(opts.shmSize),
    cpuShares: opts.cpuShares === undefined ? undefined : parsePositive(opts.cpuShares, 'cpu shares'),
    cpusetCpus: opts.cpusetCpus,
    cpusetMems: opts.cpusetMems,
    memorySwapBytes: opts.memorySwap === undefined ? undefined : opts.memorySwap === '-1' ? -1 : parseSize(opts.memorySwap),
    memoryReservationBytes: opts.memoryReservation === undefined ? undefined : parseSize(opts.memoryReservation),
    memorySwappiness: opts.memorySwappiness === undefined ? undefined : parseInRange(opts.memorySwappiness, 'memory swappiness', 0, 100),
    oomKillDisable: opts.oomKillDisable,
    oomScoreAdj: opts.oomScoreAdj === undefined ? undefined : parseInRange(opts.oomScoreAdj, 'oom score adj', -1000, 1000),
    cpuPeriod: opts.cpuPeriod === undefined ? undefined : parsePositive(opts.cpuPeriod, 'cpu period'),
    cpuQuota: opts.cpuQuota === undefined ? undefined : parsePositive(opts.cpuQuota, 'cpu quota'),
    annotations: opts.annotation.length ? keyValues(opts.annotation) : undefined,
    workdir: opts.workdir,
    user: opts.user,
    entrypoint: opts.entrypoint === undefined ? undefined : entrypointOf(opts.entrypoint),
    memoryBytes: opts.memory ? parseSize(opts.memory) : undefined,
    cpus: opts.cpus ? parsePositive(opts.cpus, 'cpus') : undefined,
    // As podman's: 0 or -1 is no limit (over containers.conf's and the default 2048).
    pidsLimit: opts.pidsLimit === undefined ? undefined : pidsLimitOf(opts.pidsLimit),
    readOnly: opts.readOnly,
    readOnlyTmpfs: opts.readOnlyTmpfs,
    capAdd: opts.capAdd,
    capDrop: opts.capDrop,
    privileged: opts.privileged,
    network,
    networks,
    portMappings: opts.publish.map(parsePublish),
    networkAliases: opts.networkAlias.length ? opts.networkAlias : undefined,
    staticAddresses: opts.ip === undefined && opts.macAddress === undefined ? undefined : { ip: opts.ip, mac: opts.macAddress },
    publishAll: opts.publishAll,
    expose: opts.expose.length ? opts.expose : undefined,
    hostname: opts.hostname,
    joinContainers,
    pid: namespaceMode('pid', opts.pid, ['private']),
    ipc: namespaceMode('ipc', opts.ipc, ['private', 'shareable']),
    uts: namespaceMode('uts', opts.uts, ['private']),
    cgroupns: namespaceMode('cgroupns', opts.cgroupns, ['private'], false),
    umask: opts.umask === undefined ? undefined : parseUmask(opts.umask),
    timezone: opts.tz,
    stopSignal: opts.stopSignal,
    stopTimeout: opts.stopTimeout === undefined ? undefined : parsePositive(opts.stopTimeout, 'stop timeout'),
    timeout: opts.timeout === undefined ? undefined : Math.trunc(parsePositive(opts.timeout, 'timeout')),
    runtime: opts.runtime,
    cgroupParent: opts.cgroupParent,
    terminal: opts.tty,
    interactive: opts.interactive,
    labels: opts.labelFile.length ? labelsOf(opts.labelFile, opts.label) : keyValues(opts.label),
    ulimits: opts.ulimit,
    logSizeMax: logSizeMaxOf(opts.logOpt),
    logDriver: opts.logDriver === undefined ? undefined : checkedLogDriver(opts.logDriver),
    pidFile: opts.pidfile === undefined ? undefined : resolve(opts.pidfile),
    conmonPidFile: opts.conmonPidfile === undefined ? undefined : resolve(opts.conmonPidfile),
    deviceCgroupRules: opts.deviceCgroupRule.length ? opts.deviceCgroupRule : undefined,
    blockIoThrottles: blockIoThrottlesOf(opts),
    envMerge: opts.envMerge.length ? opts.envMerge : undefined,
    secrets: opts.secret.length ? opts.secret.map(secretRequest) : undefined,
    devices: opts.device,
    sysctls: opts.sysctl.length ? keyValues(opts.sysctl) : undefined,
  };
}

/** podman wait's --condition words, as the container statuses they mean (none: stopped). Health conditions need healthchecks, which Berth has not. */
function waitConditions(conditions: string[]): Set<ContainerStatus> {
  const statuses: Record<string, ContainerStatus> = {
    configured: ContainerStatus.Created, created: ContainerStatus.Created, initialized: ContainerStatus.Created,
    running: ContainerStatus.Running, paused: ContainerStatus.Paused, stopped: ContainerStatus.Stopped, exited: ContainerStatus.Stopped,
  };
  return new Set((conditions.length ? conditions : ['stopped']).map((condition) => {
    const status = statuses[condition];
    if (!status) throw new EngineError('invalid-option', `unknown container state: ${condition}: invalid argument`, { condition });
    return status;
  }));
}

/** Go's durations as podman's flags take them (`250ms`, `1s`, `1m30s`, `1.5s`), in milliseconds; none below zero. */
function parseDuration(text: string, what: string): number {
  let ms: number;
  try {
    ms = parseGoDuration(text);
  } catch {
    ms = Number.NaN;
  }
  if (!(ms >= 0)) throw new EngineError('invalid-option', `invalid ${what} ${JSON.stringify(text)}: want a duration such as 250ms or 1s`, { value: text });
  return ms;
}

/** podman's --device-read-bps and its kin: `PATH:RATE`, a size for the bps ones, a count for the iops ones. */
function blockIoThrottlesOf(opts: RunFlags): CreateOptions['blockIoThrottles'] {
  const kinds = [
    ['throttleReadBpsDevice', opts.deviceReadBps, true], ['throttleWriteBpsDevice', opts.deviceWriteBps, true],
    ['throttleReadIOPSDevice', opts.deviceReadIops, false], ['throttleWriteIOPSDevice', opts.deviceWriteIops, false],
  ] as const;
  const throttles = kinds.filter(([, given]) => given.length).map(([kind, given, bytes]) => [kind, given.map((entry) => {
    const at = entry.lastIndexOf(':');
    const rate = at < 0 ? '' : entry.slice(at + 1);
    if (at <= 0 || !(bytes ? /^\d+(\.\d+)?[a-zA-Z]*$/ : /^\d+$/).test(rate)) throw new EngineError('invalid-option', `bad format: ${entry}`, { device: entry });
    return { path: entry.slice(0, at), rate: bytes ? parseSize(rate) : Number(rate) };
  })] as const);
  return throttles.length ? Object.fromEntries(throttles) : undefined;
}

/** podman's --personality: the execution domains the runtime spec knows. */
function personalityOf(domain: string): 'LINUX' | 'LINUX32' {
  if (domain === 'LINUX' || domain === 'LINUX32') return domain;
  throw new EngineError('invalid-option', `invalid --personality ${JSON.stringify(domain)}: want LINUX32 or LINUX`, { personality: domain });
}

/** podman's --health-on-failure: an action, or undefined for none. */
function healthOnFailureOf(action: string | undefined): HealthOnFailure | undefined {
  if (action === undefined || action === 'none') return undefined;
  if (action === 'kill' || action === 'restart' || action === 'stop') return action;
  throw new EngineError('invalid-option', `invalid on-failure action ${action} for health check: supported actions are none,kill,restart,stop`, { healthOnFailure: action });
}

/** --health-cmd and its flags, and --no-healthcheck, when any is given. */
function healthCheckFlags(opts: RunFlags): CreateOptions['healthCheck'] {
  if (opts.healthCmd === undefined && opts.healthInterval === undefined && opts.healthRetries === undefined
    && opts.healthTimeout === undefined && opts.healthStartPeriod === undefined && opts.healthcheck !== false) return undefined;
  const retries = opts.healthRetries === undefined ? undefined : Number(opts.healthRetries);
  if (retries !== undefined && !Number.isInteger(retries)) throw new EngineError('invalid-option', `invalid --health-retries ${JSON.stringify(opts.healthRetries)}`, { value: opts.healthRetries });
  const duration = (text: string | undefined, what: string): number | undefined => (text === undefined ? undefined : parseDuration(text, what));
  return {
    command: opts.healthCmd,
    intervalMs: duration(opts.healthInterval, '--health-interval'),
    timeoutMs: duration(opts.healthTimeout, '--health-timeout'),
    startPeriodMs: duration(opts.healthStartPeriod, '--health-start-period'),
    retries,
    disabled: opts.healthcheck === false,
  };
}

/** --add-host, --dns, --dns-search, --dns-option and --no-hosts, when any is given. */
function hostsAndDnsOf(opts: RunFlags): CreateOptions['hostsAndDns'] {
  const given = {
    ...(opts.addHost.length ? { addHosts: opts.addHost } : {}),
    ...(opts.dns.length ? { dnsServers: opts.dns } : {}),
    ...(opts.dnsSearch.length ? { dnsSearch: opts.dnsSearch } : {}),
    ...(opts.dnsOption.length ? { dnsOptions: opts.dnsOption } : {}),
    ...(opts.hosts === false ? { noHosts: true } : {}),
  };
  return Object.keys(given).length ? given : undefined;
}

/** podman's --restart: `no`, `always`, `unless-stopped`, `on-failure[:max-retries]`. */
function restartPolicyOf(text: string): RestartPolicy {
  const [name, retries] = splitOnce(text, ':');
  if (name !== 'no' && name !== 'on-failure' && name !== 'always' && name !== 'unless-stopped') {
    throw new EngineError('invalid-option', `invalid restart policy ${JSON.stringify(text)}: want no, on-failure[:max-retries], always or unless-stopped`, { restart: text });
  }
  if (retries === undefined) return { name };
  if (name !== 'on-failure') throw new EngineError('invalid-option', 'restart policy retries can only be specified with on-failure', { restart: text });
  if (!/^\d+$/.test(retries)) throw new EngineError('invalid-option', `invalid restart policy ${JSON.stringify(text)}: the retries must be a number`, { restart: text });
  return { name, maxRetries: Number(retries) };
}

/**
 * podman's --cidfile: the file made (empty, and only if it does not exist)
 * before the container, so that a taken path costs nothing, then given the
 * container's ID; removed again if the create fails.
 */
async function withCidFile<T>(file: string | undefined, make: (created: (container: Container) => string) => Promise<T>): Promise<T> {
  if (file === undefined) return make((container) => container.id);
  let fd: number | undefined;
  try {
    fd = openSync(file, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new EngineError('invalid-option', `container id file exists. Ensure another container is not using it or delete ${file}`, { cidfile: file });
    }
    throw new EngineError('invalid-option', `opening CIDFile ${file}: ${(err as Error).message}`, { cidfile: file }, { cause: err });
  }
  const created = (container: Container): string => {
    writeSync(fd!, container.id);
    closeSync(fd!);
    fd = undefined;
    return container.id;
  };
  try {
    return await make(created);
  } catch (err) {
    if (fd !== undefined) removeFile(file);
    throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** podman's `-v ./dir:/path`: a host path relative to the working directory, made absolute. */
function absoluteHostSource(spec: string): string {
  const colon = spec.indexOf(':');
  return spec.startsWith('.') && colon > 0 ? `${resolve(spec.slice(0, colon))}${spec.slice(colon)}` : spec;
}

/** The create options, checked before anything is pulled (a bad flag must not leave a pulled image behind), with the image as the pull named it. */
async function checkedThenPulled(engine: ContainerEngine, image: string, command: string[], opts: RunFlags): Promise<CreateOptions> {
  const options = createOptions(image, command, opts, () => defaultNetworkName(engine.cni?.defaults));
  // --rootfs: the operand is a directory, nothing to pull.
  const pulled = opts.rootfs ? { ...options, image: '', rootfs: resolve(image.replace(/:O$/, '')) + (image.endsWith(':O') ? ':O' : '') } : { ...options, image: await imageForRun(engine, image, opts) };
  if (opts.replace) await removeNamed(engine, opts.name!);
  return pulled;
}

/**
 * podman's --replace: the container named `name`, if there is one, removed as
 * `rm -f` removes it (stopped first), once the new one's image is there. Only
 * a container of that very name: one whose ID merely starts with it stays.
 */
async function removeNamed(engine: ContainerEngine, name: string): Promise<void> {
  let existing: Container;
  try {
    existing = await engine.get(name);
  } catch (err) {
    if (isEngineError(err, 'container-unknown')) return;
    throw err;
  }
  if (existing.name === name) await engine.remove(existing.id, { force: true });
}


function logSizeMaxOf(logOpts: string[]): number | undefined {
  let size: number | undefined;
  for (const opt of logOpts) {
    const [key, value] = [opt.split('=')[0], opt.split('=').slice(1).join('=')];
    if (key === 'max-size' && value) size = parseHumanSize(value);
    else throw new EngineError('invalid-option', `--log-opt ${opt}: only max-size=SIZE is supported (the log driver is k8s-file)`, { option: opt });
  }
  return size;
}

/** podman takes `--entrypoint '["/bin/sh","-c"]'` or a plain command; `""` clears it. */
function entrypointOf(text: string): string[] {
  if (text === '') return [];
  if (text.trimStart().startsWith('[')) {
    const parsed = JSON.parse(text) as unknown;
    if (Array.isArray(parsed) && parsed.every((p) => typeof p === 'string')) return parsed as string[];
  }
  return [text];
}

/**
 * Seconds conmon waits before the exit command of a foreground run: long
 * enough for the run, even on a loaded machine, to clean up and end it first;
 * short enough that a killed run's container is cleaned up soon after.
 */
const FOREGROUND_EXIT_COMMAND_DELAY = 5;

async function runContainer(engine: ContainerEngine, image: string, command: string[], opts: RunFlags): Promise<number> {
  const detachKeys = parseDetachKeys(opts.detachKeys);
  const streams = attachedStreams(opts.attach);
  // podman's --rmi implies --rm.
  const remove = opts.rm === true || opts.rmi === true;
  // conmon's exit command cleans up (with --rm removes) a detached container, or one whose `run` was killed. A
  // foreground run does that itself and ends the exit command during its delay, so that it costs nothing.
  const options: CreateOptions = {
    ...await checkedThenPulled(engine, image, command, opts),
    autoRemove: remove,
    // A detached container's exit command removes the image; a run in the foreground, itself.
    removeImage: opts.rmi === true,
    exitCommandDelay: opts.detach ? undefined : FOREGROUND_EXIT_COMMAND_DELAY,
  };
  const code = await runCreated(engine, options, opts, { detachKeys, streams }, remove);
  if (opts.rmi && !opts.detach) await removeImageAfterRun(engine, options.image);
  return code;
}

/** runContainer's run of the container `options` make, once they are checked and the image is there. */
async function runCreated(engine: ContainerEngine, options: CreateOptions, opts: RunFlags, attached: { detachKeys: Buffer; streams: AttachedStreams }, remove: boolean): Promise<number> {
  const { detachKeys, streams } = attached;
  let id: string | undefined;
  try {
    return await withCidFile(opts.cidfile, async (created) => {
      // Attached to no output (-a stdin alone), podman prints the ID and still waits for the exit.
      const announce = (made: Container): Container => {
        if (!opts.detach && !streams.stdout && !streams.stderr) process.stdout.write(`${made.id}\n`);
        return made;
      };
      // Without a log (--log-driver none) the output is the attach socket's alone.
      if (!opts.detach && (opts.interactive || opts.tty || engine.logDriverOf(options) === 'none')) {
        // Attached before the start: conmon does not replay what a container printed before a client came.
        id = created(announce(await engine.create(options)));
        const attach = { stdin: opts.interactive === true, detachKeys, start: true, keepMounted: true, streams };
        return followRun(engine, id, remove, () => withSignalsProxied(engine, id!, opts.sigProxy !== false, () => attachToExit(engine, id!, attach)));
      }
      // Created and started in one go; followed to its exit (its root filesystem stays mounted for finishRun).
      const code = await engine.run(options, async (container) => {
        id = created(announce(container));
        return opts.detach ? 0 : withSignalsProxied(engine, container.id, opts.sigProxy !== false, () => followToExit(engine, container, undefined, streams));
      });
      if (opts.detach) process.stdout.write(`${id}\n`);
      else await engine.finishRun(id!, { remove });
      return code;
    });
  } catch (err) {
    if (remove && id) await engine.remove(id, { force: true, timeoutSeconds: 0 }).catch(() => undefined);
    throw err;
  }
}

/**
 * A run followed in the foreground (run, start -a): `follow` under watch(),
 * so that an exit command that comes first waits until the output and exit
 * code are read here; then what that command would do (cleanup, with
 * `remove` the removal), done here by finishRun. Detached by the keys, the
 * container runs on and its exit command cleans up (removes, with --rm) after
 * it; the command's exit code is then 0.
 */
async function followRun(engine: ContainerEngine, id: string, remove: boolean, follow: () => Promise<number | 'detached'>): Promise<number> {
  const code = await engine.watch(id, follow);
  if (code === 'detached') return 0;
  await engine.finishRun(id, { remove });
  return code;
}

/**
 * Starts the created container and follows it to its exit: attached before
 * the start when `attach` (conmon does not replay what a container printed
 * before a client came), else through its log. The root filesystem stays
 * mounted for finishRun, which unmounts it.
 */
function startAndFollow(engine: ContainerEngine, id: string, attach: Pick<AttachOptions, 'stdin' | 'detachKeys'> | undefined): Promise<number | 'detached'> {
  if (attach) return attachToExit(engine, id, { ...attach, start: true, keepMounted: true });
  return engine.start(id).then(() => followToExit(engine, id));
}

/** podman's run -a/--attach: which of the container's outputs a foreground run shows (its stdin is -i's, as podman's). */
interface AttachedStreams {
  stdout: boolean;
  stderr: boolean;
}

/** -a's values (any case: stdin is taken and changes nothing), or without any, both outputs. */
function attachedStreams(values: readonly string[] | undefined): AttachedStreams {
  if (!values?.length) return { stdout: true, stderr: true };
  const streams = { stdin: false, stdout: false, stderr: false };
  for (const value of values) {
    const name = value.toLowerCase();
    if (name !== 'stdin' && name !== 'stdout' && name !== 'stderr') {
      throw new EngineError('invalid-option', `invalid stream ${JSON.stringify(value)} for --attach - must be one of stdin, stdout, or stderr: invalid argument`, { attach: value });
    }
    streams[name] = true;
  }
  return { stdout: streams.stdout, stderr: streams.stderr };
}

interface AttachOptions {
  /** Send the caller's stdin. */
  stdin: boolean;
  /** The output streams shown (run -a); default both. */
  streams?: AttachedStreams;
  /** Start the container once attached, when it is only created. */
  start: boolean;
  /** parseDetachKeys' bytes; empty: none. */
  detachKeys: Buffer;
  /** Leave the root filesystem mounted after the exit (a remove follows). */
  keepMounted?: boolean;
}

/**
 * Attaches the caller's terminal (raw, sized, resized on SIGWINCH) or pipes
 * before starting the container, so no output is missed; resolves to the exit
 * code, or to 'detached' when the detach keys were typed (the container runs on).
 */
async function attachToExit(engine: ContainerEngine, id: string, options: AttachOptions): Promise<number | 'detached'> {
  // stdin is looked at only when it is read or stdout is a terminal: a process that built
  // process.stdin ends through Node's exit, which restores the terminal (bin/berth.cjs).
  const terminal = process.stdout.isTTY === true && process.stdin.isTTY === true;
  const stdinUsed = options.stdin || process.stdout.isTTY === true;
  const { container, session } = await engine.attach(
    id,
    {
      stdin: options.stdin ? process.stdin : undefined,
      stdout: options.streams?.stdout === false ? discarded() : process.stdout,
      stderr: options.streams?.stderr === false ? discarded() : process.stderr,
      detachKeys: options.detachKeys,
    },
    terminal ? { rows: process.stdout.rows, cols: process.stdout.columns } : {},
  );
  const tty = container.config.spec.process.terminal === true;
  const onResize = (): void => void engine.resize(id, process.stdout.rows, process.stdout.columns).catch(() => undefined);
  if (tty && terminal) {
    process.stdin.setRawMode(true);
    process.on('SIGWINCH', onResize);
  }
  let end;
  try {
    if (options.start && container.state.status === 'created') await engine.start(id);
    end = await session.done;
  } finally {
    if (tty && terminal) {
      process.stdin.setRawMode(false);
      process.off('SIGWINCH', onResize);
    }
    if (stdinUsed) {
      // stdin may still be read by the input copy: let the process exit.
      process.stdin.pause();
      process.stdin.unref?.();
    }
  }
  if (end === 'detached') return 'detached';
  return engine.wait(id, { keepMounted: options.keepMounted });
}

/** A detached session leaves the caller's command successful, as podman's does. */
function exitCodeOf(result: number | 'detached'): number {
  return result === 'detached' ? 0 : result;
}

/** A stream that takes what is written and keeps none of it: an output run -a leaves out. */
function discarded(): PassThrough {
  return new PassThrough().resume();
}

/** The container's output as it comes (from its log; only `streams`' when given), then its exit code; its root filesystem stays mounted for finishRun. */
async function followToExit(engine: ContainerEngine, target: string | Container, from?: number, streams?: AttachedStreams): Promise<number> {
  for await (const record of engine.logs(target, { follow: true, from })) {
    if (!streams || streams[record.stream]) writeRecord(record, false);
  }
  return engine.wait(target, { keepMounted: true });
}

/** podman ps --sort's keys, as podman 4.3 orders them: created oldest first (its default), runningfor newest first. */
const PS_SORT_KEYS = {
  command: byText((info) => info.command.join(' ')),
  created: (a: ContainerInfo, b: ContainerInfo) => Date.parse(a.created) - Date.parse(b.created),
  id: byText((info) => info.id),
  image: byText((info) => info.image),
  names: byText((info) => info.name),
  runningfor: (a: ContainerInfo, b: ContainerInfo) => Date.parse(b.created) - Date.parse(a.created),
  status: byText((info) => info.status),
} satisfies Record<string, (a: ContainerInfo, b: ContainerInfo) => number>;

function byText(key: (info: ContainerInfo) => string): (a: ContainerInfo, b: ContainerInfo) => number {
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/** One write per record: a line arrives whole (a reader never sees its text without its newline), and a long log costs a write a line. */
function writeRecord(record: LogRecord, timestamps: boolean, prefix = ''): void {
  const out = record.stream === 'stdout' ? process.stdout : process.stderr;
  const head = `${prefix}${timestamps ? `${record.time} ` : ''}`;
  if (!head && !record.full) out.write(record.content);
  else out.write(Buffer.concat([Buffer.from(head), record.content, record.full ? NEWLINE : EMPTY]));
}

const NEWLINE = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

function statsTable(rows: Array<{ id: string; name: string; cpuUsageNanos: number; memoryUsageBytes: number; memoryLimitBytes?: number; pids: number }>, noTrunc: boolean): string {
  const idWidth = noTrunc ? 66 : 14;
  const lines = [`${'ID'.padEnd(idWidth)}NAME                CPU TIME    MEM USAGE / LIMIT       PIDS`];
  for (const row of rows) {
    const mem = `${mib(row.memoryUsageBytes)} / ${row.memoryLimitBytes === undefined ? 'unlimited' : mib(row.memoryLimitBytes)}`;
    lines.push(`${(noTrunc ? row.id : row.id.slice(0, 12)).padEnd(idWidth)}${row.name.slice(0, 18).padEnd(20)}${`${(row.cpuUsageNanos / 1e9).toFixed(2)}s`.padEnd(12)}${mem.padEnd(24)}${row.pids}`);
  }
  return `${lines.join('\n')}\n`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)}MiB`;
}
