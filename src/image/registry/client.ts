// The distribution API client for one registry host: ping (scheme and auth
// discovery), requests with auth, retries and redirects, and the calls pull
// and push need. One client per host; its tokens are cached per scope set.

import type { Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { ImageError } from '../errors.js';
import type { Credentials, RegistryTls } from '../registries/index.js';
import type { BlobInfo, TransferOptions } from '../transports/types.js';
import { RegistryAuth } from './auth.js';
import { downloadBlob } from './blob-download.js';
import { uploadBlob, type UploadOptions } from './blob-upload.js';
import { parseChallenges } from './challenge.js';
import { discardBody, HttpAgents, readBodyLimited, type HttpResponse } from './http.js';
import { ACCEPTED_MANIFEST_TYPES, CONFIG_SIZE_LIMIT, MANIFEST_SIZE_LIMIT, manifestMediaType } from './manifest.js';
import { registryResponseError } from './registry-errors.js';
import {
  DEFAULT_RETRY_POLICY, isRetryableNetworkError, isRetryableStatus, retryDelayMs, waitBeforeRetry, type RetryPolicy,
} from './retry.js';
import { pullScope, pushScope, type RegistryRequest, type RegistryResponse, type RegistryTransport } from './transport.js';

export interface RegistryClientOptions {
  /** Allow plain HTTP (after HTTPS fails) and unverified TLS. */
  insecure?: boolean;
  /** Extra CAs and client certificate (certs.d). */
  tls?: RegistryTls;
  credentials?: Credentials;
  userAgent?: string;
  retry?: RetryPolicy;
  /** Redirects followed for one blob GET before giving up (default 10). */
  maxRedirects?: number;
  /** Told about every retry and resume (logs, tests). */
  onRetry?: (event: RetryEvent) => void;
  /** Drop a connection idle this long, then retry or resume (default 60 s). */
  idleTimeoutMs?: number;
}

export interface RetryEvent {
  kind: 'retry' | 'resume';
  url: string;
  /** The attempt that failed (retry), or the byte offset resumed from (resume). */
  attempt?: number;
  offset?: number;
  reason: string;
  delayMs?: number;
}

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  /** sha256 of the bytes as received (never the server's header). */
  digest: string;
}

