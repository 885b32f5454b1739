// podman's GraphDriver of an image or a container (libimage driverData,
// libpod GetDriverData): the driver's name and its Metadata of the layer,
// MergedDir only while the layer is mounted.

import type { CallOptions, Store } from './types.js';

export interface GraphDriverData {
  Name: string;
  Data: Record<string, string> | null;
}

export async function graphDriverData(store: Store, layerId: string, options?: CallOptions): Promise<GraphDriverData> {
  const data = await store.layerDriverMetadata(layerId, options);
  if (data && (await store.mounted(layerId, options)) === 0) delete data.MergedDir;
  return { Name: store.graphDriverName, Data: data };
}
