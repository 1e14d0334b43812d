/**
 * Fixed-width numbers inside latin1 keys (see cursor.ts), big-endian so that byte order is
 * numeric order. Times are milliseconds in [0, 2^53); window and session stores reject
 * negative times (Kafka's windows start at 0 or later too).
 */
import { StateStoreError } from './state-errors.js';

export const MAX_TIME = Number.MAX_SAFE_INTEGER;
const TWO_32 = 0x1_0000_0000;
const fromCodes = String.fromCharCode;

/** 8 chars: an int64 big-endian. */
export function encodeTime(t: number): string {
  const hi = Math.floor(t / TWO_32);
  const lo = t - hi * TWO_32;
  return fromCodes((hi >>> 24) & 0xff, (hi >>> 16) & 0xff, (hi >>> 8) & 0xff, hi & 0xff, (lo >>> 24) & 0xff, (lo >>> 16) & 0xff, (lo >>> 8) & 0xff, lo & 0xff);
}

export function decodeTime(s: string, at: number): number {
  const hi = ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
  const lo = ((s.charCodeAt(at + 4) << 24) | (s.charCodeAt(at + 5) << 16) | (s.charCodeAt(at + 6) << 8) | s.charCodeAt(at + 7)) >>> 0;
  return hi * TWO_32 + lo;
}

/** 4 chars: a uint32 big-endian. */
export function encodeUint32(n: number): string {
  return fromCodes((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function decodeUint32(s: string, at: number): number {
  return ((s.charCodeAt(at) << 24) | (s.charCodeAt(at + 1) << 16) | (s.charCodeAt(at + 2) << 8) | s.charCodeAt(at + 3)) >>> 0;
}

export function checkTime(store: string, what: string, t: number): void {
  if (!Number.isInteger(t) || t < 0 || t > MAX_TIME) {
    throw new StateStoreError('STATE_STORE_INVALID_OPERATION', `State store '${store}': ${what} must be an integer number of milliseconds in [0, 2^53), got ${t}.`);
  }
}

/** Clamps a query bound into the storable time range. */
export function clampTime(t: number): number {
  return t < 0 ? 0 : t > MAX_TIME ? MAX_TIME : Math.floor(t);
}

/**
 * An upper bound for scanning composite keys (key + fixed suffix) of every key ≤ `keyTo` whose
 * suffix is ≤ `maxSuffix`. `keyTo + maxSuffix` alone is not enough: a shorter key that is a
 * prefix of keyTo (“a” for “a\0\0”) sorts its composites by the suffix bytes, which may exceed
 * the rest of keyTo. The bound is the largest of prefix + maxSuffix over all prefixes, which
 * is exact, so scans neither miss such keys nor read far beyond the range.
 */
export function compositeUpperBound(keyTo: string, maxSuffix: string): string {
  let best = keyTo + maxSuffix;
  for (let i = keyTo.length - 1; i >= 0; i--) {
    // A shorter prefix can only win where its suffix outranks the key's next byte.
    if (maxSuffix.charCodeAt(0) < keyTo.charCodeAt(i)) continue;
    const candidate = keyTo.slice(0, i) + maxSuffix;
    if (candidate > best) best = candidate;
  }
  return best;
}
