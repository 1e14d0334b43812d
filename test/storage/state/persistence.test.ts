/**
 * Persistent stores on disk: `<stateDir>/<store name>/`, contents surviving a flush and a
 * reopen (and a close without a flush), the engine chosen per directory, the LevelDB fallback
 * when RocksDB does not load, and bounded pending writes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, drain, FakeContext, openKeyValue, openSession, openWindow, stringSerde } from './helpers.js';
import { defaultLoaders, detectBackend, resolveBackend } from '../../../storage/state/backend-loader.js';
import { DEFAULT_BACKEND } from '../../../storage/state/persistent-backend.js';
import { PersistentKeyValueBytesStore } from '../../../storage/state/persistent-key-value-store.js';
import { Stores } from '../../../storage/state/stores-factory.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

describe.each(['rocksdb', 'leveldb'] as const)('persistent stores on %s', (backend) => {
  it('keep their data in <stateDir>/<name>/ across a reopen', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const { store } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { ctx, name: 'people' });
    for (let i = 0; i < 500; i++) store.put(`p${i}`, `v${i}`);
    await store.flush();
    store.delete('p1');
    store.put('p2', 'changed');
    await store.flush();
    expect(readdirSync(join(ctx.stateDir, 'people'))).toContain('CURRENT');
    expect(detectBackend(join(ctx.stateDir, 'people'))).toBe(backend);
    const before = drain(store.all());
    await store.close();

    const { store: again } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { ctx, name: 'people' });
    expect(drain(again.all())).toEqual(before);
    expect(again.get('p1')).toBeNull();
    expect(again.get('p2')).toBe('changed');
  });

  it('write what is still pending when closed without a flush', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const { store } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { ctx, caching: true, cacheMaxBytes: 1 << 20 });
    store.put('a', '1');
    await store.close();
    const { store: again } = await openKeyValue(cleanup, backend, stringSerde, stringSerde, { ctx });
    expect(again.get('a')).toBe('1');
  });

  it('reopen window and session stores with their segments', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const o = { ctx, retentionMs: 1000, segmentIntervalMs: 100 };
    const { store: w } = await openWindow(cleanup, backend, stringSerde, stringSerde, o);
    for (let t = 0; t < 1000; t += 50) w.put(`k${t % 3}`, `v${t}`, t);
    const { store: s } = await openSession(cleanup, backend, stringSerde, stringSerde, o);
    for (let t = 0; t < 1000; t += 100) s.put({ key: 'k', window: { start: t, end: t + 20 } }, `s${t}`);
    await w.flush();
    await s.flush();
    const windows = drain(w.all());
    const sessions = drain(s.fetch('k'));
    await w.close();
    await s.close();

    const { store: w2 } = await openWindow(cleanup, backend, stringSerde, stringSerde, o);
    const { store: s2 } = await openSession(cleanup, backend, stringSerde, stringSerde, o);
    expect(drain(w2.all())).toEqual(windows);
    expect(drain(w2.fetchRange('k0', 300, 600)).map((kv) => kv.key)).toEqual([300, 450, 600]);
    expect(drain(s2.fetch('k'))).toEqual(sessions);
    // Stream time continues: old segments go, on disk too.
    w2.put('k0', 'late', 2500);
    await w2.flush();
    await w2.close();
    const { store: w3 } = await openWindow(cleanup, backend, stringSerde, stringSerde, o);
    expect(drain(w3.all()).map((kv) => kv.value)).toEqual(['late']);
  });

  it('write early when pending writes exceed maxPendingBytes', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const inner = new PersistentKeyValueBytesStore('spill', { backend, maxPendingBytes: 10_000 });
    await inner.init(ctx, inner);
    cleanup.add(() => inner.close());
    let maxPending = 0;
    for (let i = 0; i < 5000; i++) {
      inner.put(`key-${i}`, Buffer.alloc(20, i), 0);
      maxPending = Math.max(maxPending, inner.pendingWrites);
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    await inner.flush();
    expect(inner.pendingWrites).toBe(0);
    if (backend === 'rocksdb') expect(maxPending).toBeLessThan(200);
    expect(inner.get('key-4999')).toEqual(Buffer.alloc(20, 4999 % 256));
    expect(inner.approximateNumEntries()).toBeGreaterThan(2500);
  });
});

describe('choosing the engine', () => {
  it('reopens a directory with the engine that wrote it, under auto', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const { store } = await openKeyValue(cleanup, 'leveldb', stringSerde, stringSerde, { ctx, name: 'made-by-level' });
    store.put('a', '1');
    await store.close();
    const auto = cleanup.store(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('made-by-level'), stringSerde, stringSerde).build());
    await auto.init(ctx, auto);
    expect(auto.get('a')).toBe('1');
    expect((auto.wrapped as unknown as { inner: PersistentKeyValueBytesStore }).inner.backendKind).toBe('leveldb');
  });

  it('refuses to open a directory with the other engine', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const { store } = await openKeyValue(cleanup, 'rocksdb', stringSerde, stringSerde, { ctx, name: 'made-by-rocks' });
    await store.close();
    const wrong = cleanup.store(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('made-by-rocks', { backend: 'leveldb' }), stringSerde, stringSerde).build());
    await expect(wrong.init(ctx, wrong)).rejects.toMatchObject({ code: 'STATE_STORE_INVALID_CONFIG', message: expect.stringContaining("backend 'rocksdb'") });
  });

  it('opens new directories with the default engine, and falls back to the other when it does not load', () => {
    const dir = join(cleanup.dir(), 'fresh');
    const broken = () => {
      throw new Error('no prebuild for this platform');
    };
    const noRocks = { rocksdb: broken, leveldb: defaultLoaders.leveldb };
    const noLevel = { rocksdb: defaultLoaders.rocksdb, leveldb: broken };
    expect(DEFAULT_BACKEND).toBe('leveldb');
    expect(resolveBackend('auto', dir, 's', defaultLoaders).kind).toBe(DEFAULT_BACKEND);
    expect(resolveBackend('auto', dir, 's', noRocks).kind).toBe('leveldb');
    expect(resolveBackend('auto', dir, 's', noLevel).kind).toBe('rocksdb');
    expect(() => resolveBackend('rocksdb', dir, 's', noRocks)).toThrow(expect.objectContaining({ code: 'STATE_STORE_BACKEND_UNAVAILABLE', message: expect.stringContaining("backend 'leveldb'") }));
    expect(() => resolveBackend('leveldb', dir, 's', noLevel)).toThrow(expect.objectContaining({ code: 'STATE_STORE_BACKEND_UNAVAILABLE', message: expect.stringContaining("backend 'rocksdb'") }));
    expect(existsSync(dir)).toBe(false);
  });
});
