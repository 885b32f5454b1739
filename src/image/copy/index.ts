// The copy pipeline between two transports, and its progress events.

export { copyImage, chooseManifest, type ChosenManifest, type CopyOptions, type CopyResult } from './copy-image.js';
export type { CopyEvent, CopyEventListener } from './progress.js';
