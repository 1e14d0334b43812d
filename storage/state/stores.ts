/**
 * The typed store interfaces processors use (Kafka Streams' shapes). Keys are ordered by their
 * serialized bytes (unsigned lexicographic), in RocksDB and in memory alike, so range and prefix
 * scans mean the same on both. Every read and write is synchronous.
 */
import type { StateStore } from './state-store.js';

export interface KeyValue<K, V> {
  key: K;
  value: V;
}

/** An iterator over a range; close it when not read to the end (it may hold a snapshot). */
export interface KeyValueIterator<K, V> extends IterableIterator<KeyValue<K, V>> {
  close(): void;
}

export interface ReadOnlyKeyValueStore<K, V> {
  get(key: K): V | null;
  /** Keys from `from` to `to`, both inclusive; null bounds are open. */
  range(from: K | null, to: K | null): KeyValueIterator<K, V>;
  reverseRange(from: K | null, to: K | null): KeyValueIterator<K, V>;
  all(): KeyValueIterator<K, V>;
  reverseAll(): KeyValueIterator<K, V>;
  /** Keys whose serialized form starts with the serialized `prefix`. */
  prefixScan<P>(prefix: P, prefixSerializer: (prefix: P) => Buffer): KeyValueIterator<K, V>;
  approximateNumEntries(): number;
}

export interface KeyValueStore<K, V> extends StateStore, ReadOnlyKeyValueStore<K, V> {
  /** A null value deletes the key. */
  put(key: K, value: V | null): void;
  /** Puts unless the key has a value; returns the existing value (or null when it put). */
  putIfAbsent(key: K, value: V): V | null;
  putAll(entries: readonly KeyValue<K, V | null>[]): void;
  /** Deletes the key and returns its old value. */
  delete(key: K): V | null;
}

export interface ValueAndTimestamp<V> {
  value: V;
  timestamp: number;
}

export type TimestampedKeyValueStore<K, V> = KeyValueStore<K, ValueAndTimestamp<V>>;

/** A window: [start, end) for time windows, [start, end] for sessions. */
export interface Window {
  start: number;
  end: number;
}

export interface Windowed<K> {
  key: K;
  window: Window;
}

/** Entries of one key's windows: key = window start time. */
export type WindowStoreIterator<V> = KeyValueIterator<number, V>;

export interface ReadOnlyWindowStore<K, V> {
  /** The value of the key's window starting at `windowStart`. */
  fetch(key: K, windowStart: number): V | null;
  /** The key's windows that start within [timeFrom, timeTo], oldest first. */
  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>;
  backwardFetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V>;
  /** Windows of keys in [keyFrom, keyTo] (null: open) starting within [timeFrom, timeTo]. */
  fetchKeyRange(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>;
  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V>;
  all(): KeyValueIterator<Windowed<K>, V>;
}

export interface WindowStore<K, V> extends StateStore, ReadOnlyWindowStore<K, V> {
  /** Puts the key's window starting at `windowStart`; null deletes it (unless duplicates are retained). */
  put(key: K, value: V | null, windowStart: number): void;
}

export type TimestampedWindowStore<K, V> = WindowStore<K, ValueAndTimestamp<V>>;

export interface ReadOnlySessionStore<K, AGG> {
  /** All sessions of the key. */
  fetch(key: K): KeyValueIterator<Windowed<K>, AGG>;
  /** Sessions of the key ending at or after `earliestSessionEnd` and starting at or before `latestSessionStart`. */
  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG>;
  backwardFindSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG>;
  /** The aggregate of exactly this session, or null. */
  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | null;
  /** Sessions of keys in [keyFrom, keyTo] (null: open). */
  fetchKeyRange(keyFrom: K | null, keyTo: K | null): KeyValueIterator<Windowed<K>, AGG>;
}

export interface SessionStore<K, AGG> extends StateStore, ReadOnlySessionStore<K, AGG> {
  put(session: Windowed<K>, aggregate: AGG | null): void;
  remove(session: Windowed<K>): void;
}

/**
 * Called when a cache evicts or flushes an entry: the DSL forwards it downstream as a table
 * update. `oldValue` is the value before the cached updates (only when old values are requested).
 */
export type CacheFlushListener<K, V> = (key: K, newValue: V | null, oldValue: V | null, timestamp: number) => void;

/**
 * The flush listener of a table nothing reads downstream (a view kept for queries only): the
 * cache writes down as with any listener, but no key or value is decoded for it.
 */
export const DISCARD_FLUSHES: CacheFlushListener<unknown, unknown> = () => {};

/** Stores with a cache accept a flush listener; returns false when caching is off (forward directly then). */
export interface CachedStateStore<K, V> {
  setFlushListener(listener: CacheFlushListener<K, V>, sendOldValues: boolean): boolean;
}
