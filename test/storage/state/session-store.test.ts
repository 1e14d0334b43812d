/**
 * One behaviour suite for session stores, run in memory, on RocksDB and on LevelDB: exact
 * sessions, findSessions' overlap query (what session windows merge with), key ranges, and
 * retention by session end.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, Cleanup, drain, openSession, stringSerde } from './helpers.js';
import type { KeyValue, Windowed } from '../../../storage/state/stores.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const show = (kv: KeyValue<Windowed<string>, string>): string => `${kv.key.key}[${kv.key.window.start},${kv.key.window.end}]=${kv.value}`;
const session = (key: string, start: number, end: number): Windowed<string> => ({ key, window: { start, end } });

describe.each(BACKENDS.flatMap((backend) => [false, true].map((caching) => ({ backend, caching }))))('session store on $backend (caching: $caching)', ({ backend, caching }) => {
  const open = (o: Parameters<typeof openSession>[4] = {}) => openSession(cleanup, backend, stringSerde, stringSerde, { caching, ...o });

  it('puts, fetches and removes exact sessions', async () => {
    const { store } = await open();
    store.put(session('k', 0, 10), 'a');
    store.put(session('k', 20, 20), 'b');
    await store.flush();
    expect(store.fetchSession('k', 0, 10)).toBe('a');
    expect(store.fetchSession('k', 0, 11)).toBeNull();
    expect(store.fetchSession('k', 20, 20)).toBe('b');
    store.remove(session('k', 0, 10));
    expect(store.fetchSession('k', 0, 10)).toBeNull();
    store.put(session('k', 20, 20), null);
    expect(drain(store.fetch('k'))).toEqual([]);
    expect(() => store.put(session('k', 5, 4), 'x')).toThrow(expect.objectContaining({ code: 'STATE_STORE_INVALID_OPERATION' }));
  });

  it('finds the sessions a new record may merge with, ordered by end', async () => {
    const { store } = await open();
    store.put(session('k', 0, 10), 's1');
    store.put(session('k', 20, 30), 's2');
    await store.flush();
    store.put(session('k', 40, 50), 's3');
    store.put(session('kk', 20, 30), 'other');
    store.put(session('j', 20, 30), 'other');
    expect(drain(store.findSessions('k', 25, 45)).map(show)).toEqual(['k[20,30]=s2', 'k[40,50]=s3']);
    expect(drain(store.backwardFindSessions('k', 25, 45)).map(show)).toEqual(['k[40,50]=s3', 'k[20,30]=s2']);
    expect(drain(store.findSessions('k', 0, 0)).map(show)).toEqual(['k[0,10]=s1']);
    expect(drain(store.findSessions('k', 31, 39))).toEqual([]);
    expect(drain(store.fetch('k')).map(show)).toEqual(['k[0,10]=s1', 'k[20,30]=s2', 'k[40,50]=s3']);

    // What a session-window aggregation does with a record at 35 and gap 5: merge s2, s3.
    const overlapping = drain(store.findSessions('k', 35 - 5, 35 + 5));
    for (const kv of overlapping) store.remove(kv.key);
    store.put(session('k', 20, 50), 's2+s3');
    expect(drain(store.fetch('k')).map(show)).toEqual(['k[0,10]=s1', 'k[20,50]=s2+s3']);
  });

  it('scans sessions of a key range in key order', async () => {
    const { store } = await open();
    store.put(session('b', 5, 6), 'b1');
    store.put(session('a', 10, 20), 'a2');
    store.put(session('a', 0, 5), 'a1');
    store.put(session('c', 0, 0), 'c1');
    expect(drain(store.fetchKeyRange('a', 'b')).map(show)).toEqual(['a[0,5]=a1', 'a[10,20]=a2', 'b[5,6]=b1']);
    expect(drain(store.fetchKeyRange(null, null)).map((kv) => kv.value)).toEqual(['a1', 'a2', 'b1', 'c1']);
    expect(drain(store.backwardFetchKeyRange('b', null)).map((kv) => kv.value)).toEqual(['c1', 'b1']);
    expect(drain(store.fetchKeyRange('c', 'a'))).toEqual([]);
  });

  it('drops sessions that ended before stream time - retention', async () => {
    const { store, ctx } = await open({ retentionMs: 100, segmentIntervalMs: 30 });
    for (let t = 0; t <= 300; t += 50) store.put(session('k', t, t + 10), `s${t}`);
    // Stream time 310 (the largest end): sessions ending at or before 210 are gone.
    expect(drain(store.fetch('k')).map((kv) => kv.key.window.start)).toEqual([250, 300]);
    expect(store.fetchSession('k', 200, 210)).toBeNull();
    store.put(session('k', 0, 1), 'late');
    expect(store.fetchSession('k', 0, 1)).toBeNull();
    ctx.time = 365;
    expect(drain(store.fetchKeyRange(null, null)).map((kv) => kv.value)).toEqual(['s300']);
  });
});
