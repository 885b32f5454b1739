// The registry clients a docker:// source or destination talks through,
// one per (host, insecure), each built with that host's credentials and
// certs.d material. Shared by every image opened with the same options.

import { RegistryClient, type RegistryClientOptions, type RetryEvent, type RetryPolicy } from '../registry/index.js';
import type { Credentials, RegistriesConfig, RegistryTls } from '../registries/index.js';
import { isInsecureRegistry } from '../registries/index.js';
import type { BlobInfo } from './types.js';

export interface DockerTransportOptions {
  /** registries.conf settings: mirrors, prefixes, insecure and blocked registries. */
  registries: RegistriesConfig;
  /** Credentials for `host/path` (see findCredentials()); absent: anonymous. */
  credentials?: (repository: string) => Promise<Credentials | undefined>;
  /** certs.d material for `host[:port]` (see loadRegistryTls()); absent: system CAs only. */
  tls?: (host: string) => Promise<RegistryTls>;
  /** `--tls-verify`: false allows plain HTTP and unverified TLS for every registry; true forbids it even where registries.conf allows it. */
  tlsVerify?: boolean;
  retry?: RetryPolicy;
  userAgent?: string;
  onRetry?: (event: RetryEvent) => void;
  /** Drop a connection idle this long, then retry or resume (default 60 s). */
  idleTimeoutMs?: number;
  /** Push in PATCHes of this many bytes (default: one PATCH per blob). */
  uploadChunkSize?: number;
  /**
   * Repositories on the destination registry that may hold a blob already
   * (a blob-info cache), tried with a cross-repository mount before uploading;
   * `host` is the destination registry's.
   */
  mountCandidates?: (digest: string, host?: string) => string[];
  /**
   * Compressed blobs known to hold the same layer as the uncompressed
   * `digest` (a store knows each pulled layer's compressed digest): a push
   * reuses one the registry has, or can mount, instead of compressing the
   * layer anew, so the pushed digests stay those of the pull.
   */
  compressedVariants?: (digest: string) => BlobInfo[];
  /**
   * The lookaside signature location for a repository (`file:///…/repo` or
   * `https://…/repo`, from registries.d); signatures are read from
   * `<url>@<algorithm>=<hex>/signature-<n>`. Absent: the image has none.
   */
  lookaside?: (repository: string) => URL | undefined;
  /**
   * Where a push writes a repository's signatures (registries.d's
   * `lookaside-staging`, else `lookaside`); only file:// is writable.
   * Absent: a push with signatures is refused.
   */
  lookasideStaging?: (repository: string) => URL | undefined;
  /** Whether sigstore attachments (`sha256-<hex>.sig` tags) are read for a repository (registries.d). Absent: never. */
  useSigstoreAttachments?: (repository: string) => boolean;
}

export class RegistryClients {
  readonly #options: DockerTransportOptions;
  readonly #clients = new Map<string, Promise<RegistryClient>>();

  constructor(options: DockerTransportOptions) {
    this.#options = options;
  }

  /** The client for `host`, reading `repository`'s credentials (keys may be per namespace). */
  clientFor(host: string, repository: string, insecureByConfig: boolean): Promise<RegistryClient> {
    const insecure = this.#options.tlsVerify === undefined
      ? insecureByConfig || isInsecureRegistry(this.#options.registries, host)
      : !this.#options.tlsVerify;
    const credentialsKey = `${host}/${repository}`;
    const key = `${insecure ? 'insecure' : 'secure'} ${credentialsKey}`;
    let client = this.#clients.get(key);
    if (!client) {
      client = this.#makeClient(host, credentialsKey, insecure);
      this.#clients.set(key, client);
      client.catch(() => this.#clients.delete(key));
    }
    return client;
  }

  get options(): DockerTransportOptions {
    return this.#options;
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.#clients.values());
    for (const c of clients) if (c.status === 'fulfilled') c.value.close();
    this.#clients.clear();
  }

  async #makeClient(host: string, repository: string, insecure: boolean): Promise<RegistryClient> {
    const o = this.#options;
    const credentials = await o.credentials?.(repository);
    const tls = await o.tls?.(host);
    const options: RegistryClientOptions = {
      insecure,
      ...(tls ? { tls } : {}),
      ...(credentials ? { credentials } : {}),
      ...(o.userAgent ? { userAgent: o.userAgent } : {}),
      ...(o.retry ? { retry: o.retry } : {}),
      ...(o.onRetry ? { onRetry: o.onRetry } : {}),
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    };
    return new RegistryClient(host, options);
  }
}
