// The verbs podman has only under `container` (exists, init, checkpoint,
// restore, cleanup, prune): registered only for a command line that names
// the group, each only when the command line may use it.

import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { EngineError } from '../../engine/index.js';
import { confirmed } from './confirm.js';
import { removeImageAfterRun } from './pull-policy.js';
import type { EngineAction, GlobalOptions } from './context.js';
import { latestOption, namedOrLatest } from './targets.js';
import { matchesFilters } from './container-filters.js';
import { collect, parseFilters } from './options.js';

export function registerContainerGroupVerbs(container: Command, act: EngineAction, wanted: (name: string) => boolean, globals: () => GlobalOptions): void {
  if (wanted('exists')) container.command('exists').description('exit 0 when the container exists, 1 when not').argument('<container>')
    .action(act(async (engine, ref: string) => {
      try {
        await engine.get(ref);
        return 0;
      } catch (err) {
        if (err instanceof EngineError && err.code === 'container-unknown') return 1;
        throw err;
      }
    }));
  if (wanted('init')) latestOption(container.command('init').description('make containers ready to start: an exited one gets its runtime container again (a created one already has it)')
    .argument('[containers...]'))
    .action(act(async (engine, given: string[], opts: { latest?: boolean }) => {
      for (const ref of await namedOrLatest(engine, given, opts.latest)) {
        await engine.init(ref);
        process.stdout.write(`${ref}\n`);
      }
    }));
  if (wanted('checkpoint')) container.command('checkpoint').description('checkpoint running containers (needs criu)').argument('<containers...>')
    .option('-R, --leave-running', 'leave the container running after the checkpoint')
    .action(act(async (engine, refs: string[], opts: { leaveRunning?: boolean }) => {
      for (const ref of refs) {
        await engine.checkpoint(ref, { leaveRunning: opts.leaveRunning });
        process.stdout.write(`${ref}\n`);
      }
    }));
  if (wanted('restore')) container.command('restore').description('restore checkpointed containers (needs criu)').argument('<containers...>')
    .action(act(async (engine, refs: string[]) => {
      for (const ref of refs) {
        await engine.restore(ref);
        process.stdout.write(`${ref}\n`);
      }
    }));
  if (wanted('cleanup')) container.command('cleanup').description('clean up the mount and network of exited containers (what conmon runs when one exits)')
    .argument('<containers...>')
    .option('--rm', 'remove the container as well')
    .option('--rmi', 'with --rm: then remove its image, unless another container uses it')
    .addOption(new Option('--stopped-only', 'a container gone or running again is nothing to do (the exit command\'s)').hideHelp())
    .option('--exec <session>', 'clean up this exec session of the container instead (what conmon runs when a detached exec exits)')
    .action(async (refs: string[], opts: { rm?: boolean; rmi?: boolean; stoppedOnly?: boolean; exec?: string }) => {
      // The exit command of a container whose store was deleted since (a temporary one): opening it would make it anew.
      const { root, runroot } = globals();
      if ((opts.stoppedOnly || opts.exec) && [root, runroot].some((dir) => dir !== undefined && !existsSync(dir))) return;
      await act(async (engine) => {
        if (opts.exec) {
          if (refs.length !== 1) throw new EngineError('invalid-option', '--exec takes exactly one container', {});
          await engine.cleanupExecSession(refs[0]!, opts.exec);
          return;
        }
        for (const ref of refs) {
          // Its image's name as it ran by, read before the record goes.
          const image = opts.rm && opts.rmi ? (await engine.get(ref).catch(() => undefined))?.config.imageName : undefined;
          const id = await engine.cleanup(ref, { remove: opts.rm, stoppedOnly: opts.stoppedOnly });
          if (id) process.stdout.write(`${id}\n`);
          if (id && image) await removeImageAfterRun(engine, image);
        }
      })();
    });
  if (wanted('prune')) container.command('prune').description('remove every container that is not running (exited and created ones)')
    .option('-f, --force', 'do not ask for confirmation')
    .option('--filter <filter>', 'only the containers that pass: label=KEY[=VALUE], until=TIME (and ps\'s filters)', collect, [])
    .action(act(async (engine, opts: { force?: boolean; filter: string[] }) => {
      const filters = parseFilters(opts.filter);
      if (!opts.force && !confirmed('WARNING! This will remove all non running containers.\nAre you sure you want to continue? [y/N] ')) return;
      for (const id of await engine.prune((container) => matchesFilters(engine.info(container), filters))) process.stdout.write(`${id}\n`);
    }));}
