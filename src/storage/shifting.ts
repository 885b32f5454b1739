// Go's canUseShifting: whether a container's (or layer's) maps can be applied
// at mount time by the driver instead of by storing chowned copies of layers.

import { isContiguous } from '../idmap/index.js';
import type { Driver } from './drivers/index.js';
import type { IDMap } from './types.js';

/**
 * The driver shifts (overlay with idmapped lowers) and each map is one
 * contiguous range; then layers are stored with the host's IDs and no maps,
 * and a container's maps are applied when its layer is mounted.
 */
export async function canUseShifting(driver: Driver, maps: { uidMap?: readonly IDMap[]; gidMap?: readonly IDMap[] }): Promise<boolean> {
  return (await driver.supportsShifting()) && isContiguous(maps.uidMap) && isContiguous(maps.gidMap);
}
