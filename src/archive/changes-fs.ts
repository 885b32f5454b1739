// File facts the changes walkers and the exporter share: whiteout devices,
// Go's timestamp tolerance, byte order of names.

import type { BigIntStats } from 'node:fs';

export const OVERLAY_OPAQUE_XATTR = 'trusted.overlay.opaque';

const S_IFMT = 0o170000n;
const S_IFCHR = 0o020000n;

/** Overlay's whiteout: a character device numbered 0:0. */
export function isWhiteoutDevice(st: BigIntStats): boolean {
  return (st.mode & S_IFMT) === S_IFCHR && st.rdev === 0n;
}

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Go's sameFsTime: equal, or the same second with either side's nanoseconds
 * zero (tar stores whole seconds, so an applied file loses them).
 */
export function sameFsTime(a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const secA = a / NS_PER_SECOND;
  const secB = b / NS_PER_SECOND;
  return secA === secB && (a % NS_PER_SECOND === 0n || b % NS_PER_SECOND === 0n);
}

/**
 * Orders strings by their UTF-8 bytes, as Go compares strings. UTF-16 code
 * units sort the same way except surrogates against U+E000–U+FFFF, which the
 * first differing unit is remapped for.
 */
export function compareBytewise(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return codePointRank(ca) - codePointRank(cb);
  }
  return a.length - b.length;
}

function codePointRank(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  if (unit >= 0xe000) return unit - 0x800;
  return unit;
}
