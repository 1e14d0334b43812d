/**
 * KTable processors: every record is a Change (new and old value of a key). Materialized tables
 * keep the current value in a timestamped key-value store; with the store's cache on, updates
 * are forwarded when the cache flushes (once per key per commit), otherwise at once.
 */
import { isDeepStrictEqual } from 'node:util';
import { DISCARD_FLUSHES, type CachedStateStore, type TimestampedKeyValueStore, type ValueAndTimestamp } from '../../storage/state/stores.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';
import { change, type Change } from '../dsl/change.js';

export type Initializer<A> = () => A;
export type Aggregator<K, V, A> = (key: K, value: V, aggregate: A) => A;

/** Reads a table's current value of a key (from its store, or an ancestor's through filters and maps). */
export interface ValueGetter<K, V> {
  get(key: K): ValueAndTimestamp<V> | null;
}

export interface ValueGetterSupplier<K, V> {
  /** The stores the getter reads; connected to whichever processor uses it. */
  readonly storeNames: string[];
  make(context: ProcessorContext<unknown, unknown>): ValueGetter<K, V>;
}

export function storeValueGetter<K, V>(storeName: string): ValueGetterSupplier<K, V> {
  return {
    storeNames: [storeName],
    make: (ctx) => {
      const store = ctx.getStateStore<TimestampedKeyValueStore<K, V>>(storeName);
      return { get: (key) => store.get(key) };
    },
  };
}

function withTimestamp<V>(value: V | null, timestamp: number): ValueAndTimestamp<V> | null {
  return value === null ? null : { value, timestamp };
}

/**
 * Forwards a table's changes: directly, or, when its store caches, from the cache's flush
 * listener (as this node), so downstream sees one update per key per commit.
 */
export class TableForwarder<K, V> {
  private readonly cached: boolean;
  private readonly nodeName: string;

  constructor(
    private readonly ctx: ProcessorContext<K, Change<V>>,
    store: TimestampedKeyValueStore<K, V> | null,
  ) {
    const task = ctx as unknown as TaskContext;
    this.nodeName = task.currentNodeName() ?? '';
    const cachedStore = store as unknown as Partial<CachedStateStore<K, ValueAndTimestamp<V>>> | null;
    // With nothing downstream a flush forwards to nobody: the cache need not decode anything for it.
    const listener = task.currentNodeHasChildren()
      ? (key: K, newValue: ValueAndTimestamp<V> | null, oldValue: ValueAndTimestamp<V> | null, timestamp: number) => {
          task.forwardFrom(this.nodeName, new Record(key, change(newValue?.value ?? null, oldValue?.value ?? null), timestamp) as Record<unknown, unknown>);
        }
      : DISCARD_FLUSHES;
    this.cached = cachedStore?.setFlushListener?.(listener, true) ?? false;
  }

  /** Whether changes go downstream at once (no cache): callers build the record only then. */
  get direct(): boolean {
    return !this.cached;
  }

  maybeForward(record: Record<K, Change<V>>): void {
    if (!this.cached) this.ctx.forward(record);
  }
}

abstract class TableProcessor<KIn, VIn, KOut, VOut> implements Processor<KIn, VIn, KOut, VOut> {
  protected ctx!: ProcessorContext<KOut, VOut>;

  init(context: ProcessorContext<KOut, VOut>): void {
    this.ctx = context;
  }

  protected dropNullKey(): void {
    (this.ctx as unknown as TaskContext).metrics.droppedNullKey++;
  }

  abstract process(record: Record<KIn, VIn>): void;
}

/**
 * A table from a topic (or KStream.toTable): each record upserts its key; a null value deletes it.
 * Records without a key cannot update a table and are dropped (counted).
 */
