// podman's registry flags (--tls-verify, --creds, --authfile, --cert-dir,
// --retry, --retry-delay) over the files podman reads (registries.conf,
// auth.json, certs.d), read here at the edge and handed to the ImageServer as
// its docker:// transport and short-name resolution.

import { homedir } from 'node:os';
import {
  DockerTransport, findRegistry, ImageError, loadRegistryContext, parseDockerReference, parseNormalizedReference, referenceString, RegistryClient,
  resolveShortName, type Credentials, type DockerTransportOptions, type ImageServerOptions, type RegistryContext, type RetryPolicy,
} from '../../image/index.js';
import { parseGoDuration } from '../../util/index.js';

/** The registry flags as commander gives them. */
export interface RegistryCliFlags {
  /** `--tls-verify` / `--tls-verify=false`; absent: as registries.conf says. */
  tlsVerify?: boolean;
  creds?: string;
  authfile?: string;
  certDir?: string;
  retry?: string;
  retryDelay?: string;
}

export interface RegistryAccess {
  context: RegistryContext;
  /** What `new ImageServer(store, …)` takes to reach registries and resolve short names. */
  serverOptions: ImageServerOptions;
  /** Closes the transport's connections. */
  close(): Promise<void>;
}

/**
 * Opens the docker:// transport for one command; `extra` adds transport
 * options the flags do not give (push hints from the store).
 */
export async function openRegistryAccess(flags: RegistryCliFlags, extra: Partial<DockerTransportOptions> = {}, env: NodeJS.ProcessEnv = process.env): Promise<RegistryAccess> {
  const context = await loadCliRegistryContext(flags, env);
  const retry = retryPolicyOf(flags);
  const transport = new DockerTransport({ ...context.transportOptions, ...extra, ...(retry ? { retry } : {}) });
  return {
    context,
    serverOptions: {
      defaultTransport: 'docker://',
      // podman asks on a terminal and records the answer as an alias; Berth never
      // prompts, so nothing is recorded (enforcing mode refuses an ambiguous name).
      resolveShortName: (name) => resolveShortName(context.registries, name, { cachedAliases: context.aliasCache, cacheFile: context.aliasCacheFile })
        .candidates.map(referenceString),
      transports: {
        docker: {
          openSource: (ref, signal) => transport.openSource(parseDockerReference(ref.text), signal ? { signal } : {}),
          openDestination: (ref) => transport.openDestination(parseDockerReference(ref.text)),
        },
      },
    },
    close: () => transport.close(),
  };
}

/** registries.conf, auth files and certs.d as podman reads them, with the command's flags over them. */
export function loadCliRegistryContext(flags: RegistryCliFlags, env: NodeJS.ProcessEnv = process.env): Promise<RegistryContext> {
  return loadRegistryContext(userEnvironment(env), {
    ...(flags.authfile !== undefined ? { authFile: flags.authfile } : {}),
    ...(flags.certDir !== undefined ? { certDir: flags.certDir } : {}),
    ...(flags.tlsVerify !== undefined ? { tlsVerify: flags.tlsVerify } : {}),
    ...(flags.creds !== undefined ? { creds: flags.creds } : {}),
  });
}

/**
 * A client for one registry host, for the verbs that speak to a registry
 * itself (login, search): certs.d's TLS for the host, plain HTTP when
 * --tls-verify=false or registries.conf's `insecure` allows it; the caller closes it.
 */
export async function registryClientFor(context: RegistryContext, host: string, tlsVerify: boolean | undefined, credentials?: Credentials): Promise<RegistryClient> {
  const tls = await context.transportOptions.tls?.(host);
  return new RegistryClient(host, { insecure: registryInsecure(context, host, tlsVerify), ...(tls ? { tls } : {}), ...(credentials ? { credentials } : {}) });
}

export function userEnvironment(env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv; homeDir: string; uid: number } {
  return { env, homeDir: env.HOME || homedir(), uid: process.getuid?.() ?? 0 };
}

/** Whether plain HTTP and unverified TLS are allowed for `host`: --tls-verify wins over registries.conf's `insecure`. */
function registryInsecure(context: RegistryContext, host: string, tlsVerify: boolean | undefined): boolean {
  if (tlsVerify !== undefined) return !tlsVerify;
  return findRegistry(context.registries, parseNormalizedReference(`${host}/x`))?.insecure ?? false;
}

/**
 * podman's `--retry N` (retries after the first attempt, default 3) and
 * `--retry-delay D` (a fixed delay; default: exponential back-off from 2 s).
 */
export function retryPolicyOf(flags: Pick<RegistryCliFlags, 'retry' | 'retryDelay'>): RetryPolicy | undefined {
  if (flags.retry === undefined && flags.retryDelay === undefined) return undefined;
  const retries = flags.retry === undefined ? 3 : Number(flags.retry);
  if (!Number.isInteger(retries) || retries < 0) throw new ImageError('invalid-option', `--retry ${flags.retry}: want a count of retries (0 or more)`, { retry: flags.retry });
  let delay: number | undefined;
  if (flags.retryDelay !== undefined) {
    try {
      delay = parseGoDuration(flags.retryDelay);
    } catch {
      throw new ImageError('invalid-option', `--retry-delay ${flags.retryDelay}: want a duration such as 500ms or 2s`, { retryDelay: flags.retryDelay });
    }
  }
  return { attempts: retries + 1, initialDelayMs: delay ?? 2000, maxDelayMs: delay ?? 60_000 };
}
