/**
 * Session window aggregation (Kafka's KStreamSessionWindowAggregate). A record at t looks up
 * the key's sessions that end at or after t - gap and start at or before t + gap: all of them
 * and the record become one session spanning them. When that merges existing sessions (or
 * widens one), each old session is removed from the store and retracted downstream (a change
 * with no new value for its old Windowed key, a tombstone after toStream), and the merged
 * session is emitted under its new key. Merged aggregates are combined with the merger.
 *
 * A session's updates carry its end as timestamp. A record whose merged session ends before
 * stream time - grace is late: dropped and counted.
 */
import type { SessionStore, Window, Windowed } from '../../storage/state/stores.js';
import { change, type Change } from '../dsl/change.js';
import type { SessionWindows } from '../dsl/windows.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { Aggregator, Initializer, ValueGetterSupplier } from './ktable.js';
import { LateRecords, WindowedForwarder } from './windowed-common.js';

/** Combines the aggregates of two sessions that a record joins into one. */
export type Merger<K, A> = (key: K, aggregate1: A, aggregate2: A) => A;

export function sessionWindowAggregateProcessor<K, V, A>(windows: SessionWindows, storeName: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>, merger: Merger<K, A>): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return () => new SessionWindowAggregate<K, V, A>(windows, storeName, initializer, aggregator, merger);
}

class SessionWindowAggregate<K, V, A> implements Processor<K, V, Windowed<K>, Change<A>> {
  private store!: SessionStore<K, A>;
  private forwarder!: WindowedForwarder<K, A, A>;
  private late!: LateRecords;
  private observedStreamTime = -1;

  constructor(
    private readonly windows: SessionWindows,
    private readonly storeName: string,
    private readonly initializer: Initializer<A>,
    private readonly aggregator: Aggregator<K, V, A>,
    private readonly merger: Merger<K, A>,
  ) {}

  init(context: ProcessorContext<Windowed<K>, Change<A>>): void {
    this.store = context.getStateStore(this.storeName);
    this.forwarder = new WindowedForwarder(context, this.store, (v: A) => v, (key) => key.window.end);
    this.late = new LateRecords(context as ProcessorContext<unknown, unknown>);
  }

  process(record: Record<K, V>): void {
    const { key, value, timestamp: t } = record;
    if (key === null || key === undefined || value === null || value === undefined) return this.late.dropNullKey();
    if (t > this.observedStreamTime) this.observedStreamTime = t;
    const closeTime = this.observedStreamTime - this.windows.graceMs;
    const gap = this.windows.inactivityGapMs;

    const merged: { key: Windowed<K>; value: A }[] = [];
    let window: Window = { start: t, end: t };
    let aggregate = this.initializer();
    const it = this.store.findSessions(key, Math.max(0, t - gap), t + gap);
    try {
      for (const session of it) {
        merged.push(session);
        aggregate = this.merger(key, aggregate, session.value);
        window = { start: Math.min(window.start, session.key.window.start), end: Math.max(window.end, session.key.window.end) };
      }
    } finally {
      it.close();
    }

    if (window.end < closeTime) {
      this.late.drop(key, t, window, closeTime, this.observedStreamTime);
      return;
    }
    // A record inside an existing session, changing neither bound, updates it in place.
    const inPlace = merged.length === 1 && merged[0]!.key.window.start === window.start && merged[0]!.key.window.end === window.end;
    if (!inPlace) {
      for (const session of merged) {
        this.store.remove(session.key);
        this.forwarder.maybeForward(new Record(session.key, change<A>(null, session.value), session.key.window.end, record.headers));
      }
    }
    aggregate = this.aggregator(key, value, aggregate);
    const sessionKey: Windowed<K> = { key, window };
    this.store.put(sessionKey, aggregate);
    this.forwarder.maybeForward(new Record(sessionKey, change(aggregate, inPlace ? merged[0]!.value : null), window.end, record.headers));
  }
}

/** Reads a session's aggregate (joins and filters downstream of a session-windowed table). */
export function sessionStoreValueGetter<K, A>(storeName: string): ValueGetterSupplier<Windowed<K>, A> {
  return {
    storeNames: [storeName],
    make: (ctx) => {
      const store = ctx.getStateStore<SessionStore<K, A>>(storeName);
      return {
        get: (windowed) => {
          const value = store.fetchSession(windowed.key, windowed.window.start, windowed.window.end);
          return value === null ? null : { value, timestamp: windowed.window.end };
        },
      };
    },
  };
}
