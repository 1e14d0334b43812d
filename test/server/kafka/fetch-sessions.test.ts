/** The fetch session cache: ids, epochs, and what happens when it is full. */
import { describe, expect, it } from 'vitest';
import { FetchSession, FetchSessionCache } from '../../../server/kafka/fetch-sessions.js';

describe('FetchSessionCache', () => {
  it('hands out distinct positive ids and finds them again', () => {
    const cache = new FetchSessionCache();
    const a = cache.create(0)!;
    const b = cache.create(0)!;
    expect(a.id).toBeGreaterThan(0);
    expect(a.id).not.toBe(b.id);
    expect(cache.get(a.id)).toBe(a);
    cache.remove(a.id);
    expect(cache.get(a.id)).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('when full, evicts the least recently used idle session, or creates none', () => {
    const cache = new FetchSessionCache({ maxSessions: 2, evictAfterMs: 1000 });
    const a = cache.create(0)!;
    const b = cache.create(0)!;
    b.lastUsed = 500;
    // Nobody idle long enough: no new session (the client keeps doing full fetches).
    expect(cache.create(900)).toBeNull();
    const c = cache.create(1200)!;
    expect(c).not.toBeNull();
    expect(cache.get(a.id)).toBeUndefined();
    expect(cache.get(b.id)).toBe(b);
  });
});

describe('FetchSession', () => {
  it('counts epochs 1, 2, ... and wraps to 1', () => {
    const s = new FetchSession(1, 0);
    expect(s.epoch).toBe(1);
    s.advance();
    expect(s.epoch).toBe(2);
    s.epoch = 0x7fffffff;
    s.advance();
    expect(s.epoch).toBe(1);
  });
});
