/**
 * Misuse and failures surface as StateStoreErrors with stable codes and messages that say what
 * to do: a store used before init or after close, broken serdes, bad options, RocksDB failing.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Cleanup, FakeContext, openKeyValue, stringSerde } from './helpers.js';
import { FreshetError } from '../../../storage/errors.js';
import { StateStoreError } from '../../../storage/state/state-errors.js';
import type { StoreSerde } from '../../../storage/state/store-serde.js';
import { Stores } from '../../../storage/state/stores-factory.js';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const code = (c: string) => expect.objectContaining({ code: c });

describe('store lifecycle', () => {
  it('refuses reads and writes before init, naming the store', () => {
    const store = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore('early'), stringSerde, stringSerde).build();
    expect(() => store.get('a')).toThrow(code('STATE_STORE_NOT_INITIALIZED'));
    expect(() => store.put('a', 'b')).toThrow(/State store 'early' is not initialized yet: await store.init/);
    expect(() => store.all()).toThrow(code('STATE_STORE_NOT_INITIALIZED'));
    try {
      store.get('a');
    } catch (err) {
      expect(err).toBeInstanceOf(StateStoreError);
      expect(err).toBeInstanceOf(FreshetError);
    }
  });

  it.each(['memory', 'rocksdb'] as const)('refuses use after close on %s, and a second init', async (backend) => {
    const { store, ctx } = await openKeyValue(cleanup, backend, stringSerde, stringSerde);
    await expect(Promise.resolve().then(() => store.init(ctx, store))).rejects.toMatchObject({ code: 'STATE_STORE_INVALID_OPERATION' });
    await store.close();
    await store.close();
    expect(store.isOpen()).toBe(false);
    expect(() => store.get('a')).toThrow(code('STATE_STORE_CLOSED'));
    expect(() => store.put('a', 'b')).toThrow(code('STATE_STORE_CLOSED'));
    await expect(store.flush()).rejects.toMatchObject({ code: 'STATE_STORE_CLOSED' });
    await expect(Promise.resolve().then(() => store.init(ctx, store))).rejects.toMatchObject({ code: 'STATE_STORE_CLOSED' });
  });
});

describe('serdes', () => {
  it('reports a serializer that returns no Buffer', async () => {
    const bad = { serialize: () => 'not bytes', deserialize: () => null } as unknown as StoreSerde<string>;
    const { store } = await openKeyValue(cleanup, 'memory', bad, stringSerde);
    expect(() => store.put('k', 'v')).toThrow(code('STATE_STORE_SERDE_ERROR'));
    expect(() => store.get('k')).toThrow(/State store 'kv': the key serde failed \(serializing a non-null key returned string instead of a Buffer\)/);
  });

  it('wraps what a deserializer throws', async () => {
    const boom: StoreSerde<string> = {
      serialize: stringSerde.serialize,
      deserialize: () => {
        throw new Error('unexpected magic byte');
      },
    };
    const { store } = await openKeyValue(cleanup, 'memory', stringSerde, boom);
    store.put('k', 'v');
    let caught: unknown;
    try {
      store.get('k');
    } catch (err) {
      caught = err;
    }
    expect(caught).toMatchObject({ code: 'STATE_STORE_SERDE_ERROR', message: expect.stringContaining('unexpected magic byte') });
    expect((caught as Error).cause).toBeInstanceOf(Error);
  });

  it('uses the default serdes of the context when the builder has none, and says when there are none', async () => {
    const ctx = new FakeContext(cleanup.dir());
    const none = cleanup.store(Stores.keyValueStoreBuilder<string, string>(Stores.inMemoryKeyValueStore('no-serde')).build());
    await expect(Promise.resolve().then(() => none.init(ctx, none))).rejects.toMatchObject({ code: 'STATE_STORE_INVALID_CONFIG', message: expect.stringContaining('has no key serde') });
    ctx.defaultKeySerde = stringSerde as StoreSerde<unknown>;
    ctx.defaultValueSerde = stringSerde as StoreSerde<unknown>;
    const withDefaults = cleanup.store(Stores.timestampedKeyValueStoreBuilder<string, string>(Stores.inMemoryKeyValueStore('defaults')).build());
    await withDefaults.init(ctx, withDefaults);
    withDefaults.put('k', { value: 'v', timestamp: 3 });
    expect(withDefaults.get('k')).toEqual({ value: 'v', timestamp: 3 });
  });

  it('refuses null keys', async () => {
    const { store } = await openKeyValue(cleanup, 'memory', stringSerde, stringSerde);
    expect(() => store.put(null as unknown as string, 'v')).toThrow(code('STATE_STORE_INVALID_OPERATION'));
    expect(() => store.get(undefined as unknown as string)).toThrow(code('STATE_STORE_INVALID_OPERATION'));
    // Not even right after a key was serialized (the metered layer remembers the last one).
    store.put('k', 'v');
    expect(() => store.get(undefined as unknown as string)).toThrow(code('STATE_STORE_INVALID_OPERATION'));
    expect(store.get('k')).toBe('v');
  });
});

describe('configuration', () => {
  it('rejects bad names and windows longer than their retention', () => {
    expect(() => Stores.inMemoryKeyValueStore('a/b')).toThrow(code('STATE_STORE_INVALID_CONFIG'));
    expect(() => Stores.persistentKeyValueStore('')).toThrow(code('STATE_STORE_INVALID_CONFIG'));
    expect(() => Stores.persistentWindowStore('w', { retentionMs: 10, windowSizeMs: 20 })).toThrow(/retention \(10 ms\) must be at least the window size \(20 ms\)/);
    expect(() => Stores.inMemoryWindowStore('w', { retentionMs: -1, windowSizeMs: 0 })).toThrow(code('STATE_STORE_INVALID_CONFIG'));
    expect(() => Stores.inMemorySessionStore('s', { retentionMs: 10, segmentIntervalMs: 0 })).toThrow(code('STATE_STORE_INVALID_CONFIG'));
  });
});

describe('RocksDB failures', () => {
  it('reports a database it cannot open, with what to check', async () => {
    const ctx = new FakeContext(cleanup.dir());
    await openKeyValue(cleanup, 'rocksdb', stringSerde, stringSerde, { ctx, name: 'locked' });
    // A second instance on the same directory: RocksDB's lock refuses it.
    const second = cleanup.store(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('locked', { backend: 'rocksdb' }), stringSerde, stringSerde).build());
    await expect(second.init(ctx, second)).rejects.toMatchObject({
      code: 'STATE_STORE_IO_ERROR',
      message: expect.stringContaining("State store 'locked' failed to open RocksDB"),
    });
  });
});
