// The ImageServer of seed 001 on a Berth store, and its ImageResult.

export { ImageServer, type ImageServerOptions, type PulledImage, type PreparedImage, type ImageInspect, type TreeLayer, type HistoryItem } from './image-server.js';
export { imageResultOf, repositoryOf, type ImageResult } from './image-result.js';
