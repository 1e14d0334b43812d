/**
 * Session store keys, Kafka's SessionKeySchema layout (store, cache and changelog alike):
 *
 *   key bytes (n) | session end int64 BE (8) | session start int64 BE (8)
 *
 * End before start, so one key's sessions sort by end time: findSessions(key, earliestEnd, …)
 * starts its scan at [key][earliestEnd] and segments (by end time) older than earliestEnd are
 * never read.
 */
import type { KeyRange } from './cursor.js';
import { compositeUpperBound, decodeTime, encodeTime, MAX_TIME } from './key-encoding.js';

export const SESSION_SUFFIX = 16;
const MAX_SUFFIX = encodeTime(MAX_TIME) + encodeTime(MAX_TIME);

export function sessionKey(key: string, start: number, end: number): string {
  return key + encodeTime(end) + encodeTime(start);
}

export function sessionKeyOf(composite: string): string {
  return composite.slice(0, composite.length - SESSION_SUFFIX);
}

export function sessionEndOf(composite: string): number {
  return decodeTime(composite, composite.length - SESSION_SUFFIX);
}

export function sessionStartOf(composite: string): number {
  return decodeTime(composite, composite.length - 8);
}

/** One key's sessions ending at or after `earliestEnd`. */
export function singleKeySessionRange(key: string, earliestEnd: number, reverse: boolean): KeyRange {
  return { from: key + encodeTime(earliestEnd) + encodeTime(0), to: key + MAX_SUFFIX, reverse, timeFrom: earliestEnd, timeTo: MAX_TIME };
}

export function keyRangeSessionRange(keyFrom: string | undefined, keyTo: string | undefined, reverse: boolean): KeyRange {
  return { from: keyFrom, to: keyTo === undefined ? undefined : compositeUpperBound(keyTo, MAX_SUFFIX), reverse };
}

export function sessionIsKey(composite: string, key: string): boolean {
  return composite.length === key.length + SESSION_SUFFIX && composite.startsWith(key);
}

export function sessionInKeyRange(composite: string, keyFrom: string | undefined, keyTo: string | undefined): boolean {
  if (composite.length < SESSION_SUFFIX) return false;
  if (keyFrom === undefined && keyTo === undefined) return true;
  const key = sessionKeyOf(composite);
  return (keyFrom === undefined || key >= keyFrom) && (keyTo === undefined || key <= keyTo);
}
