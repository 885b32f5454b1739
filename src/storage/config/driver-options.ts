// Turns the [storage.options] tables of a checked storage.conf into the driver
// option strings (`overlay.mountopt=nodev`) that graph drivers parse, in the
// order containers/storage v1.50.2 ReloadConfigurationFile appends them.

import type { StorageConf } from './schema.js';

/**
 * `confDriver` is the `driver` key as written (or STORAGE_DRIVER): Go prefixes the
 * generic options with it verbatim, so `overlay2` gives `overlay2.mountopt=…` and
 * no driver gives `.mountopt=…` (drivers accept both spellings). `driverName` is the
 * normalised name (`overlay2` → `overlay`) that selects the driver's own table.
 */
export function driverOptionsFromConf(options: StorageConf, confDriver: string, driverName: string): string[] {
  const out: string[] = [];
  for (const store of strings(options.additionalimagestores)) out.push(`${confDriver}.imagestore=${store}`);
  for (const store of strings(options.additionallayerstores)) out.push(`${confDriver}.additionallayerstore=${store}`);
  for (const key of ['size', 'mount_program', 'skip_mount_home', 'ignore_chown_errors'] as const) {
    const value = text(options[key]);
    if (value) out.push(`${confDriver}.${key}=${value}`);
  }
  const forceMask = options.force_mask;
  if (typeof forceMask === 'number' && forceMask !== 0) out.push(`${confDriver}.force_mask=${forceMask.toString(8)}`);
  const mountopt = text(options.mountopt);
  if (mountopt) out.push(`${confDriver}.mountopt=${mountopt}`);
  out.push(...driverTableOptions(options, driverName));
  return out;
}

// pkg/config GetGraphDriverOptions: a key in the driver's own table wins over the
// generic key of the same meaning. (Go also appends the generic force_mask here in
// os.FileMode's `-rwxr-xr-x` form, which its own overlay driver then rejects; Berth
// leaves that broken duplicate out.)
function driverTableOptions(options: StorageConf, driverName: string): string[] {
  const table = (name: string): StorageConf => (isConf(options[name]) ? options[name] as StorageConf : {});
  const out: string[] = [];
  const either = (key: string, own: StorageConf, generic: string | undefined = key): void => {
    const value = text(own[key]) || (generic ? text(options[generic]) : '');
    if (value) out.push(`${driverName}.${key}=${value}`);
  };
  switch (driverName) {
    case 'overlay':
    case 'overlay2': {
      const overlay = table('overlay');
      either('ignore_chown_errors', overlay);
      either('mount_program', overlay);
      either('mountopt', overlay);
      either('size', overlay);
      either('inodes', overlay, '');
      either('skip_mount_home', overlay);
      either('force_mask', overlay, '');
      break;
    }
    case 'vfs':
      either('ignore_chown_errors', table('vfs'));
      break;
  }
  return out;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value : [];
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function isConf(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
