// Go's time.ParseDuration for flags such as `check --max 24h`: a sequence of
// decimal numbers with units (ns, us, µs, ms, s, m, h), e.g. `1h30m`, `1.5s`.

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; throws a RangeError naming the text when it is not a duration. */
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
