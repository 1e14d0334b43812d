/**
 * Sliding window aggregation (Kafka's KStreamSlidingWindowAggregate, KIP-450). Windows are
 * [start, start + d] with both ends inclusive (d = time difference), and only windows that hold
 * a distinct set of records exist:
 *
 *   - every record t has a left window [t - d, t] (it is the window's latest record);
 *   - every record t has a right window [t + 1, t + 1 + d] while some later record falls in it.
 *
 * A new record therefore updates the existing windows it falls into, creates its own left
 * window (starting from the aggregate of the records before it within d), creates its right
 * window (from the aggregate of the later records within d) and may create the right window
 * of the record before it. The window store is read from t - 2d: the earliest window whose
 * aggregate can seed the new left window. Records earlier than d (whose left window would start
 * before 0) share one window [0, d], as in Kafka.
 *
 * A window's stored timestamp is the largest record timestamp in it; "is this window empty
 * after t" is answered by comparing that timestamp with t.
 */
import type { TimestampedWindowStore, ValueAndTimestamp, Window, Windowed } from '../../storage/state/stores.js';
import { change, type Change } from '../dsl/change.js';
import type { SlidingWindows } from '../dsl/windows.js';
import { TopologyError } from '../topology/topology.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { Aggregator, Initializer } from './ktable.js';
import { LateRecords, WindowedForwarder } from './windowed-common.js';

type Entry<A> = { start: number; value: ValueAndTimestamp<A> };

export function slidingWindowAggregateProcessor<K, V, A>(windows: SlidingWindows, storeName: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>): ProcessorSupplier<K, V, Windowed<K>, Change<A>> {
  return () => new SlidingWindowAggregate<K, V, A>(windows, storeName, initializer, aggregator);
}

class SlidingWindowAggregate<K, V, A> implements Processor<K, V, Windowed<K>, Change<A>> {
  private store!: TimestampedWindowStore<K, A>;
  private forwarder!: WindowedForwarder<K, ValueAndTimestamp<A>, A>;
  private late!: LateRecords;
  private observedStreamTime = -1;
  private readonly d: number;

  constructor(
    private readonly windows: SlidingWindows,
    private readonly storeName: string,
    private readonly initializer: Initializer<A>,
    private readonly aggregator: Aggregator<K, V, A>,
  ) {
    this.d = windows.timeDifferenceMs;
  }

  init(context: ProcessorContext<Windowed<K>, Change<A>>): void {
    this.store = context.getStateStore(this.storeName);
    this.forwarder = new WindowedForwarder(context, this.store, (v: ValueAndTimestamp<A>) => v.value);
    this.late = new LateRecords(context as ProcessorContext<unknown, unknown>);
  }

  process(record: Record<K, V>): void {
    const { key, value, timestamp: t } = record;
    if (key === null || key === undefined || value === null || value === undefined) return this.late.dropNullKey();
    if (t > this.observedStreamTime) this.observedStreamTime = t;
    const closeTime = this.observedStreamTime - this.windows.graceMs;
    // Even the record's right window, the last one it can touch, has closed.
    if (t + 1 + this.d <= closeTime) {
      this.late.drop(key, t, { start: Math.max(0, t - this.d), end: t }, closeTime, this.observedStreamTime);
      return;
    }
    if (t < this.d) this.processEarly(record, closeTime);
    else this.processRegular(record, closeTime);
  }

  /** The key's windows starting in [from, to], read before any is changed. */
  private windowsOf(key: K, from: number, to: number): Entry<A>[] {
    const out: Entry<A>[] = [];
    const it = this.store.fetchRange(key, from, to);
    try {
      for (const { key: start, value } of it) out.push({ start, value });
    } finally {
      it.close();
    }
    return out;
  }

