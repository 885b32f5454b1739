// Picks and initialises a graph driver by name.

import type { Driver, DriverInitOptions, DriverName } from './types.js';
import { DriverError } from './errors.js';

/**
 * `overlay` (also spelled `overlay2`, as storage.conf allows) or `vfs`, initialised as Go's Init does.
 * Only the chosen driver's module is loaded: each process opens one driver.
 */
export async function createDriver(name: DriverName | 'overlay2', init: DriverInitOptions): Promise<Driver> {
  switch (name) {
    case 'overlay':
    case 'overlay2':
      return (await import('./overlay.js')).OverlayDriver.init(init);
    case 'vfs':
      return (await import('./vfs.js')).VfsDriver.init(init);
    default:
      throw new DriverError('not-supported', `driver not supported: ${String(name)}`, { name });
  }
}
