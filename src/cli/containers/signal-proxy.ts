// podman's --sig-proxy: the signals a foreground `run`, `start -a` or
// `attach` receives go to the container's process, as `kill` sends them, so
// that Ctrl-C in a terminal or a supervisor's SIGTERM reaches what runs in the
// container instead of ending the command and leaving the container behind.

import type { ContainerEngine } from '../../engine/index.js';

/**
 * The signals proxied: those Node lets a process catch, less what podman keeps
 * for the command itself (SIGCHLD, SIGPIPE, SIGURG), the resize of an attached
 * terminal (SIGWINCH), and the ones a fault or abort() raises (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT, SIGTRAP), which end the process whatever handles them.
 * Real-time signals are not among Node's: they are not proxied.
 */
export const PROXIED_SIGNALS: readonly NodeJS.Signals[] = [
  'SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGTERM', 'SIGSTKFLT', 'SIGCONT', 'SIGTSTP',
  'SIGTTIN', 'SIGTTOU', 'SIGXCPU', 'SIGXFSZ', 'SIGVTALRM', 'SIGPROF', 'SIGIO', 'SIGPWR', 'SIGSYS',
];

/**
 * Runs `follow` with every PROXIED_SIGNALS signal this process receives sent on
 * to container `id` (the engine's kill: a `kill` event, and no restart after it,
 * as podman's). When one cannot be delivered (the container has exited), the
 * proxy stops and the signal is raised again here, to do what it would have
 * done without a proxy, as podman does. `proxy` false: signals act as they would.
 */
export async function withSignalsProxied<T>(engine: ContainerEngine, id: string, proxy: boolean, follow: () => Promise<T>): Promise<T> {
  if (!proxy) return follow();
  const stop = (): void => {
    for (const signal of PROXIED_SIGNALS) process.removeListener(signal, forward);
  };
  function forward(signal: NodeJS.Signals): void {
    engine.kill(id, signal).catch(() => {
      stop();
      process.kill(process.pid, signal);
    });
  }
  for (const signal of PROXIED_SIGNALS) process.on(signal, forward);
  try {
    return await follow();
  } finally {
    stop();
  }
}
