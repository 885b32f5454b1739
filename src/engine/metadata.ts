// The store container's metadata: CRI-O's RuntimeContainerMetadata JSON
// (seed 001), which podman also reads for containers it did not make.

export interface RuntimeContainerMetadata {
  'pod-name': string;
  'pod-id': string;
  'image-name': string;
  'image-id': string;
  name: string;
  'metadata-name': string;
  mountlabel?: string;
  /** Unix seconds. */
  'created-at': number;
}

export function containerMetadata(fields: { name: string; imageName: string; imageId: string; created: Date }): RuntimeContainerMetadata {
  return {
    'pod-name': '',
    'pod-id': '',
    'image-name': fields.imageName,
    'image-id': fields.imageId,
    name: fields.name,
    'metadata-name': fields.name,
    'created-at': Math.floor(fields.created.getTime() / 1000),
  };
}
