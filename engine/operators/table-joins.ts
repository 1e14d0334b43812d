/**
 * Joins against tables: stream-table (each stream record looks up the table's current value),
 * stream-global-table (the lookup key comes from the record), and table-table (each side's
 * change is joined with the other side's current value; old values join too, so a changed join
 * result retracts the previous one downstream).
 */
import type { KeyValueStore, TimestampedKeyValueStore } from '../../storage/state/stores.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import type { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';
import { change, type Change } from '../dsl/change.js';
import type { ValueGetter, ValueGetterSupplier } from './ktable.js';

export type ValueJoiner<V1, V2, VR, K = unknown> = (left: V1, right: V2, key: K) => VR;

export type JoinMode = 'inner' | 'left' | 'outer';

function dropped(ctx: ProcessorContext<unknown, unknown>): void {
  (ctx as unknown as TaskContext).metrics.droppedNullKey++;
}

/** KStream-KTable join: the stream record with the table's value for its key (left: or null). */
export function streamTableJoinProcessor<K, V, VT, VR>(table: ValueGetterSupplier<K, VT>, joiner: ValueJoiner<V, VT | null, VR, K>, left: boolean): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let ctx: ProcessorContext<K, VR>;
    let getter: ValueGetter<K, VT>;
    return {
      init(context: ProcessorContext<K, VR>) {
        ctx = context;
        getter = table.make(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, V>) {
        if (record.value === null || record.value === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        if (record.key === null || record.key === undefined) {
          if (left) ctx.forward(record.withValue(joiner(record.value, null, record.key)));
          else dropped(ctx as ProcessorContext<unknown, unknown>);
          return;
        }
        const other = getter.get(record.key);
        if (other === null && !left) return;
        ctx.forward(record.withValue(joiner(record.value, other?.value ?? null, record.key)));
      },
    } satisfies Processor<K, V, K, VR>;
  };
}

/** KStream-GlobalKTable join: looks up `keySelector(key, value)` in the global store. */
export function streamGlobalTableJoinProcessor<K, V, GK, GV, VR>(
  storeName: string,
  keySelector: (key: K, value: V) => GK,
  joiner: ValueJoiner<V, GV | null, VR, K>,
  left: boolean,
): ProcessorSupplier<K, V, K, VR> {
  return () => {
    let ctx: ProcessorContext<K, VR>;
    let store: KeyValueStore<GK, { value: GV; timestamp: number }>;
    return {
      init(context: ProcessorContext<K, VR>) {
        ctx = context;
        store = context.getStateStore(storeName);
      },
      process(record: Record<K, V>) {
        if (record.value === null || record.value === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const lookup = keySelector(record.key, record.value);
        const other = lookup === null || lookup === undefined ? null : store.get(lookup);
        if (other === null && !left) return;
        ctx.forward(record.withValue(joiner(record.value, other?.value ?? null, record.key)));
      },
    } satisfies Processor<K, V, K, VR>;
  };
}

/** One side of a table-table join. `thisIsLeft` says which argument of the joiner this side is. */
export function tableTableJoinProcessor<K, VThis, VOther, VR>(
  other: ValueGetterSupplier<K, VOther>,
  joiner: (left: unknown, right: unknown, key: K) => VR,
  mode: JoinMode,
  thisIsLeft: boolean,
): ProcessorSupplier<K, Change<VThis>, K, Change<VR>> {
  const join = (key: K, mine: VThis | null, theirs: VOther | null): VR | null => {
    const l = thisIsLeft ? mine : theirs;
    const r = thisIsLeft ? theirs : mine;
    if (l !== null && r !== null) return joiner(l, r, key);
    if (mode === 'left' && l !== null) return joiner(l, null, key);
    if (mode === 'outer' && (l !== null || r !== null)) return joiner(l, r, key);
    return null;
  };
  return () => {
    let ctx: ProcessorContext<K, Change<VR>>;
    let getter: ValueGetter<K, VOther>;
    return {
      init(context: ProcessorContext<K, Change<VR>>) {
        ctx = context;
        getter = other.make(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, Change<VThis>>) {
        if (record.key === null || record.key === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const theirs = getter.get(record.key);
        const newValue = join(record.key, record.value.newValue, theirs?.value ?? null);
        const oldValue = join(record.key, record.value.oldValue, theirs?.value ?? null);
        if (newValue === null && oldValue === null) return;
        const timestamp = theirs === null ? record.timestamp : Math.max(record.timestamp, theirs.timestamp);
        ctx.forward(record.withValue(change(newValue, oldValue)).withTimestamp(timestamp));
      },
    } satisfies Processor<K, Change<VThis>, K, Change<VR>>;
  };
}

/** The value getter of a table-table join result: both sides' getters, joined. */
export function joinedValueGetter<K, VL, VR, VO>(left: ValueGetterSupplier<K, VL>, right: ValueGetterSupplier<K, VR>, joiner: (l: unknown, r: unknown, key: K) => VO, mode: JoinMode): ValueGetterSupplier<K, VO> {
  return {
    storeNames: [...left.storeNames, ...right.storeNames],
    make(ctx) {
      const l = left.make(ctx);
      const r = right.make(ctx);
      return {
        get(key) {
          const a = l.get(key);
          const b = r.get(key);
          let value: VO | null = null;
          if (a !== null && b !== null) value = joiner(a.value, b.value, key);
          else if (mode === 'left' && a !== null) value = joiner(a.value, null, key);
          else if (mode === 'outer' && (a !== null || b !== null)) value = joiner(a?.value ?? null, b?.value ?? null, key);
          if (value === null) return null;
          return { value, timestamp: Math.max(a?.timestamp ?? -1, b?.timestamp ?? -1) };
        },
      };
    },
  };
}

/** Puts each global-table record into its store (a global store's update processor). */
export function globalTableUpdater<K, V>(storeName: string): ProcessorSupplier<K, V, never, never> {
  return () => {
    let store: TimestampedKeyValueStore<K, V>;
    return {
      init(context: ProcessorContext<never, never>) {
        store = context.getStateStore(storeName);
      },
      process(record: Record<K, V>) {
        if (record.key === null || record.key === undefined) return;
        store.put(record.key, record.value === null ? null : { value: record.value, timestamp: record.timestamp });
      },
    };
  };
}
