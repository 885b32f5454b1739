// Mount verbs: mount (read-write, or --ro as an image mount), unmount, mounted.
// Mount counts are kept by the Store across processes; a mount outlives the CLI.

import { errorTextFor } from '../error-text.js';
import { flagBool, flagString } from '../flags.js';
import { JSON_FLAG, type Verb } from '../verb.js';

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
          ? await store.mountImage(id, ['noexec', 'nosuid'], label)
          : await store.mount(id, label);
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
  async run({ store, args, flags, out }) {
    const force = flagBool(flags, 'force');
    const results: Array<{ id: string; error: string }> = [];
    for (const id of args) {
      let error = '';
      try {
        if (!(await store.unmount(id, force))) out.out(`${id} mountpoint unmounted\n`);
      } catch (err) {
        // Not a layer or container: maybe an image mounted with `mount --ro`.
        try {
          await store.unmountImage(id, force);
        } catch {
          error = errorTextFor(err, id);
        }
      }
      results.push({ id, error });
    }
    if (flagBool(flags, 'json')) out.json(results);
    else for (const result of results) if (result.error) out.err(`${result.error} while unmounting ${result.id}\n`);
    return results.some((result) => result.error) ? 1 : 0;
  },
};

export const mounted: Verb = {
  optionsHelp: 'LayerOrContainerNameOrID',
  flags: [JSON_FLAG],
  minArgs: 1,
  maxArgs: 0,
  async run({ store, args, flags, out }) {
    const results: Array<{ id: string; error: string }> = [];
    for (const id of args) {
      let error = '';
      try {
        if ((await store.mounted(id)) > 0) out.out(`${id} mounted\n`);
      } catch (err) {
        error = errorTextFor(err, id);
      }
      results.push({ id, error });
    }
    if (flagBool(flags, 'json')) out.json(results);
    else for (const result of results) if (result.error) out.err(`${result.error} checking if ${result.id} is mounted\n`);
    return results.some((result) => result.error) ? 1 : 0;
  },
};
