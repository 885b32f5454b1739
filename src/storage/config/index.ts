// storage.conf and the storage environment (STORAGE_DRIVER, STORAGE_OPTS,
// CONTAINERS_STORAGE_CONF) read into the StoreOptions openStore takes.

export { loadStoreOptions, chooseDriver, idmappedMountsDisabled, DEFAULT_GRAPH_ROOT, DEFAULT_RUN_ROOT, type LoadStoreOptionsInput, type LoadedStoreOptions } from './load.js';
export { findStorageConf, SYSTEM_CONFIG_FILE, OVERRIDE_CONFIG_FILE, type ConfigFileChoice, type Env } from './search.js';
