/**
 * The ordered key structure under every in-memory part (stores, caches, pending writes, the
 * LevelDB key index): checked against a sorted-array model at sizes that split and merge chunks,
 * and cursors that stay correct while the keys change.
 */
import { describe, expect, it } from 'vitest';
import { prng } from './helpers.js';
import type { KeyRange } from '../../../storage/state/cursor.js';
import { prefixEnd } from '../../../storage/state/cursor.js';
import { SortedKeyMap } from '../../../storage/state/sorted-keys.js';
import { compositeUpperBound } from '../../../storage/state/key-encoding.js';

function scan<V>(map: SortedKeyMap<V>, range: KeyRange): string[] {
  const c = map.cursor(range);
  const out: string[] = [];
  for (let k = c.peek(); k !== undefined; k = c.peek()) {
    out.push(k);
    c.skip(k);
  }
  return out;
}

describe('SortedKeyMap', () => {
  it('matches a sorted model through inserts, deletes and range deletes', () => {
    const rnd = prng(42);
    const map = new SortedKeyMap<number>();
    const model = new Map<string, number>();
    const key = () => String.fromCharCode(...Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => Math.floor(rnd() * 256)));
    for (let step = 0; step < 40_000; step++) {
      const r = rnd();
      const k = key();
      if (r < 0.6) {
        map.set(k, step);
        model.set(k, step);
      } else if (r < 0.95) {
        expect(map.delete(k)).toBe(model.delete(k));
      } else if (r < 0.96) {
        const [a, b] = [key(), key()].sort();
        map.deleteRange(a, b);
        for (const m of [...model.keys()]) if (m >= a! && m < b!) model.delete(m);
      } else {
        const [a, b] = [key(), key()].sort();
        const expected = [...model.keys()].filter((m) => m >= a! && m <= b!).sort();
        expect(scan(map, { from: a, to: b })).toEqual(expected);
        expect(scan(map, { from: a, to: b, reverse: true })).toEqual([...expected].reverse());
        expect(scan(map, { from: a, to: b, toExclusive: true })).toEqual(expected.filter((m) => m !== b));
      }
    }
    expect(map.size).toBe(model.size);
    expect([...map.entries()]).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
  });

  it('keeps cursors on track while keys are added and removed', () => {
    const map = new SortedKeyMap<number>();
    for (let i = 0; i < 5000; i++) map.set(`k${String(i).padStart(5, '0')}`, i);
    const c = map.cursor({});
    const seen: string[] = [];
    for (let k = c.peek(); k !== undefined; k = c.peek()) {
      seen.push(k);
      c.skip(k);
      map.delete(k);
      if (k === 'k00100') map.deleteRange('k00100', 'k04000');
      if (k === 'k04500') map.set('k04500x', 0);
    }
    expect(seen).toHaveLength(101 + 1000 + 1);
    expect(seen).toContain('k04500x');
    expect(map.size).toBe(0);
  });

  it('bounds prefixes and composite key ranges', () => {
    expect(prefixEnd('ab')).toBe('ac');
    expect(prefixEnd('a\u00ff')).toBe('b');
    expect(prefixEnd('\u00ff\u00ff')).toBeUndefined();
    // 'a' is a prefix of 'a\0\0': its composites with suffix \0\x01… exceed 'a\0\0' + suffix.
    expect(compositeUpperBound('a\u0000\u0000', '\u0000\u0001')).toBe('a\u0000\u0001');
    expect(compositeUpperBound('abc', '\u0000\u0001')).toBe('abc\u0000\u0001');
  });
});