export function ktableSourceProcessor<K, V>(storeName: string): ProcessorSupplier<K, V, K, Change<V>> {
  return () =>
    new (class extends TableProcessor<K, V, K, Change<V>> {
      private store!: TimestampedKeyValueStore<K, V>;
      private forwarder!: TableForwarder<K, V>;

      override init(context: ProcessorContext<K, Change<V>>): void {
        super.init(context);
        this.store = context.getStateStore(storeName);
        this.forwarder = new TableForwarder(context, this.store);
      }

      process(record: Record<K, V>): void {
        if (record.key === null || record.key === undefined) return this.dropNullKey();
        const old = this.store.get(record.key);
        this.store.put(record.key, withTimestamp(record.value, record.timestamp));
        if (this.forwarder.direct) this.ctx.forward(record.withValue(change(record.value, old?.value ?? null)));
      }
    })();
}

/** filter / filterNot on a table: a row that stops matching is retracted (a delete downstream). */
export function ktableFilterProcessor<K, V>(predicate: (key: K, value: V) => boolean, not: boolean, storeName: string | null): ProcessorSupplier<K, Change<V>, K, Change<V>> {
  const keep = (key: K, value: V | null): V | null => (value !== null && predicate(key, value) !== not ? value : null);
  return () => mappingTableProcessor<K, V, V>((key, value) => keep(key, value), storeName, true);
}

/** mapValues on a table: both the new and the old value are mapped; a delete passes on even for a key without a row (as Kafka's). */
export function ktableMapValuesProcessor<K, V, VR>(mapper: (value: V, key: K) => VR, storeName: string | null): ProcessorSupplier<K, Change<V>, K, Change<VR>> {
  return () => mappingTableProcessor<K, V, VR>((key, value) => (value === null ? null : mapper(value, key)), storeName, false);
}

function mappingTableProcessor<K, V, VR>(apply: (key: K, value: V | null) => VR | null, storeName: string | null, dropEmpty: boolean): Processor<K, Change<V>, K, Change<VR>> {
  return new (class extends TableProcessor<K, Change<V>, K, Change<VR>> {
    private store: TimestampedKeyValueStore<K, VR> | null = null;
    private forwarder!: TableForwarder<K, VR>;

    override init(context: ProcessorContext<K, Change<VR>>): void {
      super.init(context);
      if (storeName !== null) this.store = context.getStateStore<TimestampedKeyValueStore<K, VR>>(storeName);
      this.forwarder = new TableForwarder(context, this.store);
    }

    process(record: Record<K, Change<V>>): void {
      const newValue = apply(record.key, record.value.newValue);
      let oldValue = apply(record.key, record.value.oldValue);
      if (this.store !== null) {
        oldValue = this.store.get(record.key)?.value ?? null;
        if (dropEmpty && newValue === null && oldValue === null) return;
        this.store.put(record.key, withTimestamp(newValue, record.timestamp));
        if (this.forwarder.direct) this.ctx.forward(record.withValue(change(newValue, oldValue)));
        return;
      }
      if (dropEmpty && newValue === null && oldValue === null) return;
      this.ctx.forward(record.withValue(change(newValue, oldValue)));
    }
  })();
}

/** A table's changes as a stream of its new values (deletes become null values). */
export function ktableToStreamProcessor<K, V>(): ProcessorSupplier<K, Change<V>, K, V | null> {
  return () =>
    new (class extends TableProcessor<K, Change<V>, K, V | null> {
      process(record: Record<K, Change<V>>): void {
        this.ctx.forward(record.withValue(record.value.newValue));
      }
    })();
}

/**
 * KTable.groupBy: re-keys each change. The old value leaves its old group (sent first, as a
 * change without new value) and the new value joins its new group.
 */
export function ktableSelectProcessor<K, V, KR, VR>(selector: (key: K, value: V) => { key: KR; value: VR }): ProcessorSupplier<K, Change<V>, KR, Change<VR>> {
  return () =>
    new (class extends TableProcessor<K, Change<V>, KR, Change<VR>> {
      process(record: Record<K, Change<V>>): void {
        const { newValue, oldValue } = record.value;
        if (oldValue !== null && newValue !== null) {
          // The same group before and after (KIP-904): one update, so the aggregate emits once.
          const o = selector(record.key, oldValue);
          const n = selector(record.key, newValue);
          if (isDeepStrictEqual(o.key, n.key)) {
            this.ctx.forward(record.withKey(n.key).withValue(change<VR>(n.value, o.value)));
            return;
          }
          this.ctx.forward(record.withKey(o.key).withValue(change<VR>(null, o.value)));
          this.ctx.forward(record.withKey(n.key).withValue(change<VR>(n.value, null)));
          return;
        }
        if (oldValue !== null) {
          const o = selector(record.key, oldValue);
          this.ctx.forward(record.withKey(o.key).withValue(change<VR>(null, o.value)));
        }
        if (newValue !== null) {
          const n = selector(record.key, newValue);
          this.ctx.forward(record.withKey(n.key).withValue(change<VR>(n.value, null)));
        }
      }
    })();
}

