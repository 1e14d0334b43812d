/**
 * One behaviour suite for key-value stores, run on every implementation: in memory, RocksDB and
 * LevelDB, each with and without the cache in front (the cache changes the read path).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { BACKENDS, bytesSerde, Cleanup, drain, openKeyValue, prng, stringSerde } from './helpers.js';
import type { StoreBackend } from '../../../storage/state/store-suppliers.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const keysOf = <K>(it: IterableIterator<{ key: K }>): K[] => drain(it).map((kv) => kv.key);
const hex = (b: Buffer): string => b.toString('hex');

const MATRIX: { backend: StoreBackend; caching: boolean }[] = BACKENDS.flatMap((backend) => [
  { backend, caching: false },
  { backend, caching: true },
]);

describe.each(MATRIX)('key-value store on $backend (caching: $caching)', ({ backend, caching }) => {
  const open = (o: { name?: string } = {}) => openKeyValue(cleanup, backend, stringSerde, stringSerde, { caching, ...o });
  const openBytes = () => openKeyValue(cleanup, backend, bytesSerde, stringSerde, { caching });

  it('puts, gets, deletes and putIfAbsent', async () => {
    const { store } = await open();
    expect(store.get('a')).toBeNull();
    store.put('a', '1');
    expect(store.get('a')).toBe('1');
    store.put('a', '2');
    expect(store.get('a')).toBe('2');
    expect(store.putIfAbsent('a', '3')).toBe('2');
    expect(store.get('a')).toBe('2');
    expect(store.putIfAbsent('b', '4')).toBeNull();
    expect(store.get('b')).toBe('4');
    expect(store.delete('a')).toBe('2');
    expect(store.get('a')).toBeNull();
    expect(store.delete('missing')).toBeNull();
    store.put('b', null);
    expect(store.get('b')).toBeNull();
    store.putAll([
      { key: 'x', value: '1' },
      { key: 'y', value: '2' },
      { key: 'x', value: null },
    ]);
    expect(store.get('x')).toBeNull();
    expect(store.get('y')).toBe('2');
    await store.flush();
    expect(store.get('y')).toBe('2');
    expect(store.get('x')).toBeNull();
  });

  it('scans in unsigned byte order, before and after flush', async () => {
    const { store } = await openBytes();
    const keys = ['ff', '80', '7f', '00', '61', '6100', '616100', '62'].map((h) => Buffer.from(h, 'hex'));
    for (const k of keys.slice(0, 4)) store.put(k, hex(k));
    await store.flush();
    for (const k of keys.slice(4)) store.put(k, hex(k));
    const ordered = ['00', '61', '6100', '616100', '62', '7f', '80', 'ff'];
    expect(keysOf(store.all()).map(hex)).toEqual(ordered);
    expect(keysOf(store.reverseAll()).map(hex)).toEqual([...ordered].reverse());
    expect(keysOf(store.range(Buffer.from('61', 'hex'), Buffer.from('7f', 'hex'))).map(hex)).toEqual(['61', '6100', '616100', '62', '7f']);
    expect(keysOf(store.reverseRange(Buffer.from('6100', 'hex'), Buffer.from('80', 'hex'))).map(hex)).toEqual(['80', '7f', '62', '616100', '6100']);
    expect(keysOf(store.range(null, Buffer.from('61', 'hex'))).map(hex)).toEqual(['00', '61']);
    expect(keysOf(store.range(Buffer.from('80', 'hex'), null)).map(hex)).toEqual(['80', 'ff']);
    expect(keysOf(store.prefixScan(Buffer.from('61', 'hex'), (p) => p)).map(hex)).toEqual(['61', '6100', '616100']);
    expect(keysOf(store.prefixScan(Buffer.from('ff', 'hex'), (p) => p)).map(hex)).toEqual(['ff']);
    // An inverted range is empty, as in Kafka.
    expect(keysOf(store.range(Buffer.from('80', 'hex'), Buffer.from('00', 'hex')))).toEqual([]);
    expect(drain(store.range(Buffer.from('62', 'hex'), Buffer.from('62', 'hex')))).toEqual([{ key: Buffer.from('62', 'hex'), value: '62' }]);
  });

  it('merges unflushed writes and deletes over flushed data in scans', async () => {
    const { store } = await open();
    for (const k of ['a', 'c', 'e', 'g']) store.put(k, `old-${k}`);
    await store.flush();
    store.put('b', 'new-b');
    store.put('c', 'new-c');
    store.delete('e');
    store.put('h', 'new-h');
    expect(drain(store.all()).map((kv) => `${kv.key}=${kv.value}`)).toEqual(['a=old-a', 'b=new-b', 'c=new-c', 'g=old-g', 'h=new-h']);
    expect(drain(store.reverseRange('b', 'g')).map((kv) => `${kv.key}=${kv.value}`)).toEqual(['g=old-g', 'c=new-c', 'b=new-b']);
    await store.flush();
    expect(keysOf(store.all())).toEqual(['a', 'b', 'c', 'g', 'h']);
  });

  it('keeps scanning correctly while the store changes under the iterator', async () => {
    const { store } = await open();
    for (let i = 0; i < 50; i++) store.put(`k${String(i).padStart(2, '0')}`, String(i));
    await store.flush();
    const seen: string[] = [];
    const it = store.all();
    for (const { key } of it) {
      seen.push(key);
      // Delete what we read and something ahead, add something ahead and something behind.
      store.delete(key);
      if (key === 'k10') {
        store.delete('k11');
        store.put('k10a', 'new');
        store.put('a-behind', 'new');
      }
      if (key === 'k20') await store.flush();
    }
    expect(seen).toContain('k10a');
    expect(seen).not.toContain('k11');
    expect(seen).not.toContain('a-behind');
    expect(seen).toHaveLength(50);
    expect(keysOf(store.all())).toEqual(['a-behind']);
  });

  it('closes iterators: explicitly, on break, and when exhausted', async () => {
    const { store } = await open();
    for (const k of ['a', 'b', 'c']) store.put(k, k);
    await store.flush();
    const it = store.all();
    expect(it.next().value).toEqual({ key: 'a', value: 'a' });
    it.close();
    expect(() => it.next()).toThrow(expect.objectContaining({ code: 'STATE_STORE_ITERATOR_CLOSED' }));
    for (const { key } of store.all()) if (key === 'b') break;
    const done = store.range('b', 'c');
    expect(drain(done)).toHaveLength(2);
    expect(done.next().done).toBe(true);
    done.close();
    // An iterator still open when the store closes is released with it.
    const open2 = store.all();
    await store.close();
    expect(() => open2.next()).toThrow(expect.objectContaining({ code: 'STATE_STORE_CLOSED' }));
  });

  it('counts entries approximately', async () => {
    const { store } = await open();
    for (let i = 0; i < 100; i++) store.put(`k${i}`, 'v');
    await store.flush();
    const n = store.approximateNumEntries();
    expect(n).toBeGreaterThanOrEqual(50);
    expect(n).toBeLessThanOrEqual(200);
  });

  it('matches a model under random puts, deletes, flushes and scans', async () => {
    const { store } = await open();
    const model = new Map<string, string>();
    const rnd = prng(backend.length * 31 + (caching ? 7 : 0));
    const key = () => `k${Math.floor(rnd() * 300)
      .toString(36)
      .padStart(2, '0')}`;
    for (let step = 0; step < 3000; step++) {
      const r = rnd();
      const k = key();
      if (r < 0.5) {
        store.put(k, String(step));
        model.set(k, String(step));
      } else if (r < 0.75) {
        expect(store.delete(k)).toBe(model.get(k) ?? null);
        model.delete(k);
      } else if (r < 0.95) {
        expect(store.get(k)).toBe(model.get(k) ?? null);
      } else if (r < 0.98) {
        await store.flush();
      } else {
        const [a, b] = [key(), key()].sort();
        const expected = [...model.keys()].filter((x) => x >= a! && x <= b!).sort();
        expect(keysOf(store.range(a!, b!))).toEqual(expected);
        expect(keysOf(store.reverseRange(a!, b!))).toEqual([...expected].reverse());
      }
    }
    expect(drain(store.all())).toEqual([...model.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => ({ key: k, value: v })));
  });
});
