/**
 * The typed session store: sessions are Windowed<K> with an inclusive [start, end], stored
 * under Kafka's session composite key (session-key-schema.ts), one key's sessions ordered by
 * end time. Retention (by session end) is enforced here too, for the reason given in
 * metered-window-store.ts.
 */
import { checkTime, clampTime, MAX_TIME } from './key-encoding.js';
import type { KeyValueBytesStore } from './bytes-store.js';
import { MeteredStore, type MeteredSerdes } from './metered-store.js';
import { keyRangeSessionRange, sessionEndOf, sessionInKeyRange, sessionIsKey, sessionKey, sessionKeyOf, sessionStartOf, singleKeySessionRange } from './session-key-schema.js';
import { StateStoreError } from './state-errors.js';
import type { CacheFlushListener, CachedStateStore, KeyValue, KeyValueIterator, SessionStore, Windowed } from './stores.js';

export class MeteredSessionStore<K, AGG> extends MeteredStore<K, AGG> implements SessionStore<K, AGG>, CachedStateStore<Windowed<K>, AGG> {
  private observed = -1;
  /** Puts dropped because their session had already ended before retention. */
  expiredRecordsDropped = 0;

  constructor(
    inner: KeyValueBytesStore,
    serdes: MeteredSerdes<K, AGG>,
    private readonly retentionMs: number,
  ) {
    super(inner, serdes);
  }

  put(session: Windowed<K>, aggregate: AGG | null): void {
    this.lifecycle.check();
    const { start, end } = session.window;
    checkTime(this.name, 'a session start', start);
    checkTime(this.name, 'a session end', end);
    if (end < start) throw new StateStoreError('STATE_STORE_INVALID_OPERATION', `State store '${this.name}': a session cannot end (${end}) before it starts (${start}).`);
    const t = this.metrics.start();
    if (end > this.observed) this.observed = end;
    if (end < this.minLiveTime()) {
      this.expiredRecordsDropped++;
      this.metrics.record('put', t);
      return;
    }
    this.inner.put(sessionKey(this.keyString(session.key), start, end), this.valueBytes(aggregate), this.timestampFor(aggregate));
    this.metrics.record(aggregate === null ? 'remove' : 'put', t);
  }

  remove(session: Windowed<K>): void {
    this.put(session, null);
  }

  fetchSession(key: K, sessionStart: number, sessionEnd: number): AGG | null {
    this.lifecycle.check();
    if (sessionStart < 0 || sessionEnd < sessionStart || sessionEnd > MAX_TIME || sessionEnd < this.minLiveTime()) return null;
    const t = this.metrics.start();
    const value = this.valueFrom(this.inner.get(sessionKey(this.keyString(key), sessionStart, sessionEnd)));
    this.metrics.record('fetch', t);
    return value;
  }

  fetch(key: K): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsOf(key, 0, MAX_TIME, false);
  }

  backwardFetch(key: K): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsOf(key, 0, MAX_TIME, true);
  }

  findSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsOf(key, earliestSessionEnd, latestSessionStart, false);
  }

  backwardFindSessions(key: K, earliestSessionEnd: number, latestSessionStart: number): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsOf(key, earliestSessionEnd, latestSessionStart, true);
  }

  fetchKeyRange(keyFrom: K | null, keyTo: K | null): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsIn(keyFrom, keyTo, false);
  }

  backwardFetchKeyRange(keyFrom: K | null, keyTo: K | null): KeyValueIterator<Windowed<K>, AGG> {
    return this.sessionsIn(keyFrom, keyTo, true);
  }

  setFlushListener(listener: CacheFlushListener<Windowed<K>, AGG>, sendOldValues: boolean): boolean {
    return this.installFlushListener((k) => this.windowedFrom(k), listener, sendOldValues);
  }

  private sessionsOf(key: K, earliestEnd: number, latestStart: number, reverse: boolean): KeyValueIterator<Windowed<K>, AGG> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const k = this.keyString(key);
    const from = Math.max(clampTime(earliestEnd), this.minLiveTime());
    const it =
      latestStart < 0 || earliestEnd > MAX_TIME
        ? this.emptyIterator<KeyValue<Windowed<K>, AGG>>()
        : this.iterate(
            singleKeySessionRange(k, from, reverse),
            (c, v) => ({ key: this.windowedFrom(c), value: this.valueFrom(v) as AGG }),
            (c) => sessionIsKey(c, k) && sessionEndOf(c) >= from && sessionStartOf(c) <= latestStart,
          );
    this.metrics.record('fetch', t);
    return it;
  }

  private sessionsIn(keyFrom: K | null, keyTo: K | null, reverse: boolean): KeyValueIterator<Windowed<K>, AGG> {
    this.lifecycle.check();
    const t = this.metrics.start();
    const kf = keyFrom === null || keyFrom === undefined ? undefined : this.keyString(keyFrom);
    const kt = keyTo === null || keyTo === undefined ? undefined : this.keyString(keyTo);
    const minLive = this.minLiveTime();
    const it =
      kf !== undefined && kt !== undefined && kf > kt
        ? this.emptyIterator<KeyValue<Windowed<K>, AGG>>()
        : this.iterate(
            keyRangeSessionRange(kf, kt, reverse),
            (c, v) => ({ key: this.windowedFrom(c), value: this.valueFrom(v) as AGG }),
            (c) => sessionInKeyRange(c, kf, kt) && sessionEndOf(c) >= minLive,
          );
    this.metrics.record('fetch', t);
    return it;
  }

  /** The earliest session end still within retention. */
  private minLiveTime(): number {
    const task = this.context === null ? -1 : this.context.streamTime();
    return Math.max(0, Math.max(this.observed, task) - this.retentionMs + 1);
  }

  private windowedFrom(composite: string): Windowed<K> {
    return { key: this.keyFrom(sessionKeyOf(composite)), window: { start: sessionStartOf(composite), end: sessionEndOf(composite) } };
  }
}
