/**
 * The Bloom filter of keys in front of RocksDB reads: never a false negative, few false
 * positives, full past its capacity; and the RocksDB store reading through it: absent keys
 * answered without a native read, every key still found after the filter grows, after a
 * reopen (rebuilt from a key scan) and after range deletes.
 */
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { KeyFilter } from '../../../storage/state/key-filter.js';
import { PersistentKeyValueBytesStore } from '../../../storage/state/persistent-key-value-store.js';
import { Cleanup, FakeContext } from './helpers.js';

const cleanup = new Cleanup();
afterEach(async () => {
  vi.restoreAllMocks();
  await cleanup.run();
});

describe('KeyFilter', () => {
  it('has no false negatives and under 2% false positives at capacity', () => {
    const filter = new KeyFilter(100_000);
    for (let i = 0; i < 100_000; i++) filter.add(`key-${i}`);
    for (let i = 0; i < 100_000; i++) expect(filter.mightContain(`key-${i}`)).toBe(true);
    let positives = 0;
    for (let i = 0; i < 100_000; i++) if (filter.mightContain(`other-${i}`)) positives++;
    expect(positives).toBeLessThan(2000);
    expect(filter.full).toBe(false);
  });

  it('counts distinct keys and is full past its capacity', () => {
    const filter = new KeyFilter(10);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) filter.add(`k${j}`);
    expect(filter.count).toBe(5);
    // A key the filter takes for one it holds (a false positive) does not count: a few more than capacity.
    let added = 0;
    while (!filter.full && added < 2 * filter.capacity) filter.add(`more-${added++}`);
    expect(filter.full).toBe(true);
    expect(added).toBeLessThan(1.05 * filter.capacity);
  });

  it('tells binary keys apart', () => {
    const filter = new KeyFilter(1000);
    filter.add('\u0000\u00ff\u0080');
    expect(filter.mightContain('\u0000\u00ff\u0080')).toBe(true);
    expect(filter.mightContain('\u0000\u00ff')).toBe(false);
  });
});

describe('RocksDB reads through the key filter', () => {
  const require = createRequire(import.meta.url);
  const { RocksLevel } = require('@nxtedition/rocksdb') as { RocksLevel: { prototype: { _getManySync: (...args: unknown[]) => unknown } } };

  async function open(ctx: FakeContext): Promise<PersistentKeyValueBytesStore> {
    const store = new PersistentKeyValueBytesStore('filtered', { backend: 'rocksdb' });
    await store.init(ctx, store);
    cleanup.store(store);
    return store;
  }

  it('reads absent keys without RocksDB and finds every key as the filter grows and after a reopen', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const store = await open(ctx);
    const reads = vi.spyOn(RocksLevel.prototype, '_getManySync');
    // Well past the smallest filter's capacity: rebuilt larger on the way.
    for (let i = 0; i < 60_000; i++) {
      store.put(`key-${i}`, Buffer.from(String(i)), 0);
      if (i % 10_000 === 9_999) await store.flush();
    }
    await store.flush();
    for (let i = 0; i < 60_000; i += 7) expect(store.get(`key-${i}`)?.toString()).toBe(String(i));
    const present = reads.mock.calls.length;
    expect(present).toBe(Math.ceil(60_000 / 7));
    for (let i = 0; i < 10_000; i++) expect(store.get(`absent-${i}`)).toBeNull();
    expect(reads.mock.calls.length - present).toBeLessThan(200);

    store.put('key-1', null, 0);
    await store.flush();
    expect(store.get('key-1')).toBeNull();
    await store.close();

    const again = await open(ctx);
    for (let i = 2; i < 60_000; i += 997) expect(again.get(`key-${i}`)?.toString()).toBe(String(i));
    expect(again.get('key-1')).toBeNull();
    const before = reads.mock.calls.length;
    for (let i = 0; i < 10_000; i++) expect(again.get(`absent-${i}`)).toBeNull();
    expect(reads.mock.calls.length - before).toBeLessThan(200);
  });

  it('finds keys written again after a range delete', async () => {
    const store = await open(new FakeContext(cleanup.dir()));
    for (let i = 0; i < 100; i++) store.put(`a${i}`, Buffer.from('x'), 0);
    await store.flush();
    store.deleteRange('a', 'b');
    await store.flush();
    expect(store.get('a5')).toBeNull();
    store.put('a5', Buffer.from('y'), 0);
    await store.flush();
    expect(store.get('a5')?.toString()).toBe('y');
  });
});
