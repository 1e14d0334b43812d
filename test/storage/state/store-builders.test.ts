/**
 * Builders as the topology and the runtime see them: Kafka's defaults (logging on, caching
 * off), changelog topic configs, kinds, and a fresh store per build().
 */
import { describe, expect, it } from 'vitest';
import { stringSerde } from './helpers.js';
import { Stores } from '../../../storage/state/stores-factory.js';

describe('store builders', () => {
  it('default to logging on and caching off, with compacted key-value changelogs', () => {
    const b = Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore('kv'), stringSerde, stringSerde);
    expect(b.name).toBe('kv');
    expect(b.kind).toBe('keyValue');
    expect(b.loggingEnabled).toBe(true);
    expect(b.cachingEnabled).toBe(false);
    expect(b.logConfig).toEqual({ 'cleanup.policy': 'compact' });
    b.withCachingEnabled().withLoggingEnabled({ 'min.insync.replicas': '2' });
    expect(b.cachingEnabled).toBe(true);
    expect(b.logConfig).toEqual({ 'cleanup.policy': 'compact', 'min.insync.replicas': '2' });
    b.withLoggingDisabled().withCachingDisabled();
    expect(b.loggingEnabled).toBe(false);
    expect(b.cachingEnabled).toBe(false);
    expect(b.build()).not.toBe(b.build());
  });

  it('keep windowed changelogs for the retention plus a day', () => {
    const day = 24 * 60 * 60 * 1000;
    const w = Stores.timestampedWindowStoreBuilder(Stores.persistentTimestampedWindowStore('w', { retentionMs: 60_000, windowSizeMs: 10_000 }), stringSerde, stringSerde);
    expect(w.kind).toBe('timestampedWindow');
    expect(w.logConfig).toEqual({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(60_000 + day) });
    const s = Stores.sessionStoreBuilder(Stores.inMemorySessionStore('s', { retentionMs: 5_000 }), stringSerde, stringSerde);
    expect(s.kind).toBe('session');
    expect(s.logConfig['retention.ms']).toBe(String(5_000 + day));
    expect(s.withLoggingEnabled({ 'retention.ms': '1' }).logConfig['retention.ms']).toBe('1');
  });

  it('never cache a window store that keeps duplicates', () => {
    const join = Stores.windowStoreBuilder(Stores.inMemoryWindowStore('join', { retentionMs: 100, windowSizeMs: 100, retainDuplicates: true }), stringSerde, stringSerde);
    expect(join.withCachingEnabled().cachingEnabled).toBe(false);
  });

  it('describe their suppliers', () => {
    expect(Stores.persistentKeyValueStore('p', { backend: 'leveldb' })).toMatchObject({ kind: 'keyValue', persistent: true, backend: 'leveldb', timestamped: false });
    expect(Stores.persistentTimestampedKeyValueStore('t')).toMatchObject({ persistent: true, backend: 'auto', timestamped: true });
    expect(Stores.inMemoryKeyValueStore('m')).toMatchObject({ persistent: false, backend: 'memory' });
    expect(Stores.persistentWindowStore('w', { retentionMs: 600_000, windowSizeMs: 1000 })).toMatchObject({ segmentIntervalMs: 300_000, retainDuplicates: false });
    expect(Stores.persistentSessionStore('s', { retentionMs: 1000 })).toMatchObject({ segmentIntervalMs: 60_000 });
    expect(Stores.persistentKeyValueStore('p').get().persistent).toBe(true);
  });
});
