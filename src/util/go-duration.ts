// Go's time.Duration: its String, for what podman prints as durations (top's
// ELAPSED and TIME, stats' CPU and UP TIME), and ParseDuration, for the flags
// that take one (`check --max 24h`, `--retry-delay 2s`, `--health-interval 1m30s`).

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Go's time.ParseDuration, in milliseconds: a sequence of decimal numbers
 * with units (ns, us, µs, ms, s, m, h), e.g. `1h30m`, `1.5s`; `0` alone.
 * Throws a RangeError naming the text when it is not a duration.
 */
export function parseGoDuration(text: string): number {
  const match = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/.exec(text);
  if (text === '0') return 0;
  if (!match) throw new RangeError(`time: invalid duration ${JSON.stringify(text)}`);
  let total = 0;
  for (const part of text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number.parseFloat(part[1]!) * UNIT_MS[part[2]!]!;
  }
  return match[1] === '-' ? -total : total;
}

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
