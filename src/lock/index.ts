// Cross-process locks compatible with containers/storage's lock files.

export type { LockFile, LastWrite } from './types.js';
