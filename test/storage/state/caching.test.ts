/**
 * The caching layer as the DSL sees it: updates collapse per key, the flush listener hears of
 * each key once per flush (with the value before the flush when old values are asked for),
 * eviction writes down early, and cache.max.bytes.buffering = 0 turns caching off.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, drain, FakeContext, openKeyValue, openSession, openTimestampedKeyValue, openWindow, stringSerde } from './helpers.js';
import type { StoreBackend } from '../../../storage/state/store-suppliers.js';
import { CachingBytesStore } from '../../../storage/state/caching-bytes-store.js';
import { InMemoryKeyValueBytesStore } from '../../../storage/state/in-memory-key-value-store.js';
import { DISCARD_FLUSHES } from '../../../storage/state/stores.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

type Call = [string, string | null, string | null, number];

describe.each(['memory', 'rocksdb', 'leveldb'] as StoreBackend[])('caching on %s', (backend) => {
  it('forwards each key once per flush, with old values', async () => {
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: true });
    const calls: Call[] = [];
    expect(store.setFlushListener((k, n, o, t) => calls.push([k, n, o, t]), true)).toBe(true);
    ctx.recordTime = 100;
    store.put('a', '1');
    store.put('b', '1');
    ctx.recordTime = 101;
    store.put('a', '2');
    store.put('a', '3');
    expect(store.get('a')).toBe('3');
    expect(drain(store.all()).map((kv) => `${kv.key}=${kv.value}`)).toEqual(['a=3', 'b=1']);
    expect(calls).toEqual([]);
    expect(ctx.logged).toEqual([]);
    await store.flush();
    expect(calls).toEqual([
      ['a', '3', null, 101],
      ['b', '1', null, 100],
    ]);
    // Only the collapsed updates reach the changelog.
    expect(ctx.logged.map((c) => `${c.key}=${c.value}`)).toEqual(['a=3', 'b=1']);

    calls.length = 0;
    store.put('a', '4');
    store.delete('b');
    store.delete('never-there');
    await store.flush();
    expect(calls).toEqual([
      ['a', '4', '3', 101],
      ['b', null, '1', 101],
    ]);
    await store.flush();
    expect(calls).toHaveLength(2);
  });

  it('writes down for a discarding listener as for any other, decoding nothing', async () => {
    const undecodable = { serialize: stringSerde.serialize, deserialize: (): string => expect.fail('a discarding listener decodes nothing') };
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, undecodable, { caching: true });
    expect(store.setFlushListener(DISCARD_FLUSHES, true)).toBe(true);
    store.put('a', '1');
    store.put('a', '2');
    store.delete('never-there');
    await store.flush();
    // Collapsed per key, and the delete of an absent key dropped, as with a listener that forwards.
    expect(ctx.logged.map((c) => `${c.key}=${c.value}`)).toEqual(['a=2']);
  });

  it('gives a window that expired below the cache a null old value', async () => {
    const { store, ctx } = await openWindow(cleanup, backend, stringSerde, stringSerde, { caching: true, windowSizeMs: 10, retentionMs: 100, segmentIntervalMs: 50 });
    const calls: string[] = [];
    store.setFlushListener((k, n, o) => calls.push(`${k.key}@${k.window.start}=${n} (was ${o})`), true);
    store.put('k', '1', 0);
    store.put('j', '1', 60);
    await store.flush();
    // Both dirty again, remembering '1'; then stream time passes k's retention, not j's.
    store.put('k', '2', 0);
    store.put('j', '2', 60);
    ctx.time = 150;
    await store.flush();
    expect(calls).toEqual(['k@0=1 (was null)', 'j@60=1 (was null)', 'k@0=2 (was null)', 'j@60=2 (was 1)']);
  });

  it('sends no old values unless asked', async () => {
    const { store } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: true });
    const calls: Call[] = [];
    store.setFlushListener((k, n, o, t) => calls.push([k, n, o, t]), false);
    store.put('a', '1');
    await store.flush();
    store.put('a', '2');
    await store.flush();
    expect(calls.map((c) => c[2])).toEqual([null, null]);
    expect(calls.map((c) => c[1])).toEqual(['1', '2']);
  });

  it('evicts the least recently used entries when over budget, writing dirty ones down', async () => {
    // About 70 bytes per entry: room for a few.
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: true, cacheMaxBytes: 400 });
    const calls: string[] = [];
    store.setFlushListener((k, n) => calls.push(`${k}=${n}`), false);
    for (let i = 0; i < 10; i++) store.put(`k${i}`, `v${i}`);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls[0]).toBe('k0=v0');
    expect(ctx.logged.length).toBe(calls.length);
    // Evicted or not, everything reads back.
    for (let i = 0; i < 10; i++) expect(store.get(`k${i}`)).toBe(`v${i}`);
    await store.flush();
    expect(new Set(calls).size).toBe(10);
  });

  it('is off when cache.max.bytes.buffering is 0: writes go straight down', async () => {
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: true, cacheMaxBytes: 0 });
    expect(store.setFlushListener(() => {}, true)).toBe(false);
    store.put('a', '1');
    store.put('a', '2');
    expect(ctx.logged.map((c) => c.value?.toString())).toEqual(['1', '2']);
  });

  it('is off when the builder disables it', async () => {
    const { store } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: false, cacheMaxBytes: 1 << 20 });
    expect(store.setFlushListener(() => {}, true)).toBe(false);
  });

  it('forwards timestamped values with their own timestamps', async () => {
    const { store } = await openTimestampedKeyValue(cleanup, backend, stringSerde, stringSerde, { caching: true });
    const calls: unknown[] = [];
    store.setFlushListener((k, n, o, t) => calls.push([k, n, o, t]), true);
    store.put('a', { value: 'x', timestamp: 5 });
    await store.flush();
    store.put('a', { value: 'y', timestamp: 9 });
    await store.flush();
    expect(calls).toEqual([
      ['a', { value: 'x', timestamp: 5 }, null, 5],
      ['a', { value: 'y', timestamp: 9 }, { value: 'x', timestamp: 5 }, 9],
    ]);
  });

  it('forwards windowed keys from window and session stores', async () => {
    const { store: windows } = await openWindow(cleanup, backend, stringSerde, stringSerde, { caching: true, windowSizeMs: 10 });
    const calls: string[] = [];
    windows.setFlushListener((k, n, o) => calls.push(`${k.key}@${k.window.start}-${k.window.end}=${n} (was ${o})`), true);
    windows.put('k', '1', 0);
    windows.put('k', '2', 0);
    windows.put('k', '3', 10);
    await windows.flush();
    windows.put('k', '4', 0);
    await windows.flush();
    expect(calls).toEqual(['k@0-10=2 (was null)', 'k@10-20=3 (was null)', 'k@0-10=4 (was 2)']);

    const { store: sessions } = await openSession(cleanup, backend, stringSerde, stringSerde, { caching: true, name: 'sessions' });
    const seen: string[] = [];
    sessions.setFlushListener((k, n, o) => seen.push(`${k.key}[${k.window.start},${k.window.end}]=${n} (was ${o})`), true);
    sessions.put({ key: 'k', window: { start: 0, end: 5 } }, 'a');
    await sessions.flush();
    sessions.remove({ key: 'k', window: { start: 0, end: 5 } });
    sessions.put({ key: 'k', window: { start: 0, end: 9 } }, 'b');
    await sessions.flush();
    expect(seen).toEqual(['k[0,5]=a (was null)', 'k[0,5]=null (was a)', 'k[0,9]=b (was null)']);
  });
});

describe('caching over a key-value store', () => {
  class CountingStore extends InMemoryKeyValueBytesStore {
    gets = 0;
    override get(key: string): Buffer | null {
      this.gets++;
      return super.get(key);
    }
  }

  async function open(remembersStoredValues: boolean, cacheMaxBytes = 1 << 20) {
    const inner = new CountingStore('kv');
    const cache = new CachingBytesStore(inner, { remembersStoredValues });
    await cache.init(new FakeContext(cleanup.dir(), cacheMaxBytes), cache);
    cleanup.store(cache);
    const calls: [string, string | undefined, string | undefined][] = [];
    cache.setFlushListener((k, n, o) => calls.push([k, n?.toString(), o?.toString()]), true);
    return { inner, cache, calls };
  }

  it('remembers what the store below holds instead of reading it back at write-down', async () => {
    const { inner, cache, calls } = await open(true);
    expect(cache.get('a')).toBeNull();
    cache.put('a', Buffer.from('1'), 1);
    cache.put('b', Buffer.from('1'), 1);
    await cache.flush();
    cache.put('a', Buffer.from('2'), 2);
    cache.put('b', null, 2);
    cache.put('c', null, 2);
    await cache.flush();
    expect(calls).toEqual([
      ['a', '1', undefined],
      ['b', '1', undefined],
      ['a', '2', '1'],
      ['b', undefined, '1'],
    ]);
    // The read that missed 'a', and 'b' and 'c' written without a read.
    expect(inner.gets).toBe(3);
  });

  it('forwards the same with nothing remembered, reading below at every write-down', async () => {
    const { inner, cache, calls } = await open(false);
    expect(cache.get('a')).toBeNull();
    cache.put('a', Buffer.from('1'), 1);
    await cache.flush();
    cache.put('a', Buffer.from('2'), 2);
    await cache.flush();
    expect(calls).toEqual([
      ['a', '1', undefined],
      ['a', '2', '1'],
    ]);
    expect(inner.gets).toBe(3);
  });

  it('remembers across evictions', async () => {
    // Room for about two entries.
    const { inner, cache, calls } = await open(true, 150);
    for (const k of ['a', 'b', 'c', 'a', 'b', 'c']) {
      const old = cache.get(k);
      cache.put(k, Buffer.from(String(Number(old?.toString() ?? '0') + 1)), 1);
    }
    await cache.flush();
    expect(calls.map(([k, n, o]) => `${k}:${o ?? '-'}->${n}`)).toEqual(['a:-->1', 'b:-->1', 'c:-->1', 'a:1->2', 'b:1->2', 'c:1->2']);
    // One read per miss, none at write-down.
    expect(inner.gets).toBe(6);
  });
});
