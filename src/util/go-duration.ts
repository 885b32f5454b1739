// Go's time.Duration String, for what podman prints as durations (top's
// ELAPSED and TIME, stats' CPU and UP TIME).

/** Go's time.Duration String: `340ms`, `1.518483039s`, `2m3.5s`, `1h0m0s`. */
export function goDuration(nanos: number): string {
  const ns = Math.round(nanos);
  if (ns === 0) return '0s';
  if (ns < 1e3) return `${ns}ns`;
  if (ns < 1e6) return `${trimFraction(ns / 1e3)}µs`;
  if (ns < 1e9) return `${trimFraction(ns / 1e6)}ms`;
  const hours = Math.floor(ns / 3.6e12);
  const minutes = Math.floor((ns % 3.6e12) / 6e10);
  const seconds = (ns % 6e10) / 1e9;
  return `${hours ? `${hours}h` : ''}${hours || minutes ? `${minutes}m` : ''}${trimFraction(seconds)}s`;
}

/** Up to nine decimals, trailing zeros dropped (Go prints a duration's fraction so). */
function trimFraction(value: number): string {
  return value.toFixed(9).replace(/\.?0+$/, '');
}
