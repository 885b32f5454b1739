// The two questions both drivers ask about a layer's directory: its stat (a
// missing one is the layer-unknown error) and whether a path exists.

import { statSync, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { isErrno } from '../../util/index.js';
import { DriverError } from './errors.js';

/**
 * stat(2) of the layer's directory. Synchronous: one syscall, on the layer
 * create path where the async round trip costs more than the call itself.
 */
export function statLayer(dir: string, id: string): Stats {
  try {
    return statSync(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT')) throw new DriverError('layer-unknown', `layer "${id}" has no directory "${dir}"`, { id }, { cause: err });
    throw err;
  }
}

export async function pathExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}
