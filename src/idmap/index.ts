// ID mappings (containers/storage pkg/idtools): container IDs to host IDs and back.
export { IdMappings, IdMappingError, idToContainer, idToHost, parseIdMapSpecs, subIdMappings, allocateUserNamespace, isContiguous, type IDMap, type IdPair } from './mappings.js';
export { IdSet, type Interval } from './id-set.js';
