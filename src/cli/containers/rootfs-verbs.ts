// podman's verbs on a container's root filesystem and name: `mount`,
// `unmount` (`umount`), `diff`, `commit` and `rename`.

import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Change, ChangeKind } from '../../archive/index.js';
import type { ContainerEngine } from '../../engine/index.js';
import type { EngineAction } from './context.js';
import { EngineError } from '../../engine/index.js';
import { collect } from './options.js';
import { latestOption, namedOrLatest, withLatest } from './targets.js';

export function registerRootfsVerbs(parent: Command, wanted: (name: string, aliases?: readonly string[]) => boolean, act: EngineAction): void {
  if (wanted('mount')) latestOption(parent.command('mount').description("mount containers' root filesystems and print where (none: list the mounted ones)")
    .argument('[containers...]'))
    .option('--no-trunc', 'full IDs in the listing')
    .action(act(async (engine, given: string[], opts: { trunc?: boolean; latest?: boolean }) => {
      const refs = opts.latest ? await namedOrLatest(engine, given, true) : given;
      if (refs.length === 1) {
        process.stdout.write(`${await engine.mount(refs[0]!)}\n`);
        return;
      }
      if (refs.length > 1) {
        for (const ref of refs) process.stdout.write(`${(await engine.get(ref)).id} ${await engine.mount(ref)}\n`);
        return;
      }
      for (const { id, mountPoint } of await mountedContainers(engine)) process.stdout.write(`${opts.trunc === false ? id : id.slice(0, 12)}  ${mountPoint}\n`);
    }));

  if (wanted('unmount', ['umount'])) parent.command('unmount').alias('umount').description("unmount containers' root filesystems")
    .argument('[containers...]')
    .option('-a, --all', 'every mounted container')
    .option('-f, --force', 'unmount however many times it was mounted')
    .action(act(async (engine, refs: string[], opts: { all?: boolean; force?: boolean }) => {
      if (opts.all === (refs.length > 0)) throw new EngineError('invalid-option', 'give the containers to unmount, or --all', {});
      const targets = opts.all ? (await mountedContainers(engine)).map((c) => c.id) : refs;
      for (const ref of targets) {
        await engine.unmount(ref, { force: opts.force === true || opts.all === true });
        process.stdout.write(`${opts.all ? ref : (await engine.get(ref)).id}\n`);
      }
    }));

  if (wanted('diff')) latestOption(parent.command('diff').description("list what a container's (or an image's) layer changed: A added, C changed, D deleted")
    .argument('[container-or-image]'))
    .option('--format <format>', 'json for {"changed","added","deleted"}')
    .action(act(async (engine, given: string | undefined, opts: { format?: string; latest?: boolean }) => {
      const [ref] = await withLatest(engine, given, [], opts.latest);
      const changes = await engine.changes(ref);
      // The archive module loads only for a diff: a static import would initialise it at every start (~4 ms of `run`'s).
      const { ChangeKind: kinds } = await import('../../archive/index.js');
      const letters: Record<ChangeKind, string> = { [kinds.Modify]: 'C', [kinds.Add]: 'A', [kinds.Delete]: 'D' };
      // Indented as podman's (Go's MarshalIndent with five spaces).
      if (opts.format === 'json') process.stdout.write(`${JSON.stringify(changesReport(changes, kinds), null, 5)}\n`);
      else if (opts.format !== undefined) throw new EngineError('invalid-option', `--format ${opts.format}: want json`, { format: opts.format });
      else process.stdout.write(changes.map((c) => `${letters[c.kind]} ${c.path}\n`).join(''));
    }));

  if (wanted('commit')) parent.command('commit').description("make an image of a container's root filesystem").argument('<container>').argument('[image]')
    .option('-a, --author <author>', 'the image\'s author')
    .option('-c, --change <instruction>', 'CMD=…, ENTRYPOINT=…, ENV=…, EXPOSE=…, LABEL=…, USER=…, VOLUME=…, WORKDIR=…, STOPSIGNAL=… (repeatable)', collect, [])
    .option('-m, --message <text>', 'the history entry\'s comment')
    .option('-p, --pause', 'pause the container while its files are read')
    .option('-q, --quiet', 'no progress output')
    .option('-f, --format <format>', 'the image format: oci (the only one)', 'oci')
    .option('--iidfile <file>', 'also write the image ID to this file')
    .action(act(async (engine, ref: string, image: string | undefined, opts: { author?: string; change: string[]; message?: string; pause?: boolean; quiet?: boolean; format: string; iidfile?: string }) => {
      if (opts.format !== 'oci') throw new EngineError('invalid-option', `--format ${opts.format}: only oci images are made`, { format: opts.format });
      const id = await engine.commit(ref, {
        name: image, changes: opts.change, message: opts.message, author: opts.author, pause: opts.pause,
        onEvent: (await import('../image/progress-view.js')).progressListener(opts.quiet ? 'quiet' : 'auto'),
      });
      if (opts.iidfile) writeFileSync(opts.iidfile, `sha256:${id}`);
      process.stdout.write(`${id}\n`);
    }));

  if (wanted('rename')) parent.command('rename').description('give a container a new name').argument('<container>').argument('<name>')
    .action(act(async (engine, ref: string, name: string) => {
      await engine.rename(ref, name);
    }));
}

/** podman diff --format json: the paths by kind, in podman's key order, a kind with none left out. */
function changesReport(changes: Change[], kinds: typeof ChangeKind): Record<string, string[]> {
  const byKind = (kind: ChangeKind): string[] => changes.filter((c) => c.kind === kind).map((c) => c.path);
  const report = { changed: byKind(kinds.Modify), added: byKind(kinds.Add), deleted: byKind(kinds.Delete) };
  return Object.fromEntries(Object.entries(report).filter(([, paths]) => paths.length > 0));
}

/** The containers whose root is mounted, with where. */
async function mountedContainers(engine: ContainerEngine): Promise<Array<{ id: string; mountPoint: string }>> {
  const mounted = [];
  for (const container of await engine.list()) {
    const { layerId } = await engine.store.container(container.id);
    const { mountPoint, mountCount } = await engine.store.layer(layerId);
    if (mountPoint && mountCount > 0) mounted.push({ id: container.id, mountPoint });
  }
  return mounted;
}
