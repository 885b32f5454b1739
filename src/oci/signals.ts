// Signal names and numbers as users give them (`TERM`, `SIGTERM`, `15`) and
// as images record them (STOPSIGNAL), checked against what Linux has.

import { constants } from 'node:os';
import { OciError } from './errors.js';

const BY_NAME = constants.signals as Record<string, number>;

/** The signal's number; throws `invalid-signal` for anything Linux does not have. */
export function parseSignal(value: string | number): number {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    if (number >= 1 && number <= 64) return number;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    const number = BY_NAME[name];
    if (number !== undefined) return number;
    const realtime = /^SIGRTMIN\+(\d+)$/.exec(name);
    if (realtime && Number(realtime[1]) <= 30) return 34 + Number(realtime[1]);
  }
  throw new OciError('invalid-signal', `invalid signal ${JSON.stringify(String(value))}`, { signal: value });
}

/** `SIGTERM` for 15; the number as text for signals without a name. */
export function signalName(number: number): string {
  for (const [name, value] of Object.entries(BY_NAME)) if (value === number) return name;
  return String(number);
}
