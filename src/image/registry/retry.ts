// When and how long to wait before sending a request again: 429 and 5xx
// answers and dropped connections, exponential back-off from the policy's
// first delay (or the server's Retry-After), capped, as containers/image does.

import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubles each time. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 2000, maxDelayMs: 60_000 };

/** 429, and 5xx except those that no retry can fix (501, 505). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ECONNABORTED', 'EAI_AGAIN', 'UND_ERR_SOCKET']);

/** A dropped or reset connection (not a refused one: that host is down, try the next mirror). */
export function isRetryableNetworkError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code !== undefined && RETRYABLE_NETWORK_CODES.has(code);
}

/** Delay before attempt `attempt + 1` (attempt counts from 1); Retry-After wins when given and sane. */
export function retryDelayMs(policy: RetryPolicy, attempt: number, retryAfter?: string): number {
  const fromHeader = parseRetryAfter(retryAfter);
  const backoff = policy.initialDelayMs * 2 ** (attempt - 1);
  return Math.min(fromHeader ?? backoff, policy.maxDelayMs);
}

export function waitBeforeRetry(ms: number, signal?: AbortSignal): Promise<void> {
  return sleep(ms, undefined, signal ? { signal } : {});
}

// Seconds, or an HTTP date.
function parseRetryAfter(value: string | undefined): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
