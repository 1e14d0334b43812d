/**
 * Read-only views over one store instance per partition: a point read finds the instance with
 * the key, scans come back merged in the stores' order.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, drain, openKeyValue, openSession, openWindow, stringSerde } from './helpers.js';
import { compositeKeyValueStore, compositeSessionStore, compositeWindowStore } from '../../../storage/state/composite-stores.js';
import type { ReadOnlyKeyValueStore } from '../../../storage/state/stores.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe('composite views', () => {
  it('merge key-value instances in key order', async () => {
    const parts = await Promise.all([0, 1, 2].map(() => openKeyValue(cleanup, 'memory', stringSerde, stringSerde)));
    const keys = ['d', 'a', 'f', 'b', 'e', 'c', 'g'];
    keys.forEach((k, i) => parts[i % 3]!.store.put(k, k.toUpperCase()));
    const view = compositeKeyValueStore(() => parts.map((p) => p.store));
    expect(view.get('e')).toBe('E');
    expect(view.get('z')).toBeNull();
    expect(drain(view.all()).map((kv) => kv.key)).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    expect(drain(view.reverseRange('b', 'e')).map((kv) => kv.key)).toEqual(['e', 'd', 'c', 'b']);
    expect(drain(view.prefixScan('c', (p) => Buffer.from(p)))).toEqual([{ key: 'c', value: 'C' }]);
    expect(view.approximateNumEntries()).toBe(7);
    const it = view.all();
    it.next();
    it.close();
    expect(it.next().done).toBe(true);
  });

  it('needs a key serializer to merge stores it does not know', () => {
    const foreign: ReadOnlyKeyValueStore<string, string> = {
      get: () => null,
      range: () => [][Symbol.iterator]() as never,
      reverseRange: () => [][Symbol.iterator]() as never,
      all: () => Object.assign([{ key: 'a', value: '1' }][Symbol.iterator](), { close() {} }),
      reverseAll: () => [][Symbol.iterator]() as never,
      prefixScan: () => [][Symbol.iterator]() as never,
      approximateNumEntries: () => 1,
    };
    expect(() => compositeKeyValueStore([foreign, foreign]).all()).toThrow(expect.objectContaining({ code: 'STATE_STORE_INVALID_CONFIG' }));
    expect(drain(compositeKeyValueStore([foreign, foreign], (k) => Buffer.from(k)).all())).toHaveLength(2);
  });

  it('merge window instances by key, then start', async () => {
    const parts = await Promise.all([0, 1].map(() => openWindow(cleanup, 'memory', stringSerde, stringSerde, { windowSizeMs: 10 })));
    parts[0]!.store.put('b', 'b0', 0);
    parts[1]!.store.put('a', 'a10', 10);
    parts[1]!.store.put('a', 'a0', 0);
    parts[0]!.store.put('c', 'c20', 20);
    const view = compositeWindowStore(parts.map((p) => p.store));
    expect(view.fetch('a', 10)).toBe('a10');
    expect(drain(view.fetchRange('a', 0, 100)).map((kv) => kv.key)).toEqual([0, 10]);
    expect(drain(view.all()).map((kv) => kv.value)).toEqual(['a0', 'a10', 'b0', 'c20']);
    expect(drain(view.fetchAll(0, 0)).map((kv) => kv.value)).toEqual(['a0', 'b0']);
    expect(drain(view.fetchKeyRange('b', null, 0, 100)).map((kv) => kv.value)).toEqual(['b0', 'c20']);
    expect(drain(view.backwardFetchRange('a', 0, 100)).map((kv) => kv.key)).toEqual([10, 0]);
  });

  it('merge session instances', async () => {
    const parts = await Promise.all([0, 1].map(() => openSession(cleanup, 'memory', stringSerde, stringSerde)));
    parts[0]!.store.put({ key: 'b', window: { start: 0, end: 5 } }, 'b');
    parts[1]!.store.put({ key: 'a', window: { start: 10, end: 20 } }, 'a2');
    parts[1]!.store.put({ key: 'a', window: { start: 0, end: 5 } }, 'a1');
    const view = compositeSessionStore(parts.map((p) => p.store));
    expect(view.fetchSession('a', 10, 20)).toBe('a2');
    expect(drain(view.fetch('a')).map((kv) => kv.value)).toEqual(['a1', 'a2']);
    expect(drain(view.findSessions('a', 6, 30)).map((kv) => kv.value)).toEqual(['a2']);
    expect(drain(view.backwardFindSessions('a', 0, 30)).map((kv) => kv.value)).toEqual(['a2', 'a1']);
    expect(drain(view.fetchKeyRange(null, null)).map((kv) => kv.value)).toEqual(['a1', 'a2', 'b']);
  });
});
