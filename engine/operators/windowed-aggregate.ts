/**
 * Tumbling and hopping window aggregation (Kafka's KStreamWindowAggregate): each record is
 * folded into every window it falls in, in a timestamped window store keyed by (key, window
 * start). A window closes when the processor's stream time passes its end plus grace; records
 * for a closed window are dropped and counted (once per window, as Kafka does).
 *
 * Each window's aggregate keeps the largest record timestamp folded into it, which is also
 * the timestamp of the update forwarded downstream.
 */
import type { TimestampedWindowStore, ValueAndTimestamp, Windowed } from '../../storage/state/stores.js';
import { change, type Change } from '../dsl/change.js';
import type { TimeWindows } from '../dsl/windows.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { Aggregator, Initializer, ValueGetterSupplier } from './ktable.js';
import { LateRecords, WindowedForwarder } from './windowed-common.js';

export function timeWindowAggregateProcessor<K, V, A>(windows: TimeWindows, storeName: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return () => new TimeWindowAggregate<K, V, A>(windows, storeName, initializer, aggregator);
}

class TimeWindowAggregate<K, V, A> implements Processor<K, V, Windowed<K>, Change<A>> {
  private store!: TimestampedWindowStore<K, A>;
  private forwarder!: WindowedForwarder<K, ValueAndTimestamp<A>, A>;
  private late!: LateRecords;
  private observedStreamTime = -1;

  constructor(
    private readonly windows: TimeWindows,
    private readonly storeName: string,
    private readonly initializer: Initializer<A>,
    private readonly aggregator: Aggregator<K, V, A>,
  ) {}

  init(context: ProcessorContext<Windowed<K>, Change<A>>): void {
    this.store = context.getStateStore(this.storeName);
    this.forwarder = new WindowedForwarder(context, this.store, (v: ValueAndTimestamp<A>) => v.value);
    this.late = new LateRecords(context as ProcessorContext<unknown, unknown>);
  }

  process(record: Record<K, V>): void {
    const { key, value, timestamp } = record;
    if (key === null || key === undefined || value === null || value === undefined) return this.late.dropNullKey();
    if (timestamp > this.observedStreamTime) this.observedStreamTime = timestamp;
    const closeTime = this.observedStreamTime - this.windows.graceMs;
    for (const window of this.windows.windowsFor(timestamp)) {
      if (window.end <= closeTime) {
        this.late.drop(key, timestamp, window, closeTime, this.observedStreamTime);
        continue;
      }
      const old = this.store.fetch(key, window.start);
      const aggregate = this.aggregator(key, value, old === null ? this.initializer() : old.value);
      const newTimestamp = old === null ? timestamp : Math.max(timestamp, old.timestamp);
      this.store.put(key, { value: aggregate, timestamp: newTimestamp }, window.start);
      if (this.forwarder.direct) this.forwarder.maybeForward(new Record({ key, window }, change(aggregate, old?.value ?? null), newTimestamp, record.headers));
    }
  }
}

/** Reads a window's aggregate (joins and filters downstream of a windowed table). */
export function windowStoreValueGetter<K, A>(storeName: string): ValueGetterSupplier<Windowed<K>, A> {
  return {
    storeNames: [storeName],
    make: (ctx) => {
      const store = ctx.getStateStore<TimestampedWindowStore<K, A>>(storeName);
      return { get: (windowed) => store.fetch(windowed.key, windowed.window.start) };
    },
  };
}
