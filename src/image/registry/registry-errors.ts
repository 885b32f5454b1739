// Turning a registry's error answer (`{"errors":[{"code","message","detail"}]}`,
// or a bare status from a proxy) into an ImageError whose code says what
// happened: unknown manifest, refused credentials, an unavailable registry.

import { ImageError, type ImageErrorCode } from '../errors.js';
import { readBodyLimited, type HttpResponse } from './http.js';

/** Error bodies and token answers are capped, as containers/image caps them. */
export const ERROR_BODY_LIMIT = 1 << 20;

interface RegistryErrorEntry {
  code?: string;
  message?: string;
}

/** Reads the body of a failed response and makes the error for it. `what` names the request (`manifest … of …`). */
export async function registryResponseError(res: HttpResponse, what: string, detail: Record<string, unknown> = {}): Promise<ImageError> {
  let entries: RegistryErrorEntry[] = [];
  try {
    const body = await readBodyLimited(res.body, ERROR_BODY_LIMIT, () => new Error('error body too large'));
    const parsed = JSON.parse(body.toString('utf8')) as { errors?: unknown };
    if (Array.isArray(parsed.errors)) entries = parsed.errors as RegistryErrorEntry[];
  } catch {
    // Bodies from proxies and load balancers may be empty or HTML: the status says enough.
  }
  const registryCodes = entries.map((e) => String(e.code ?? '')).filter(Boolean);
  const text = entries.map((e) => [e.code, e.message].filter(Boolean).join(': ')).filter(Boolean).join('; ');
  const code = errorCodeFor(res.status, registryCodes);
  const message = `${what}: ${text || `HTTP status ${res.status}`}`;
  return new ImageError(code, message, { ...detail, status: res.status, registryCodes, url: res.url.href });
}

function errorCodeFor(status: number, registryCodes: string[]): ImageErrorCode {
  if (status === 401 || status === 403 || registryCodes.includes('UNAUTHORIZED') || registryCodes.includes('DENIED')) return 'unauthorized';
  if (status === 404 && registryCodes.includes('BLOB_UNKNOWN')) return 'blob-unknown';
  if (status === 404) return 'manifest-unknown';
  if (status === 429 || status >= 500) return 'registry-unavailable';
  return 'registry-error';
}
