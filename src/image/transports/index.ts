// Image sources and destinations behind one contract, and the parsing of
// `transport:reference` strings.

export type * from './types.js';
export { parseImageReference, isTransportName, type ParsedReference } from './reference.js';
export { openImageSource, openImageDestination, type TransportContext } from './open.js';
export { parseDockerName, formatDockerName, normalizeDockerName, normalizeLocalName, type DockerName } from './docker-name.js';
export { layerIdsFor, imageIdFor } from './storage-layer-ids.js';
export { VerifyingStream } from './verifying-stream.js';
export { StorageDestination } from './storage-destination.js';
export { archiveTransportOf } from './tar-file.js';
export { openTarballSource, type TarballImageOptions } from './tarball.js';
export { openCommitSource, type CommitSourceOptions } from './commit.js';
