// Cross-process locks compatible with containers/storage's lock files.

export type { LockFile, LastWrite } from './types.js';
export { getLockFile, getROLockFile, releaseLockFile } from './lockfile.js';
export { LockError, type LockErrorCode } from './errors.js';
