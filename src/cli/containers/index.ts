// The container verbs of `berth` (podman's names and flags).

export { registerContainerVerbs } from './verbs.js';
export type { GlobalOptions } from './context.js';
