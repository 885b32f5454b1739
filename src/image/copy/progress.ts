// The events a copy reports, for a terminal bar per blob (as podman shows
// them) or a JSON line each for programs.

export type CopyEvent =
  | { type: 'manifest'; digest: string; mediaType: string }
  | { type: 'blob-start'; digest: string; size: number; kind: 'config' | 'layer' }
  | { type: 'blob-progress'; digest: string; bytes: number; size: number }
  | { type: 'blob-skipped'; digest: string; size: number; kind: 'config' | 'layer' }
  | { type: 'blob-done'; digest: string; bytes: number; kind: 'config' | 'layer' }
  | { type: 'writing-manifest' }
  | { type: 'creating-signature'; message: string }
  | { type: 'storing-signatures'; count: number }
  | { type: 'done'; manifestDigest: string; configDigest: string };

export type CopyEventListener = (event: CopyEvent) => void;
