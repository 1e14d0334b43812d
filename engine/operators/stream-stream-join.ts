/**
 * KStream-KStream windowed join processors (Kafka's KStreamJoinWindow and KStreamKStreamJoin).
 * Each side has two nodes:
 *
 *   WINDOWED  drops records without key or value, hands the rest to the join node, then keeps
 *             them in its side's window store (duplicates retained). The store forgets records
 *             older than its retention (window size + grace), measured from the newest record of
 *             that side: the records of a side that lags behind stay there for the other side's
 *             out-of-order records to find.
 *   JOIN      pairs the record with the other side's stored records inside the window. In a left
 *             or outer join, a record without partner goes to the shared outer-join store and is
 *             emitted with null only once its window plus grace has closed (no spurious results),
 *             unless a partner arrives first. A record that arrives when its window has already
 *             closed in stream time cannot wait for anything and comes out with null at once.
 *
 * Both sides of one task share a time tracker: the largest timestamp either side has seen. It
 * decides when windows close, so a window closes at the same moment for both sides.
 */
import type { WindowStore } from '../../storage/state/stores.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';
import { OuterJoinBuffer, type LeftOrRight, type OuterJoinKey, type OuterJoinKeySerde } from './stream-stream-join-store.js';

/** The join's view of stream time in one task, shared by the nodes of both sides. */
class TimeTracker {
  /** Largest record timestamp either side has seen (-1: none yet). */
  streamTime = -1;
  /** Earliest timestamp in the outer-join store; -Infinity when unknown (read it), Infinity when empty. */
  minBuffered = Number.NEGATIVE_INFINITY;

  advance(timestamp: number): void {
    if (timestamp > this.streamTime) this.streamTime = timestamp;
  }
}

/**
 * One tracker per task (of each application running the topology). Every node of the join
 * resets its task's tracker in init(), so a task that is re-created (after a rebalance, or
 * reviving under exactly-once) starts afresh instead of from a stream time its restored state
 * never saw; nodes look the tracker up per record.
 */
export class JoinTimeTrackers {
  private readonly byTask = new Map<string, TimeTracker>();

  reset(ctx: ProcessorContext<unknown, unknown>): void {
    this.byTask.set(`${ctx.applicationId}/${ctx.taskId}`, new TimeTracker());
  }

  get(ctx: ProcessorContext<unknown, unknown>): TimeTracker {
    const id = `${ctx.applicationId}/${ctx.taskId}`;
    let t = this.byTask.get(id);
    if (t === undefined) {
      t = new TimeTracker();
      this.byTask.set(id, t);
    }
    return t;
  }
}

/** The window as one side sees it: for the right side, before and after swap. */
export interface SideWindow {
  beforeMs: number;
  afterMs: number;
  graceMs: number;
}

function metricsOf(ctx: ProcessorContext<unknown, unknown>): TaskContext['metrics'] {
  return (ctx as unknown as TaskContext).metrics;
}

/**
 * The WINDOWED node of one side. Out-of-order records are not dropped here (Kafka does not either):
 * whether one can still join is for the stores' retention to say, and a left or outer join still
 * owes it a result with null.
 */
export function joinWindowedProcessor<K, V>(storeName: string, trackers: JoinTimeTrackers): ProcessorSupplier<K, V, K, V> {
  return () => {
    let ctx: ProcessorContext<K, V>;
    let store: WindowStore<K, V>;
    return {
      init(context: ProcessorContext<K, V>) {
        ctx = context;
        store = context.getStateStore(storeName);
        trackers.reset(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, V>) {
        // Kafka's model: a null key cannot match anything, a null value means "nothing" (and the
        // joiner's null stands for a missing partner), so neither takes part in the join.
        if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) {
          metricsOf(ctx as ProcessorContext<unknown, unknown>).droppedNullKey++;
          return;
        }
        // Kafka's order: joined first, stored after.
        ctx.forward(record);
        store.put(record.key, record.value, record.timestamp);
      },
    } satisfies Processor<K, V, K, V>;
  };
}

export interface JoinSideOptions<K, V1, V2, VR> {
  /** The other side's window store. */
  otherStoreName: string;
  /** The shared outer-join store (left and outer joins), or null (inner joins). */
  outerStore: { name: string; keySerde: OuterJoinKeySerde<K> } | null;
  /** Whether this node serves the left stream (the joiner's first argument). */
  thisIsLeft: boolean;
  window: SideWindow;
  /** How long after its timestamp each side's window stays open (left: after, right: before). */
  leftLookbackMs: number;
  rightLookbackMs: number;
  /** Whether a left / right record without partner is emitted with null (left: left and outer joins; right: outer joins). */
  leftUnmatched: boolean;
  rightUnmatched: boolean;
  joiner: (left: V1 | null, right: V2 | null, key: K) => VR;
  trackers: JoinTimeTrackers;
}