const DEFAULT_USER_AGENT = 'berth/0.1.0';
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export class RegistryClient {
  /** `host[:port]` as references name it (`docker.io`). */
  readonly host: string;
  readonly #apiHost: string;
  readonly #insecure: boolean;
  readonly #agents: HttpAgents;
  readonly #auth: RegistryAuth;
  readonly #userAgent: string;
  readonly #retry: RetryPolicy;
  readonly #maxRedirects: number;
  readonly #onRetry: ((event: RetryEvent) => void) | undefined;
  #base: Promise<URL> | undefined;
  readonly #transport: RegistryTransport = {
    send: (req) => this.#send(req),
    fail: (res, what, detail) => this.#fail(res, what, detail),
  };

  constructor(host: string, options: RegistryClientOptions = {}) {
    this.host = host;
    // Docker Hub's API lives on another host than its name.
    this.#apiHost = host === 'docker.io' ? 'registry-1.docker.io' : host;
    this.#insecure = options.insecure ?? false;
    this.#agents = new HttpAgents({ tls: options.tls ?? { ca: [] }, insecure: this.#insecure, idleTimeoutMs: options.idleTimeoutMs ?? 60_000 });
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#auth = new RegistryAuth(this.#agents, options.credentials, this.#userAgent);
    this.#retry = options.retry ?? DEFAULT_RETRY_POLICY;
    this.#maxRedirects = options.maxRedirects ?? 10;
    this.#onRetry = options.onRetry;
  }

  /** Pings `/v2/` once (HTTPS, then HTTP when insecure); later calls reuse the answer. */
  ping(signal?: AbortSignal): Promise<URL> {
    if (!this.#base) {
      this.#base = this.#ping(signal);
      this.#base.catch(() => { this.#base = undefined; });
    }
    return this.#base;
  }

  /**
   * Checks the credentials the client was made with, as `login` does: GET
   * `/v2/` authorised (Basic), or a token with no scope (Bearer). Throws
   * unauthorized when the registry refuses them.
   */
  async checkLogin(options: TransferOptions = {}): Promise<void> {
    const res = await this.#send({ method: 'GET', path: '', scopes: [], ...signalOf(options) });
    discardBody(res);
    if (res.status !== 200) throw await this.#fail(res, `logging in to ${this.host}`);
  }

  /** The manifest (or index) `selector` (tag or digest) of `repository`, verified when asked for by digest. */
  async getManifest(repository: string, selector: string, options: TransferOptions = {}): Promise<FetchedManifest> {
    const what = `manifest ${selector} of ${this.host}/${repository}`;
    const tooLarge = () => new ImageError('manifest-too-large', `${what} is larger than ${MANIFEST_SIZE_LIMIT} bytes`, {
      repository, selector, limit: MANIFEST_SIZE_LIMIT,
    });
    const { bytes, res } = await this.#getSmall({
      method: 'GET', path: `${repository}/manifests/${selector}`, scopes: [pullScope(repository)],
      headers: { accept: ACCEPTED_MANIFEST_TYPES.join(', ') }, ...signalOf(options),
    }, what, tooLarge, { repository, selector });
    const digest = 'sha256:' + createHash('sha256').update(bytes).digest('hex');
    if (selector.includes(':') && selector !== digest) {
      throw new ImageError('blob-digest-mismatch', `${what}: the bytes have digest ${digest}`, { expected: selector, actual: digest });
    }
    const mediaType = manifestMediaType(bytes, res.headers['content-type']);
    return { bytes, mediaType, digest };
  }

  /** The blob as a verifying, resuming stream (see blob-download.ts). */
  getBlob(repository: string, info: BlobInfo, options: TransferOptions = {}): Readable {
    const what = `blob ${info.digest} of ${this.host}/${repository}`;
    return downloadBlob(async (offset, signal) => {
      const res = await this.#send({
        method: 'GET', path: `${repository}/blobs/${info.digest}`, scopes: [pullScope(repository)], followRedirects: true,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {}, ...(signal ? { signal } : {}),
      });
      if (res.status !== 200 && res.status !== 206) throw await this.#fail(res, what, { repository, digest: info.digest });
      return res;
    }, info, what, {
      ...options,
      onResume: (offset, reason) => this.#onRetry?.({ kind: 'resume', url: `${this.host}/${repository}@${info.digest}`, offset, reason }),
    });
  }

  /** A small blob (the config) read whole, verified, at most 4 MiB (containers/image's limit for configs). */
  async getBlobBytes(repository: string, info: BlobInfo, options: TransferOptions = {}): Promise<Buffer> {
    const tooLarge = () => new ImageError('config-too-large',
      `blob ${info.digest} of ${this.host}/${repository} is over the ${CONFIG_SIZE_LIMIT}-byte limit for configs`, { digest: info.digest, size: info.size });
    if (info.size > CONFIG_SIZE_LIMIT) throw tooLarge();
    return readBodyLimited(this.getBlob(repository, info, options), CONFIG_SIZE_LIMIT, tooLarge);
  }

  /** The blob's size when `repository` has it, else undefined (HEAD). */
  async blobExists(repository: string, digest: string, options: TransferOptions = {}): Promise<number | undefined> {
    const res = await this.#send({ method: 'HEAD', path: `${repository}/blobs/${digest}`, scopes: [pushScope(repository)], followRedirects: true, ...signalOf(options) });
    discardBody(res);
    if (res.status === 200) return Number(res.headers['content-length'] ?? -1);
    if (res.status === 404) return undefined;
    throw await this.#fail(res, `checking blob ${digest} in ${this.host}/${repository}`, { repository, digest });
  }

  /** Cross-repository mount; false when the registry started an ordinary upload instead (that upload is cancelled). */
  async mountBlob(repository: string, digest: string, fromRepository: string, options: TransferOptions = {}): Promise<boolean> {
    const query = new URLSearchParams({ mount: digest, from: fromRepository });
    const res = await this.#send({
      method: 'POST', path: `${repository}/blobs/uploads/?${query}`, scopes: [pushScope(repository), pullScope(fromRepository)], ...signalOf(options),
    });
    discardBody(res);
    if (res.status === 201) return true;
    if (res.status === 202) {
      const location = res.headers.location;
      if (location) {
        const cancel = await this.#send({ method: 'DELETE', url: new URL(location, res.url), scopes: [pushScope(repository)], ...signalOf(options) });
        discardBody(cancel);
      }
      return false;
    }
    throw await this.#fail(res, `mounting blob ${digest} from ${fromRepository} into ${this.host}/${repository}`, { repository, digest });
  }

  /** Uploads a blob (monolithic, or in chunks of `chunkSize`); verifies digest and size when `info` gives them. */
  uploadBlob(repository: string, stream: Readable, info: BlobInfo, options: UploadOptions = {}): Promise<BlobInfo> {
    return uploadBlob(this.#transport, `${this.host}/${repository}`, repository, stream, info, options);
  }

  /** PUTs the exact manifest bytes under `reference` (tag or digest); returns their digest. */
  async putManifest(repository: string, reference: string, bytes: Buffer, mediaType: string, options: TransferOptions = {}): Promise<string> {
    const res = await this.#send({
      method: 'PUT', path: `${repository}/manifests/${reference}`, scopes: [pushScope(repository)],
      headers: { 'content-type': mediaType }, body: bytes, ...signalOf(options),
    });
    discardBody(res);
    if (res.status !== 201 && res.status !== 200) throw await this.#fail(res, `pushing manifest ${reference} to ${this.host}/${repository}`, { repository, reference });
    return 'sha256:' + createHash('sha256').update(bytes).digest('hex');
  }

  /** Every tag of `repository`, following `Link` pagination. */
  async listTags(repository: string, options: TransferOptions = {}): Promise<string[]> {
    const pages = await this.#paged(`${repository}/tags/list`, [pullScope(repository)], `tags of ${this.host}/${repository}`, options);
    return pages.flatMap((p) => (Array.isArray(p.tags) ? p.tags.filter((t): t is string => typeof t === 'string') : []));
  }

  /** Every repository the registry lists in `_catalog` (registries may refuse). */
  async catalog(options: TransferOptions = {}): Promise<string[]> {
    const pages = await this.#paged('_catalog', ['registry:catalog:*'], `the catalog of ${this.host}`, options);
    return pages.flatMap((p) => (Array.isArray(p.repositories) ? p.repositories.filter((r): r is string => typeof r === 'string') : []));
  }

  close(): void {
    this.#agents.close();
  }

  async #paged(path: string, scopes: string[], what: string, options: TransferOptions): Promise<Array<Record<string, unknown>>> {
    const pages: Array<Record<string, unknown>> = [];
    let url: URL | undefined;
    const base = await this.ping(options.signal);
    url = new URL(`/v2/${path}`, base);
    while (url) {
      const { bytes: body, res } = await this.#getSmall({ method: 'GET', url, scopes, ...signalOf(options) }, what,
        () => new ImageError('registry-error', `${what}: answer too large`));
      try {
        pages.push(JSON.parse(body.toString('utf8')) as Record<string, unknown>);
      } catch (err) {
        throw new ImageError('registry-error', `${what}: the answer is not JSON`, {}, { cause: err });
      }
      // `Link: </v2/…?last=x&n=y>; rel="next"`
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(String(res.headers.link ?? ''));
      url = next ? new URL(next[1] as string, res.url) : undefined;
    }
    return pages;
  }

  // A GET whose whole answer (at most MANIFEST_SIZE_LIMIT bytes) is wanted:
  // a connection dropped while the body arrives is retried like one dropped
  // before the headers.
  async #getSmall(req: RegistryRequest, what: string, tooLarge: () => Error, detail: Record<string, unknown> = {}): Promise<{ bytes: Buffer; res: RegistryResponse }> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.#send(req);
      if (res.status !== 200) throw await this.#fail(res, what, detail);
      if (Number(res.headers['content-length']) > MANIFEST_SIZE_LIMIT) {
        res.body.destroy();
        throw tooLarge();
      }
      try {
        return { bytes: await readBodyLimited(res.body, MANIFEST_SIZE_LIMIT, tooLarge), res };
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason ?? err;
        if (err instanceof ImageError) throw err;
        if (attempt >= this.#retry.attempts) {
          throw new ImageError('registry-unavailable', `${what}: reading the answer failed: ${(err as Error).message} (after ${attempt} attempts)`, {
            ...detail, attempts: attempt,
          }, { cause: err });
        }
        await this.#pause(res.url, attempt, (err as Error).message, retryDelayMs(this.#retry, attempt), req.signal);
      }
    }
  }

  async #ping(signal?: AbortSignal): Promise<URL> {
    const schemes = this.#insecure ? ['https', 'http'] : ['https'];
    const failures: string[] = [];
    let lastError: unknown;
    for (const scheme of schemes) {
      const url = new URL(`${scheme}://${this.#apiHost}/v2/`);
      let res: RegistryResponse;
      try {
        res = await this.#exchange({ method: 'GET', url, scopes: [], retry: true, ...(signal ? { signal } : {}) }, url, false);
      } catch (err) {
        if (signal?.aborted) throw signal.reason ?? err;
        failures.push(`${url.href}: ${(err as Error).message}`);
        lastError = err;
        continue;
      }
      discardBody(res);
      if (res.status === 200 || res.status === 401) {
        this.#auth.useChallenges(parseChallenges(res.headers['www-authenticate']));
        return new URL(`${scheme}://${this.#apiHost}/`);
      }
      throw await this.#fail(res, `pinging container registry ${this.host}`);
    }
    throw new ImageError('registry-unavailable', `pinging container registry ${this.host}: ${failures.join('; ')}`, {
      host: this.host, insecure: this.#insecure,
    }, { cause: lastError });
  }

  async #send(req: RegistryRequest): Promise<RegistryResponse> {
    const base = await this.ping(req.signal);
    const url = req.url ?? new URL(`/v2/${req.path ?? ''}`, base);
    return this.#exchange(req, url, true, base);
  }

  // One logical request: auth header, retries on 429/5xx and dropped
  // connections, one more try with wider scopes after a 401, redirects. The
  // registry's Authorization never goes to another origin (object storage).
  async #exchange(req: RegistryRequest, firstUrl: URL, authorize: boolean, base?: URL): Promise<RegistryResponse> {
    const replayable = req.body === undefined || Buffer.isBuffer(req.body);
    const retry = (req.retry ?? true) && replayable;
    let url = firstUrl;
    let scopes = req.scopes;
    let authRetried = false;
    let redirects = 0;
    let attempt = 1;
    for (;;) {
      const headers: Record<string, string> = {
        'user-agent': this.#userAgent, 'docker-distribution-api-version': 'registry/2.0', ...req.headers,
      };
      const sameOrigin = base !== undefined && url.origin === base.origin;
      if (authorize && sameOrigin) {
        const authorization = await this.#auth.header(scopes, req.signal);
        if (authorization) headers.authorization = authorization;
      }
      let res: HttpResponse;
      try {
        res = await this.#agents.send({ method: req.method, url, headers, ...(req.body ? { body: req.body } : {}), ...(req.signal ? { signal: req.signal } : {}) });
      } catch (err) {
        if (req.signal?.aborted) throw req.signal.reason ?? err;
        if (retry && isRetryableNetworkError(err) && attempt < this.#retry.attempts) {
          await this.#pause(url, attempt, (err as Error).message, retryDelayMs(this.#retry, attempt), req.signal);
          attempt++;
          continue;
        }
        throw new ImageError('registry-unavailable', `${req.method} ${url.href}: ${(err as Error).message}${attempt > 1 ? ` (after ${attempt} attempts)` : ''}`, {
          url: url.href, attempts: attempt,
        }, { cause: err });
      }
      if (res.status === 401 && authorize && sameOrigin && !authRetried && replayable) {
        const wider = this.#auth.scopesAfterUnauthorized(scopes, parseChallenges(res.headers['www-authenticate']));
        if (wider) {
          discardBody(res);
          scopes = wider;
          authRetried = true;
          continue;
        }
      }
      if (retry && isRetryableStatus(res.status) && attempt < this.#retry.attempts) {
        discardBody(res);
        const retryAfter = res.headers['retry-after'];
        await this.#pause(url, attempt, `HTTP status ${res.status}`, retryDelayMs(this.#retry, attempt, retryAfter), req.signal);
        attempt++;
        continue;
      }
      if (req.followRedirects && REDIRECT_STATUSES.has(res.status)) {
        discardBody(res);
        const location = res.headers.location;
        if (!location) throw new ImageError('registry-error', `${req.method} ${url.href}: redirect ${res.status} without a Location`, { url: url.href });
        if (++redirects > this.#maxRedirects) {
          throw new ImageError('too-many-redirects', `${req.method} ${firstUrl.href}: stopped after ${this.#maxRedirects} redirects`, {
            url: firstUrl.href, lastLocation: location,
          });
        }
        url = new URL(location, url);
        continue;
      }
      return Object.assign(res, { attempts: attempt });
    }
  }

  async #pause(url: URL, attempt: number, reason: string, delayMs: number, signal?: AbortSignal): Promise<void> {
    this.#onRetry?.({ kind: 'retry', url: url.href, attempt, reason, delayMs });
    await waitBeforeRetry(delayMs, signal);
  }

  async #fail(res: RegistryResponse, what: string, detail: Record<string, unknown> = {}): Promise<ImageError> {
    const err = await registryResponseError(res, what, { ...detail, attempts: res.attempts });
    if (res.attempts > 1) err.message += ` (after ${res.attempts} attempts)`;
    return err;
  }
}

function signalOf(options: TransferOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}
