// Picks and initialises a graph driver by name.

import type { Driver, DriverInitOptions, DriverName } from './types.js';
import { DriverError } from './errors.js';
import { OverlayDriver } from './overlay.js';
import { VfsDriver } from './vfs.js';

/** `overlay` (also spelled `overlay2`, as storage.conf allows) or `vfs`, initialised as Go's Init does. */
export async function createDriver(name: DriverName | 'overlay2', init: DriverInitOptions): Promise<Driver> {
  switch (name) {
    case 'overlay':
    case 'overlay2':
      return OverlayDriver.init(init);
    case 'vfs':
      return VfsDriver.init(init);
    default:
      throw new DriverError('not-supported', `driver not supported: ${String(name)}`, { name });
  }
}