/** The JOIN node of one side (JOINTHIS / OUTERTHIS for the left stream, JOINOTHER / OUTEROTHER for the right). */
export function streamStreamJoinProcessor<K, V1, V2, VR>(o: JoinSideOptions<K, V1, V2, VR>): ProcessorSupplier<K, V1 | V2, K, VR> {
  const thisUnmatched = o.thisIsLeft ? o.leftUnmatched : o.rightUnmatched;
  const otherUnmatched = o.thisIsLeft ? o.rightUnmatched : o.leftUnmatched;
  // The earliest any buffered record's window can close, relative to its timestamp.
  const minLookback = Math.min(...(o.leftUnmatched ? [o.leftLookbackMs] : []), ...(o.rightUnmatched ? [o.rightLookbackMs] : [])) + o.window.graceMs;

  return () => {
    let ctx: ProcessorContext<K, VR>;
    let otherStore: WindowStore<K, V1 | V2>;
    let outer: OuterJoinBuffer<K, V1, V2> | null = null;

    const join = (key: K, mine: V1 | V2 | null, theirs: V1 | V2 | null): VR =>
      o.thisIsLeft ? o.joiner(mine as V1 | null, theirs as V2 | null, key) : o.joiner(theirs as V1 | null, mine as V2 | null, key);

    /** Emits (and forgets) the buffered records whose window has closed. */
    const emitClosed = (buffer: OuterJoinBuffer<K, V1, V2>, streamTime: number, tracker: TimeTracker): void => {
      if (tracker.minBuffered + minLookback >= streamTime) return;
      const due: { key: OuterJoinKey<K>; value: LeftOrRight<V1, V2> }[] = [];
      let remaining = Number.POSITIVE_INFINITY;
      const it = buffer.all();
      try {
        for (const entry of it) {
          const t = entry.key.timestamp;
          // Sorted by time: from here on no window can have closed.
          if (t + minLookback >= streamTime) {
            remaining = Math.min(remaining, t);
            break;
          }
          const lookback = (entry.key.left ? o.leftLookbackMs : o.rightLookbackMs) + o.window.graceMs;
          if (t + lookback >= streamTime) remaining = Math.min(remaining, t);
          else due.push(entry);
        }
      } finally {
        it.close();
      }
      tracker.minBuffered = remaining;
      for (const { key: k, value } of due) {
        buffer.delete(k);
        const result = value.left ? o.joiner(value.value, null, k.key) : o.joiner(null, value.value, k.key);
        // The unmatched record's own headers are not buffered; its timestamp is the result's.
        ctx.forward(new Record(k.key, result, k.timestamp));
      }
    };

    return {
      init(context: ProcessorContext<K, VR>) {
        ctx = context;
        otherStore = context.getStateStore(o.otherStoreName);
        if (o.outerStore !== null) {
          const { name, keySerde } = o.outerStore;
          outer = new OuterJoinBuffer(context.getStateStore(name), keySerde, `${context.applicationId}-${name}-changelog`);
        }
        o.trackers.reset(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, V1 | V2>) {
        const tracker = o.trackers.get(ctx as ProcessorContext<unknown, unknown>);
        const ts = record.timestamp;
        tracker.advance(ts);
        // Only a record that moves stream time can close windows (Kafka does the same check).
        if (outer !== null && ts === tracker.streamTime) emitClosed(outer, tracker.streamTime, tracker);

        const from = Math.max(0, ts - o.window.beforeMs);
        const to = Math.max(0, ts + o.window.afterMs);
        const partners: { timestamp: number; value: V1 | V2 }[] = [];
        if (from <= to) {
          const it = otherStore.fetchRange(record.key, from, to);
          try {
            for (const { key: timestamp, value } of it) partners.push({ timestamp, value });
          } finally {
            it.close();
          }
        }
        let cleared = -1;
        for (const p of partners) {
          // A partner that was waiting without one of its own is matched now: it must not come out with
          // null later. Partners come in timestamp order; one removal covers all of a timestamp.
          if (outer !== null && otherUnmatched && p.timestamp !== cleared) {
            outer.removeAll(p.timestamp, !o.thisIsLeft, record.key);
            cleared = p.timestamp;
          }
          ctx.forward(record.withValue(join(record.key, record.value, p.value)).withTimestamp(Math.max(ts, p.timestamp)));
        }
        if (partners.length === 0 && thisUnmatched) {
          // Legacy windows (no outer-join store) answer at once. So does a record whose window
          // has already closed: no partner that is not itself out of order can come for it.
          if (outer === null || to < tracker.streamTime) {
            ctx.forward(record.withValue(join(record.key, record.value, null)));
          } else {
            outer.add(ts, o.thisIsLeft, record.key, record.value);
            tracker.minBuffered = Math.min(tracker.minBuffered, ts);
          }
        }
      },
    } satisfies Processor<K, V1 | V2, K, VR>;
  };
}
