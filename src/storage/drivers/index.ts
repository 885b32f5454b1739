// Graph drivers (overlay, vfs): layer directories, mounts, and layer diffs in
// and out, behind the Driver contract the Store codes against.

export type * from './types.js';
export { DriverError, isDriverError, type DriverErrorCode } from './errors.js';
export { createDriver } from './create-driver.js';
