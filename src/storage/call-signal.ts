// The AbortSignal of the Store call in progress, for the lock waits deep
// inside it: every operation reaches its locks through shared record stores,
// so the signal travels with the async context instead of through every
// function between the Store method and the lock.

import { AsyncLocalStorage } from 'node:async_hooks';

const callSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` with `signal` as the current call's signal. Without a signal it
 * runs `fn` as it is: on Node 20 the first AsyncLocalStorage.run turns on
 * promise hooks for the whole process, a cost only callers with a signal pay.
 */
export function withCallSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  if (!signal) return fn();
  if (signal.aborted) return Promise.reject(signal.reason);
  return callSignal.run(signal, fn);
}

/** The signal of the Store call this code runs for, if it gave one. */
export function currentCallSignal(): AbortSignal | undefined {
  return callSignal.getStore();
}