  private processRegular(record: Record<K, V>, closeTime: number): void {
    const t = record.timestamp;
    const d = this.d;
    const starts = new Set<number>();
    let leftWinAgg: ValueAndTimestamp<A> | null = null;
    let rightWinAgg: ValueAndTimestamp<A> | null = null;
    let leftWinExists = false;
    let rightWinExists = false;
    let previousRecordTimestamp: number | null = null;
    for (const { start, value } of this.windowsOf(record.key, Math.max(0, t - 2 * d), t + 1)) {
      starts.add(start);
      const end = start + d;
      if (end < t) {
        // Ends before the record: the latest such window holds the records just before it.
        leftWinAgg = value;
        previousRecordTimestamp = value.timestamp;
      } else if (end === t) {
        leftWinExists = true;
        if (value.timestamp < t) previousRecordTimestamp = value.timestamp;
        this.update(record, { start, end }, value, closeTime, true);
      } else if (start <= t) {
        // Holds the record; the latest such window holds exactly the later records within d.
        rightWinAgg = value;
        this.update(record, { start, end }, value, closeTime, true);
      } else if (start === t + 1) {
        rightWinExists = true;
      } else {
        throw new TopologyError(`Sliding window aggregation found a window starting at ${start} for a record at ${t}; the store '${this.storeName}' holds windows of another size.`);
      }
    }
    if (previousRecordTimestamp !== null) {
      const previousRightStart = previousRecordTimestamp + 1;
      // The record falls into the right window of the record before it, which did not exist yet.
      if (!starts.has(previousRightStart) && previousRightStart + d >= t) this.create(record, { start: previousRightStart, end: previousRightStart + d }, closeTime);
    }
    if (!leftWinExists) {
      const seed = previousRecordTimestamp !== null && t - d <= previousRecordTimestamp && leftWinAgg !== null ? leftWinAgg.value : this.initializer();
      this.update(record, { start: t - d, end: t }, { value: seed, timestamp: t }, closeTime, false);
    }
    if (!rightWinExists && rightWinAgg !== null && rightWinAgg.timestamp > t) this.createRightWindow(record, rightWinAgg);
  }

  private processEarly(record: Record<K, V>, closeTime: number): void {
    const t = record.timestamp;
    const d = this.d;
    let combined: Entry<A> | null = null;
    let rightWinAgg: ValueAndTimestamp<A> | null = null;
    let rightWinExists = false;
    const starts = new Set<number>();
    let previousRecordTimestamp: number | null = null;
    for (const entry of this.windowsOf(record.key, 0, t + 1)) {
      const { start, value } = entry;
      starts.add(start);
      if (start === 0) {
        // [0, d] holds every early record.
        combined = entry;
        if (value.timestamp < t) previousRecordTimestamp = value.timestamp;
      } else if (start <= t) {
        rightWinAgg = value;
        this.update(record, { start, end: start + d }, value, closeTime, true);
      } else if (start === t + 1) {
        rightWinExists = true;
      } else {
        throw new TopologyError(`Sliding window aggregation found a window starting at ${start} for a record at ${t}; the store '${this.storeName}' holds windows of another size.`);
      }
    }
    // Without a window holding both earlier and later records, [0, d] holds only later ones.
    if (rightWinAgg === null && combined !== null && combined.value.timestamp > t) rightWinAgg = combined.value;
    if (!rightWinExists && rightWinAgg !== null && rightWinAgg.timestamp > t) this.createRightWindow(record, rightWinAgg);
    if (previousRecordTimestamp !== null && !starts.has(previousRecordTimestamp + 1)) {
      this.create(record, { start: previousRecordTimestamp + 1, end: previousRecordTimestamp + 1 + d }, closeTime);
    }
    if (combined === null) this.create(record, { start: 0, end: d }, closeTime);
    else this.update(record, { start: 0, end: d }, combined.value, closeTime, true);
  }

  /** A new window holding only this record (of the records up to it). */
  private create(record: Record<K, V>, window: Window, closeTime: number): void {
    this.update(record, window, { value: this.initializer(), timestamp: record.timestamp }, closeTime, false);
  }

  /** The record's right window starts with the aggregate of the later records found. */
  private createRightWindow(record: Record<K, V>, aggregate: ValueAndTimestamp<A>): void {
    const start = record.timestamp + 1;
    this.store.put(record.key, aggregate, start);
    if (this.forwarder.direct) this.forwarder.maybeForward(new Record({ key: record.key, window: { start, end: start + this.d } }, change(aggregate.value, null), aggregate.timestamp, record.headers));
  }

  /** Folds the record into a window; `existed`: the window was in the store (else its old value is none). */
  private update(record: Record<K, V>, window: Window, current: ValueAndTimestamp<A>, closeTime: number, existed: boolean): void {
    const { key, value, timestamp } = record;
    // Inclusive ends: a window ending exactly at the close time still takes records.
    if (window.end < closeTime) {
      this.late.drop(key, timestamp, window, closeTime, this.observedStreamTime);
      return;
    }
    const aggregate = this.aggregator(key, value, current.value);
    const newTimestamp = Math.max(timestamp, current.timestamp);
    this.store.put(key, { value: aggregate, timestamp: newTimestamp }, window.start);
    if (this.forwarder.direct) this.forwarder.maybeForward(new Record({ key, window }, change(aggregate, existed ? current.value : null), newTimestamp, record.headers));
  }
}
