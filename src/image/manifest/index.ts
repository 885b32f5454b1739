// Manifests, indexes and configs: media types, parsing with limits and
// checks, platform choice.

export * from './media-types.js';
export * from './manifest.js';
export * from './platform.js';
export * from './config-changes.js';
