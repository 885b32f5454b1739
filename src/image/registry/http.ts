// One HTTP exchange on Node's own http/https stack, with keep-alive agents
// per TLS setting (system CAs plus certs.d CAs, client certificate, or no
// verification for an insecure registry). No redirects, retries or auth here.

import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { rootCertificates } from 'node:tls';
import type { RegistryTls } from '../registries/index.js';

export interface HttpRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** A Buffer is sent with its length; a stream is sent chunked unless Content-Length is set. */
  body?: Buffer | Readable;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

export interface HttpAgentsOptions {
  tls: RegistryTls;
  /** Skip certificate verification (registries.conf `insecure`, `--tls-verify=false`). */
  insecure: boolean;
  /**
   * A connection on which nothing moves for this long is dropped with
   * ETIMEDOUT (retried, or resumed for a blob) instead of hanging forever.
   */
  idleTimeoutMs: number;
}

/** Connection pools for one registry: one for http:, one for https:. */
export class HttpAgents {
  readonly #http: HttpAgent;
  readonly #https: HttpsAgent;
  readonly #idleTimeoutMs: number;

  constructor(options: HttpAgentsOptions) {
    this.#idleTimeoutMs = options.idleTimeoutMs;
    this.#http = new HttpAgent({ keepAlive: true, maxSockets: 32 });
    // Node's `ca` replaces the default trust store, so the system roots are passed along with certs.d's CAs.
    const ca = options.tls.ca.length > 0 ? [...rootCertificates, ...options.tls.ca.map((b) => b.toString())] : undefined;
    this.#https = new HttpsAgent({
      keepAlive: true,
      maxSockets: 32,
      rejectUnauthorized: !options.insecure,
      ...(ca ? { ca } : {}),
      ...(options.tls.cert && options.tls.key ? { cert: options.tls.cert, key: options.tls.key } : {}),
    });
  }

  /** Sends `req` and resolves once the response headers arrived. */
  send(req: HttpRequest): Promise<HttpResponse> {
    const isHttps = req.url.protocol === 'https:';
    const send = isHttps ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers };
      if (Buffer.isBuffer(req.body)) headers['content-length'] = String(req.body.length);
      else if (req.body === undefined && (req.method === 'PUT' || req.method === 'POST' || req.method === 'PATCH')) headers['content-length'] = '0';
      const outgoing = send(req.url, {
        method: req.method,
        headers,
        agent: isHttps ? this.#https : this.#http,
        ...(req.signal ? { signal: req.signal } : {}),
      }, (res) => {
        response = res;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: req.url });
      });
      let response: IncomingMessage | undefined;
      outgoing.on('error', reject);
      outgoing.setTimeout(this.#idleTimeoutMs, () => {
        // Once the headers are in, the body's reader must see why the bytes stopped.
        const idle = Object.assign(new Error(`no data from ${req.url.host} for ${this.#idleTimeoutMs} ms`), { code: 'ETIMEDOUT' });
        if (response) response.destroy(idle);
        outgoing.destroy(idle);
      });
      if (req.body === undefined) outgoing.end();
      else if (Buffer.isBuffer(req.body)) outgoing.end(req.body);
      else {
        req.body.on('error', (err) => outgoing.destroy(err));
        req.body.pipe(outgoing);
      }
    });
  }

  close(): void {
    this.#http.destroy();
    this.#https.destroy();
  }
}

/** Reads a response body up to `limit` bytes; more is an error the caller names. */
export async function readBodyLimited(body: Readable, limit: number, onTooLarge: () => Error): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += (chunk as Buffer).length;
    if (total > limit) {
      body.destroy();
      throw onTooLarge();
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Throws the response body away so the socket can be reused. */
export function discardBody(res: HttpResponse): void {
  res.body.resume();
}
