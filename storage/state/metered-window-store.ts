/**
 * The typed window store (and, with the ValueAndTimestamp serde, the timestamped one). Window
 * queries become composite-key scans (window-key-schema.ts) on the layers below, which give
 * them in composite order: one key's windows by start time; several keys by key bytes, then
 * start. Stores that retain duplicates (stream-stream joins) number each put of the same key
 * and start, ignore null puts, and cannot delete.
 *
 * Retention is enforced here as well as in the segmented store: with a cache in between, the
 * store below sees writes only when the cache flushes, so this layer drops puts and hides
 * windows older than its own stream time - retention, and queries mean the same with or
 * without a cache.
 */
import { checkTime, clampTime, MAX_TIME } from './key-encoding.js';
import type { RetentionClock } from './segmented-bytes-store.js';
import { MeteredStore, type MeteredSerdes } from './metered-store.js';
import type { CacheFlushListener, CachedStateStore, KeyValue, KeyValueIterator, Windowed, WindowStore, WindowStoreIterator } from './stores.js';
import type { KeyValueBytesStore } from './bytes-store.js';
import { keyRangeWindowRange, singleKeyWindowRange, windowIsKey, windowKey, windowKeyOf, windowMatches, windowStartOf } from './window-key-schema.js';

export interface WindowStoreShape {
  windowSizeMs: number;
  retentionMs: number;
  retainDuplicates: boolean;
  /** What retention is measured from (store-suppliers.ts); default 'task'. */
  retentionClock?: RetentionClock;
}

export class MeteredWindowStore<K, V> extends MeteredStore<K, V> implements WindowStore<K, V>, CachedStateStore<Windowed<K>, V> {
  private seq = 0;
  private observed = -1;
  private lastWindowKey = '';
  private lastStart = -1;
  private lastSeq = -1;
  private lastComposite = '';
  /** Puts dropped because their window was already past retention. */
  expiredRecordsDropped = 0;

  constructor(
    inner: KeyValueBytesStore,
    serdes: MeteredSerdes<K, V>,
    private readonly shape: WindowStoreShape,
  ) {
    super(inner, serdes);
  }

  get windowSizeMs(): number {
    return this.shape.windowSizeMs;
  }

  get retainDuplicates(): boolean {
    return this.shape.retainDuplicates;
  }

  put(key: K, value: V | null, windowStart: number): void {
    this.lifecycle.check();
    checkTime(this.name, 'a window start', windowStart);
    const t = this.metrics.start();
    if (windowStart > this.observed) this.observed = windowStart;
    if (windowStart < this.minLiveTime()) {
      this.expiredRecordsDropped++;
      this.metrics.record('put', t);
      return;
    }
    let seq = 0;
    if (this.shape.retainDuplicates) {
      // Kafka's semantics: a join store keeps every value; a null means nothing to keep.
      if (value === null || value === undefined) return;
      this.seq = (this.seq + 1) & 0x7fffffff;
      seq = this.seq;
    }
    this.inner.put(this.compositeKey(key, windowStart, seq), this.valueBytes(value), this.timestampFor(value));
    this.metrics.record('put', t);
  }

  fetch(key: K, windowStart: number): V | null {
    this.lifecycle.check();
    if (!Number.isInteger(windowStart) || windowStart < this.minLiveTime() || windowStart > MAX_TIME) return null;
    const t = this.metrics.start();
    let value: V | null;
    if (!this.shape.retainDuplicates) {
      value = this.valueFrom(this.inner.get(this.compositeKey(key, windowStart, 0)));
    } else {
      // The first of the duplicates.
      const it = this.fetchRange(key, windowStart, windowStart);
      const first = it.next();
      it.close();
      value = first.done ? null : first.value.value;
    }
    this.metrics.record('fetch', t);
    return value;
  }

  fetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    return this.keyWindows(key, timeFrom, timeTo, false);
  }

  backwardFetchRange(key: K, timeFrom: number, timeTo: number): WindowStoreIterator<V> {
    return this.keyWindows(key, timeFrom, timeTo, true);
  }

  fetchKeyRange(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return this.windows(keyFrom, keyTo, timeFrom, timeTo, false);
  }

  backwardFetchKeyRange(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return this.windows(keyFrom, keyTo, timeFrom, timeTo, true);
  }

  fetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return this.windows(null, null, timeFrom, timeTo, false);
  }

  backwardFetchAll(timeFrom: number, timeTo: number): KeyValueIterator<Windowed<K>, V> {
    return this.windows(null, null, timeFrom, timeTo, true);
  }

  all(): KeyValueIterator<Windowed<K>, V> {
    return this.windows(null, null, 0, MAX_TIME, false);
  }

  backwardAll(): KeyValueIterator<Windowed<K>, V> {
    return this.windows(null, null, 0, MAX_TIME, true);
  }

  setFlushListener(listener: CacheFlushListener<Windowed<K>, V>, sendOldValues: boolean): boolean {
    return this.installFlushListener((k) => this.windowedFrom(k), listener, sendOldValues);
  }

  /** The store key of a window; an aggregation fetches a window and then puts it: built once for both. */
  private compositeKey(key: K, windowStart: number, seq: number): string {
    const k = this.keyString(key);
    if (k === this.lastWindowKey && windowStart === this.lastStart && seq === this.lastSeq) return this.lastComposite;
    const composite = windowKey(k, windowStart, seq);
    this.lastWindowKey = k;
    this.lastStart = windowStart;
    this.lastSeq = seq;
    this.lastComposite = composite;
    return composite;
  }

  private keyWindows(key: K, timeFrom: number, timeTo: number, reverse: boolean): WindowStoreIterator<V> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const k = this.keyString(key);
    const from = Math.max(clampTime(timeFrom), this.minLiveTime());
    const to = clampTime(timeTo);
    const it =
      timeTo < 0 || from > to
        ? this.emptyIterator<KeyValue<number, V>>()
        : this.iterate(singleKeyWindowRange(k, from, to, reverse), (c, v) => ({ key: windowStartOf(c), value: this.valueFrom(v) as V }), (c) => windowIsKey(c, k));
    this.metrics.record('fetch', t);
    return it;
  }

  private windows(keyFrom: K | null, keyTo: K | null, timeFrom: number, timeTo: number, reverse: boolean): KeyValueIterator<Windowed<K>, V> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const kf = keyFrom === null || keyFrom === undefined ? undefined : this.keyString(keyFrom);
    const kt = keyTo === null || keyTo === undefined ? undefined : this.keyString(keyTo);
    const from = Math.max(clampTime(timeFrom), this.minLiveTime());
    const to = clampTime(timeTo);
    const empty = timeTo < 0 || from > to || (kf !== undefined && kt !== undefined && kf > kt);
    const it = empty
      ? this.emptyIterator<KeyValue<Windowed<K>, V>>()
      : this.iterate(
          keyRangeWindowRange(kf, kt, from, to, reverse),
          (c, v) => ({ key: this.windowedFrom(c), value: this.valueFrom(v) as V }),
          (c) => windowMatches(c, kf, kt, from, to),
        );
    this.metrics.record('fetch', t);
    return it;
  }

  /** The oldest window start still within retention. */
  private minLiveTime(): number {
    const task = this.context === null || this.shape.retentionClock === 'store' ? -1 : this.context.streamTime();
    return Math.max(0, Math.max(this.observed, task) - this.shape.retentionMs + 1);
  }

  private windowedFrom(composite: string): Windowed<K> {
    const start = windowStartOf(composite);
    return { key: this.keyFrom(windowKeyOf(composite)), window: { start, end: Math.min(start + this.shape.windowSizeMs, MAX_TIME) } };
  }
}
