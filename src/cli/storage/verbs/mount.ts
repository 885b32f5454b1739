// Mount verbs: mount (read-write, or --ro as an image mount), unmount, mounted.
// Mount counts are kept by the Store across processes; a mount outlives the CLI.

import { errorTextFor } from '../error-text.js';
import { flagBool, flagString } from '../flags.js';
import { JSON_FLAG, type Verb, type VerbContext } from '../verb.js';

export const mount: Verb = {
  optionsHelp: '[options [...]] LayerOrContainerNameOrID',
  flags: [
    // Accepted and unused, as in the Go CLI 1.43.
    { names: ['opt', 'o'], kind: 'string', help: 'Mount Options' },
    { names: ['label', 'l'], kind: 'string', help: 'Mount Label' },
    { names: ['ro', 'r'], kind: 'bool', help: 'Mount image readonly' },
    JSON_FLAG,
  ],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const label = flagString(flags, 'label');
    const results: Array<{ id: string; mountpoint: string; error: string }> = [];
    for (const id of args) {
      try {
        const mountpoint = flagBool(flags, 'ro')
          ? await store.mountImage(id, { mountOptions: ['noexec', 'nosuid'], mountLabel: label })
          : await store.mount(id, { mountLabel: label });
        results.push({ id, mountpoint, error: '' });
      } catch (err) {
        results.push({ id, mountpoint: '', error: errorTextFor(err, id) });
      }
    }
    if (flagBool(flags, 'json')) {
      out.json(results);
    } else {
      for (const result of results) {
        if (result.error) out.err(`${result.error} while mounting ${result.id}\n`);
        out.out(`${result.mountpoint}\n`);
      }
    }
    return results.some((result) => result.error) ? 1 : 0;
  },
};

export const unmount: Verb = {
  optionsHelp: 'LayerOrContainerNameOrID',
  flags: [JSON_FLAG, { names: ['force', 'f'], kind: 'bool', help: 'Force the umount' }],
  minArgs: 1,
  maxArgs: 0,
  run(context) {
    const { store, flags, out } = context;
    const force = flagBool(flags, 'force');
    return eachArgument(context, (error, id) => `${error} while unmounting ${id}`, async (id) => {
      try {
        if (!(await store.unmount(id, { force }))) out.out(`${id} mountpoint unmounted\n`);
      } catch (err) {
        // Not a layer or container: maybe an image mounted with `mount --ro`. If not, the first error tells.
        await store.unmountImage(id, { force }).catch(() => { throw err; });
      }
    });
  },
};

export const mounted: Verb = {
  optionsHelp: 'LayerOrContainerNameOrID',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  run(context) {
    const { store, out } = context;
    return eachArgument(context, (error, id) => `${error} checking if ${id} is mounted`, async (id) => {
      if ((await store.mounted(id)) > 0) out.out(`${id} mounted\n`);
    });
  },
};

/** Runs `attempt` for each argument; --json prints `[{id, error}]`, text mode a stderr line per failure. Exit 1 when any failed. */
async function eachArgument(
  { args, flags, out }: VerbContext, failureLine: (error: string, id: string) => string, attempt: (id: string) => Promise<void>,
): Promise<number> {
  const results: Array<{ id: string; error: string }> = [];
  for (const id of args) {
    let error = '';
    try {
      await attempt(id);
    } catch (err) {
      error = errorTextFor(err, id);
    }
    results.push({ id, error });
  }
  if (flagBool(flags, 'json')) {
    out.json(results);
  } else {
    for (const { id, error } of results) if (error) out.err(`${failureLine(error, id)}\n`);
  }
  return results.some((result) => result.error) ? 1 : 0;
}