/**
 * KGroupedStream.aggregate (count and reduce too): folds each record into its key's aggregate.
 * Records with a null key or value are dropped (counted), as in Kafka Streams.
 */
export function kstreamAggregateProcessor<K, V, A>(storeName: string, initializer: Initializer<A>, aggregator: Aggregator<K, V, A>): ProcessorSupplier<K, V, K, Change<A>> {
  return () =>
    new (class extends TableProcessor<K, V, K, Change<A>> {
      private store!: TimestampedKeyValueStore<K, A>;
      private forwarder!: TableForwarder<K, A>;

      override init(context: ProcessorContext<K, Change<A>>): void {
        super.init(context);
        this.store = context.getStateStore(storeName);
        this.forwarder = new TableForwarder(context, this.store);
      }

      process(record: Record<K, V>): void {
        if (record.key === null || record.key === undefined || record.value === null || record.value === undefined) return this.dropNullKey();
        const old = this.store.get(record.key);
        const aggregate = aggregator(record.key, record.value, old === null ? initializer() : old.value);
        const timestamp = old === null ? record.timestamp : Math.max(old.timestamp, record.timestamp);
        this.store.put(record.key, { value: aggregate, timestamp });
        if (this.forwarder.direct) this.ctx.forward(new Record(record.key, change(aggregate, old?.value ?? null), timestamp, record.headers));
      }
    })();
}

/** reduce: the first value of a key is its aggregate; later ones are folded in with the reducer. */
export function kstreamReduceProcessor<K, V>(storeName: string, reducer: (aggregate: V, value: V) => V): ProcessorSupplier<K, V, K, Change<V>> {
  const NONE = Symbol('none');
  return kstreamAggregateProcessor<K, V, V>(storeName, () => NONE as unknown as V, (_k, v, agg) => ((agg as unknown) === NONE ? v : reducer(agg, v)));
}

/**
 * KGroupedTable.aggregate: subtracts what a key's old value contributed to its group, adds the
 * new value's contribution.
 */
export function ktableAggregateProcessor<K, V, A>(storeName: string, initializer: Initializer<A>, adder: Aggregator<K, V, A>, subtractor: Aggregator<K, V, A>): ProcessorSupplier<K, Change<V>, K, Change<A>> {
  return () =>
    new (class extends TableProcessor<K, Change<V>, K, Change<A>> {
      private store!: TimestampedKeyValueStore<K, A>;
      private forwarder!: TableForwarder<K, A>;

      override init(context: ProcessorContext<K, Change<A>>): void {
        super.init(context);
        this.store = context.getStateStore(storeName);
        this.forwarder = new TableForwarder(context, this.store);
      }

      process(record: Record<K, Change<V>>): void {
        if (record.key === null || record.key === undefined) return this.dropNullKey();
        const old = this.store.get(record.key);
        let aggregate = old === null ? initializer() : old.value;
        if (record.value.oldValue !== null) aggregate = subtractor(record.key, record.value.oldValue, aggregate);
        if (record.value.newValue !== null) aggregate = adder(record.key, record.value.newValue, aggregate);
        const timestamp = old === null ? record.timestamp : Math.max(old.timestamp, record.timestamp);
        this.store.put(record.key, { value: aggregate, timestamp });
        if (this.forwarder.direct) this.ctx.forward(new Record(record.key, change(aggregate, old?.value ?? null), timestamp, record.headers));
      }
    })();
}
