// Driver option strings (`overlay.mountopt=nodev`, `skip_mount_home=true`, …)
// parsed as the Go drivers parse them, into typed options.

import { statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { DriverError } from './errors.js';

export interface OverlayOptions {
  /** Comma-separated mount options added to every mount (`nodev`). */
  mountOptions: string;
  skipMountHome: boolean;
  ignoreChownErrors: boolean;
  /** Additional (read-only) image stores: graph roots whose layers may be parents here. */
  imageStores: string[];
}

export interface VfsOptions {
  ignoreChownErrors: boolean;
  imageStores: string[];
}

/**
 * Go's overlay parseOptions. Keys are case-insensitive and may carry an
 * `overlay.`, `overlay2.` or `.` prefix. Options that need what Berth does not
 * implement (mount_program, quotas, additional layer stores, force_mask — which Go
 * itself accepts only with a mount_program) are refused rather than ignored.
 */
export function parseOverlayOptions(options: string[]): OverlayOptions {
  const parsed: OverlayOptions = { mountOptions: '', skipMountHome: false, ignoreChownErrors: false, imageStores: [] };
  for (const option of options) {
    const [key, value] = splitKeyValue(option);
    const name = key.toLowerCase().replace(/^overlay\./, '').replace(/^overlay2\./, '').replace(/^\./, '');
    switch (name) {
      case 'override_kernel_check':
        break; // Go: "no longer necessary", accepted and ignored
      case 'mountopt':
        parsed.mountOptions = value;
        break;
      case 'skip_mount_home':
        parsed.skipMountHome = parseGoBool(key, value);
        break;
      case 'ignore_chown_errors':
        parsed.ignoreChownErrors = parseGoBool(key, value);
        break;
      case 'force_mask':
        throw new DriverError('invalid-option', "'force_mask' is supported only with 'mount_program'", { option });
      case 'mount_program':
        if (value === '') break;
        throw new DriverError('not-supported', `overlay: mount_program "${value}" is not supported by Berth`, { option });
      case 'size':
      case 'inodes':
        throw new DriverError('not-supported', 'storage option overlay.size and overlay.inodes only supported for backingFS XFS with project quota', { option });
      case 'imagestore':
      case 'additionalimagestore':
        parsed.imageStores.push(...imageStoreList(value, 'overlay'));
        break;
      case 'additionallayerstore':
        if (value === '') break;
        throw new DriverError('not-supported', `overlay: ${name} is not supported by Berth`, { option });
      default:
        throw new DriverError('unknown-option', `overlay: Unknown option ${key}`, { option });
    }
  }
  return parsed;
}

/** Go's vfs Init option loop. */
export function parseVfsOptions(options: string[]): VfsOptions {
  const parsed: VfsOptions = { ignoreChownErrors: false, imageStores: [] };
  for (const option of options) {
    const [key, value] = splitKeyValue(option);
    const name = key.toLowerCase();
    switch (name) {
      case 'vfs.ignore_chown_errors':
      case '.ignore_chown_errors':
        parsed.ignoreChownErrors = parseGoBool(key, value);
        break;
      case 'vfs.mountopt':
        throw new DriverError('invalid-option', 'vfs driver does not support mount options', { option });
      case 'vfs.imagestore':
      case '.imagestore':
        parsed.imageStores.push(...imageStoreList(value, 'vfs'));
        break;
      default:
        throw new DriverError('unknown-option', `vfs driver does not support ${name} options`, { option });
    }
  }
  return parsed;
}

/**
 * A comma-separated list of additional image stores. Go's overlay requires
 * each to be an existing directory and takes it as given; Berth also wants it
 * absolute, since its paths end up in mount data and lower chains.
 */
function imageStoreList(value: string, driver: string): string[] {
  const stores = value.split(',').filter((store) => store !== '');
  for (const store of stores) {
    if (!isAbsolute(store)) throw new DriverError('invalid-option', `${driver}: image store "${store}" is not an absolute path`, { store });
    let isDir = false;
    try {
      isDir = statSync(store).isDirectory();
    } catch (err) {
      throw new DriverError('invalid-option', `${driver}: can't stat imageStore dir ${store}: ${(err as Error).message}`, { store }, { cause: err });
    }
    if (!isDir) throw new DriverError('invalid-option', `${driver}: image store "${store}" is not a directory`, { store });
  }
  return stores.map((store) => resolve(store));
}

/** Go's parsers.ParseKeyValueOpt: split at the first `=`, both sides trimmed. */
function splitKeyValue(option: string): [string, string] {
  const eq = option.indexOf('=');
  if (eq < 0) throw new DriverError('invalid-option', `unable to parse key/value option: ${option}`, { option });
  return [option.slice(0, eq).trim(), option.slice(eq + 1).trim()];
}

/** Go's strconv.ParseBool. */
function parseGoBool(key: string, value: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(value)) return false;
  throw new DriverError('invalid-option', `strconv.ParseBool: parsing "${value}": invalid syntax`, { key, value });
}
