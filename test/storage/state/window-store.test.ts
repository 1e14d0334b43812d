/**
 * One behaviour suite for window stores, run in memory, on RocksDB and on LevelDB: fetches by
 * key and time, key ranges in byte order, retention dropping whole segments, duplicates for
 * joins, timestamped values.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, bytesSerde, Cleanup, drain, openTimestampedWindow, openWindow, stringSerde } from './helpers.js';
import type { Windowed } from '../../../storage/state/stores.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const show = (kv: { key: Windowed<string>; value: string }): string => `${kv.key.key}@${kv.key.window.start}=${kv.value}`;

describe.each(BACKENDS.flatMap((backend) => [false, true].map((caching) => ({ backend, caching }))))('window store on $backend (caching: $caching)', ({ backend, caching }) => {
  const open = (o: Parameters<typeof openWindow>[4] = {}) => openWindow(cleanup, backend, stringSerde, stringSerde, { caching, ...o });

  it('fetches one key by window start and time range, oldest first', async () => {
    const { store } = await open({ windowSizeMs: 10 });
    store.put('a', 'a0', 0);
    store.put('a', 'a20', 20);
    store.put('b', 'b10', 10);
    await store.flush();
    store.put('a', 'a10', 10);
    store.put('a', 'a30', 30);
    store.put('a', 'a20-new', 20);
    expect(store.fetch('a', 20)).toBe('a20-new');
    expect(store.fetch('a', 15)).toBeNull();
    expect(store.fetch('c', 0)).toBeNull();
    expect(drain(store.fetchRange('a', 5, 25))).toEqual([
      { key: 10, value: 'a10' },
      { key: 20, value: 'a20-new' },
    ]);
    expect(drain(store.backwardFetchRange('a', 0, 100)).map((kv) => kv.key)).toEqual([30, 20, 10, 0]);
    expect(drain(store.fetchRange('a', 40, 30))).toEqual([]);
    expect(drain(store.fetchRange('a', -100, 0))).toEqual([{ key: 0, value: 'a0' }]);
    // A null put deletes the window.
    store.put('a', null, 10);
    expect(store.fetch('a', 10)).toBeNull();
    expect(drain(store.fetchRange('a', 0, 100)).map((kv) => kv.key)).toEqual([0, 20, 30]);
  });

  it('scans key ranges in key-byte order, then by start, with windows of the store size', async () => {
    const { store } = await open({ windowSizeMs: 10 });
    for (const [k, t] of [
      ['c', 0],
      ['a', 20],
      ['b', 10],
      ['a', 0],
      ['b', 30],
      ['d', 10],
    ] as const)
      store.put(k, `${k}${t}`, t);
    expect(drain(store.all()).map(show)).toEqual(['a@0=a0', 'a@20=a20', 'b@10=b10', 'b@30=b30', 'c@0=c0', 'd@10=d10']);
    expect(drain(store.fetchKeyRange('b', 'c', 0, 100)).map(show)).toEqual(['b@10=b10', 'b@30=b30', 'c@0=c0']);
    expect(drain(store.fetchKeyRange(null, 'b', 10, 20)).map(show)).toEqual(['a@20=a20', 'b@10=b10']);
    expect(drain(store.fetchKeyRange('c', null, 0, 100)).map(show)).toEqual(['c@0=c0', 'd@10=d10']);
    expect(drain(store.fetchAll(10, 10)).map(show)).toEqual(['b@10=b10', 'd@10=d10']);
    expect(drain(store.backwardFetchAll(0, 100)).map(show)).toEqual(['d@10=d10', 'c@0=c0', 'b@30=b30', 'b@10=b10', 'a@20=a20', 'a@0=a0']);
    expect(drain(store.fetchKeyRange('c', 'b', 0, 100))).toEqual([]);
    const [first] = drain(store.fetchAll(0, 0));
    expect(first!.key.window).toEqual({ start: 0, end: 10 });
  });

  it('keeps keys that are byte prefixes of other keys apart', async () => {
    const { store } = await openWindow(cleanup, backend, bytesSerde, stringSerde, { caching });
    const t = 1_700_000_000_000;
    const a = Buffer.from('61', 'hex');
    const a000 = Buffer.from('61000000', 'hex');
    store.put(a, 'a', t);
    store.put(a000, 'a000', t);
    store.put(Buffer.concat([a, Buffer.alloc(12, 0xff)]), 'long', t);
    expect(drain(store.fetchRange(a, 0, t * 2)).map((kv) => kv.value)).toEqual(['a']);
    expect(drain(store.fetchRange(a000, 0, t * 2)).map((kv) => kv.value)).toEqual(['a000']);
    // 'a' < 'a\0\0\0', but its composite key sorts after 'a\0\0\0' + suffix bytes: still found.
    expect(drain(store.fetchKeyRange(null, a000, 0, t)).map((kv) => kv.value)).toEqual(['a000', 'a']);
    expect(drain(store.fetchKeyRange(a, a, 0, t)).map((kv) => kv.value)).toEqual(['a']);
  });

  it('drops windows past retention, whole segments at a time', async () => {
    const { store, ctx } = await open({ retentionMs: 100, windowSizeMs: 10, segmentIntervalMs: 50 });
    for (let t = 0; t <= 200; t += 10) store.put('k', `v${t}`, t);
    // Stream time 200: windows starting at or before 100 are expired.
    expect(drain(store.fetchRange('k', 0, 300)).map((kv) => kv.key)).toEqual([110, 120, 130, 140, 150, 160, 170, 180, 190, 200]);
    expect(store.fetch('k', 100)).toBeNull();
    expect(store.fetch('k', 110)).toBe('v110');
    // A put older than retention is dropped.
    store.put('k', 'late', 50);
    expect(store.fetch('k', 50)).toBeNull();
    // The task's stream time counts too.
    ctx.time = 250;
    expect(drain(store.fetchAll(0, 300)).map((kv) => kv.key.window.start)).toEqual([160, 170, 180, 190, 200]);
    await store.flush();
    expect(drain(store.all()).length).toBe(5);
  });

  it("with retentionClock 'store' measures retention from its own newest window only (join stores)", async () => {
    const { store, ctx } = await open({ retentionMs: 100, windowSizeMs: 10, segmentIntervalMs: 50, retentionClock: 'store' });
    for (let t = 0; t <= 100; t += 10) store.put('k', `v${t}`, t);
    // The task ran far ahead (the other side of a join): this store keeps what is recent for it.
    ctx.time = 10_000;
    expect(store.fetch('k', 10)).toBe('v10');
    store.put('k', 'late', 20);
    expect(store.fetch('k', 20)).toBe('late');
    await store.flush();
    expect(drain(store.fetchRange('k', 0, 300)).map((kv) => kv.key)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
    // Its own newer records move its clock on.
    store.put('k', 'v150', 150);
    expect(drain(store.fetchRange('k', 0, 300)).map((kv) => kv.key)).toEqual([60, 70, 80, 90, 100, 150]);
  });

  it('retains duplicates for joins, in put order', async () => {
    const { store } = await open({ retainDuplicates: true });
    store.put('k', 'first', 10);
    store.put('k', 'second', 10);
    store.put('j', 'other', 10);
    await store.flush();
    store.put('k', 'third', 10);
    store.put('k', null, 10);
    store.put('k', 'later', 20);
    expect(drain(store.fetchRange('k', 0, 100)).map((kv) => `${kv.key}:${kv.value}`)).toEqual(['10:first', '10:second', '10:third', '20:later']);
    expect(store.fetch('k', 10)).toBe('first');
    expect(drain(store.all()).map(show)).toEqual(['j@10=other', 'k@10=first', 'k@10=second', 'k@10=third', 'k@20=later']);
  });

  it('rejects negative window starts', async () => {
    const { store } = await open();
    expect(() => store.put('k', 'v', -1)).toThrow(expect.objectContaining({ code: 'STATE_STORE_INVALID_OPERATION' }));
  });

  it('stores value and timestamp in a timestamped window store', async () => {
    const { store } = await openTimestampedWindow(cleanup, backend, stringSerde, stringSerde, { caching });
    store.put('k', { value: 'v', timestamp: 12345 }, 0);
    await store.flush();
    expect(store.fetch('k', 0)).toEqual({ value: 'v', timestamp: 12345 });
    expect(drain(store.fetchRange('k', 0, 0))).toEqual([{ key: 0, value: { value: 'v', timestamp: 12345 } }]);
  });
});
