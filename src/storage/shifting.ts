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
  // Without maps there is nothing to shift and the records come out the same either way, so
  // the driver's probe is not asked for: overlay's is a mount whose unmount took 0.66 s here,
  // which every pull and run into a fresh store paid on its first layer.
  if (!maps.uidMap?.length && !maps.gidMap?.length) return false;
  return (await driver.supportsShifting()) && isContiguous(maps.uidMap) && isContiguous(maps.gidMap);
}
