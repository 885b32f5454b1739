// Layer tars in and out of directories: streaming apply with whiteouts and
// confinement, tar-split recording and replay, changes, diffs, compression.

export * from './types.js';
