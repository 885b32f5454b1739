// Shared set-up for the registry tests: a temp dir, a plain-HTTP registry,
// a DockerTransport with fast retries, and images pushed with skopeo.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerTransport, emptyRegistriesConfig, mergeRegistriesFile, type DockerTransportOptions, type RetryEvent } from '../../src/image/index.js';

/** Retries fast enough for tests (the default starts at 2 s). */
export const FAST_RETRY = { attempts: 3, initialDelayMs: 20, maxDelayMs: 100 };

export async function makeTempDir(prefix: string): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** registries.conf text parsed as if it were the main file. */
export function registriesConf(text: string) {
  const config = emptyRegistriesConfig();
  mergeRegistriesFile(config, 'test-registries.conf', text);
  return config;
}

/** A transport for loopback registries: `insecure` hosts (plain HTTP), fast retries, retry events recorded. */
export function testTransport(options: Partial<DockerTransportOptions> & { insecureHosts?: string[] } = {}): {
  transport: DockerTransport; retries: RetryEvent[];
} {
  const retries: RetryEvent[] = [];
  const conf = (options.insecureHosts ?? []).map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true\n`).join('\n');
  const { insecureHosts: _ignored, ...rest } = options;
  const transport = new DockerTransport({
    registries: registriesConf(conf),
    retry: FAST_RETRY,
    onRetry: (e) => retries.push(e),
    ...rest,
  });
  return { transport, retries };
}
