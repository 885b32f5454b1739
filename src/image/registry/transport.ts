// What the client's parts (manifests, blob download, upload) share: one
// request as the registry API needs it, and the answer with how many attempts
// it took.

import type { Readable } from 'node:stream';
import type { HttpResponse } from './http.js';

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path under `/v2/` (`library/busybox/manifests/1`), or an absolute URL (an upload Location). */
  path?: string;
  url?: URL;
  /** Token scopes the request needs (`repository:<name>:pull`). */
  scopes: string[];
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Follow 3xx answers (blob GETs that go to object storage). */
  followRedirects?: boolean;
  /** Send again after a 429/5xx or a dropped connection; only for requests whose body can be sent twice. */
  retry?: boolean;
  signal?: AbortSignal;
}

export interface RegistryResponse extends HttpResponse {
  /** Attempts made, the first included (more than one after retries). */
  attempts: number;
}

/** How a client part reaches the registry. */
export interface RegistryTransport {
  send(req: RegistryRequest): Promise<RegistryResponse>;
  /** The error for an unexpected answer (reads its body). */
  fail(res: RegistryResponse, what: string, detail?: Record<string, unknown>): Promise<Error>;
}

export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

export function pushScope(repository: string): string {
  return `repository:${repository}:pull,push`;
}
