/**
 * The typed key-value store processors use (and, with the ValueAndTimestamp serde, the
 * timestamped one): Kafka's MeteredKeyValueStore over caching -> change-logging -> inner.
 */
import { latin1 } from './bytes-store.js';
import { prefixRange, type KeyRange } from './cursor.js';
import { MeteredStore } from './metered-store.js';
import type { CacheFlushListener, CachedStateStore, KeyValue, KeyValueIterator, KeyValueStore } from './stores.js';
import { serializeChecked } from './store-serde.js';

export class MeteredKeyValueStore<K, V> extends MeteredStore<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {
  get(key: K): V | null {
    this.lifecycle.check();
    const t = this.metrics.start();
    const value = this.valueFrom(this.inner.get(this.keyString(key)));
    this.metrics.record('get', t);
    return value;
  }

  put(key: K, value: V | null): void {
    this.lifecycle.check();
    const t = this.metrics.start();
    this.inner.put(this.keyString(key), this.valueBytes(value), this.timestampFor(value));
    this.metrics.record('put', t);
  }

  putIfAbsent(key: K, value: V): V | null {
    this.lifecycle.check();
    const t = this.metrics.start();
    const k = this.keyString(key);
    const existing = this.valueFrom(this.inner.get(k));
    if (existing === null) this.inner.put(k, this.valueBytes(value), this.timestampFor(value));
    this.metrics.record('putIfAbsent', t);
    return existing;
  }

  putAll(entries: readonly KeyValue<K, V | null>[]): void {
    this.lifecycle.check();
    const t = this.metrics.start();
    for (const { key, value } of entries) this.inner.put(this.keyString(key), this.valueBytes(value), this.timestampFor(value));
    this.metrics.record('putAll', t);
  }

  delete(key: K): V | null {
    this.lifecycle.check();
    const t = this.metrics.start();
    const k = this.keyString(key);
    const old = this.valueFrom(this.inner.get(k));
    this.inner.put(k, null, this.timestampFor(null));
    this.metrics.record('delete', t);
    return old;
  }

  range(from: K | null, to: K | null): KeyValueIterator<K, V> {
    return this.scan(from, to, false);
  }

  reverseRange(from: K | null, to: K | null): KeyValueIterator<K, V> {
    return this.scan(from, to, true);
  }

  all(): KeyValueIterator<K, V> {
    return this.scan(null, null, false);
  }

  reverseAll(): KeyValueIterator<K, V> {
    return this.scan(null, null, true);
  }

  prefixScan<P>(prefix: P, prefixSerializer: (prefix: P) => Buffer): KeyValueIterator<K, V> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const bytes = serializeChecked({ serialize: (_topic, p: P | null) => prefixSerializer(p as P), deserialize: () => null }, this.topic, prefix, this.name, 'key');
    const it = this.iterateEntries(prefixRange(latin1(bytes)));
    this.metrics.record('prefixScan', t);
    return it;
  }

  approximateNumEntries(): number {
    this.lifecycle.check();
    return this.inner.approximateNumEntries();
  }

  setFlushListener(listener: CacheFlushListener<K, V>, sendOldValues: boolean): boolean {
    return this.installFlushListener((k) => this.keyFrom(k), listener, sendOldValues);
  }

  private scan(from: K | null, to: K | null, reverse: boolean): KeyValueIterator<K, V> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const range: KeyRange = { reverse };
    if (from !== null && from !== undefined) range.from = this.keyString(from);
    if (to !== null && to !== undefined) range.to = this.keyString(to);
    // As Kafka: an inverted range is empty, not an error.
    const inverted = range.from !== undefined && range.to !== undefined && range.from > range.to;
    const it = inverted ? this.emptyIterator<KeyValue<K, V>>() : this.iterateEntries(range);
    this.metrics.record('range', t);
    return it;
  }

  private iterateEntries(range: KeyRange): KeyValueIterator<K, V> {
    return this.iterate(range, (k, v) => ({ key: this.keyFrom(k), value: this.valueFrom(v) as V }));
  }
}
