// `berth storage`: the containers-storage command line on a Berth store.

export { runStorage } from './run.js';
