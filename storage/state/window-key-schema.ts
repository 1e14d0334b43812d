/**
 * Window store keys. The store, its cache and its changelog all use Kafka's WindowKeySchema
 * layout, so a changelog written here restores on Kafka Streams and back:
 *
 *   key bytes (n) | window start int64 BE (8) | sequence number uint32 BE (4)
 *
 * The sequence number is 0, except in stores that retain duplicates (stream-stream joins),
 * where each put of the same key and start gets the next one. Inside a segmented store each
 * key is prefixed with its segment id (segmented-bytes-store.ts). Composite keys sort by key
 * bytes, then start, then sequence number; see compositeUpperBound for keys that are prefixes
 * of other keys.
 */
import type { KeyRange } from './cursor.js';
import { compositeUpperBound, decodeTime, decodeUint32, encodeTime, encodeUint32, MAX_TIME } from './key-encoding.js';

export const WINDOW_SUFFIX = 12;
const MIN_SEQ = encodeUint32(0);
const MAX_SEQ = encodeUint32(0xffffffff);

export function windowKey(key: string, start: number, seq: number): string {
  return key + encodeTime(start) + encodeUint32(seq);
}

export function windowKeyOf(composite: string): string {
  return composite.slice(0, composite.length - WINDOW_SUFFIX);
}

export function windowStartOf(composite: string): number {
  return decodeTime(composite, composite.length - WINDOW_SUFFIX);
}

export function windowSeqOf(composite: string): number {
  return decodeUint32(composite, composite.length - 4);
}

/** The composite range of one key's windows starting in [from, to]. */
export function singleKeyWindowRange(key: string, from: number, to: number, reverse: boolean): KeyRange {
  return { from: key + encodeTime(from) + MIN_SEQ, to: key + encodeTime(to) + MAX_SEQ, reverse, timeFrom: from, timeTo: to };
}

/** The composite range of keys in [keyFrom, keyTo] (undefined: open) with starts in [from, to]. */
export function keyRangeWindowRange(keyFrom: string | undefined, keyTo: string | undefined, from: number, to: number, reverse: boolean): KeyRange {
  return {
    from: keyFrom,
    to: keyTo === undefined ? undefined : compositeUpperBound(keyTo, encodeTime(Math.min(to, MAX_TIME)) + MAX_SEQ),
    reverse,
    timeFrom: from,
    timeTo: to,
  };
}

/** Whether a composite key found by a range scan really is in the queried keys and times. */
export function windowMatches(composite: string, keyFrom: string | undefined, keyTo: string | undefined, from: number, to: number): boolean {
  if (composite.length < WINDOW_SUFFIX) return false;
  const start = windowStartOf(composite);
  if (start < from || start > to) return false;
  if (keyFrom === undefined && keyTo === undefined) return true;
  const key = windowKeyOf(composite);
  return (keyFrom === undefined || key >= keyFrom) && (keyTo === undefined || key <= keyTo);
}

/** Whether a composite key belongs to exactly `key` (a range of one key also meets longer keys). */
export function windowIsKey(composite: string, key: string): boolean {
  return composite.length === key.length + WINDOW_SUFFIX && composite.startsWith(key);
}
