// Stream helpers for tests: collect a Readable (a diff, a big-data item) into
// bytes, with the project's own helper.

export { readAll } from '../../src/util/index.js';
