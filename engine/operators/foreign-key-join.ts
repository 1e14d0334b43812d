/**
 * Foreign-key join processors (KIP-213), one per step of the subscription/response round trip:
 *
 *   left table --SUBSCRIPTION-REGISTRATION--> subscription topic (keyed by foreign key)
 *     --> RECEIVE (subscription store: who subscribed to which foreign key)
 *     --> JOIN-FOREIGN (looks up the right row)             --\
 *   right table --> FOREIGN-JOIN-SUBSCRIPTION (prefix scan) ---> response topic (keyed by left key,
 *                                                               to the left row's partition)
 *     --> RESPONSE-RESOLVER (drops responses about a left value that has changed since; joins)
 *     --> OUTPUT (the result table)
 *
 * Each subscription carries a hash of the left value that sent it, and each response repeats
 * it: the resolver joins only when the left row still has that value, so a response to an old
 * value (its foreign key changed while the response was on its way) can never produce a result.
 */
import type { TimestampedKeyValueStore, ValueAndTimestamp } from '../../storage/state/stores.js';
import type { Processor, ProcessorContext, ProcessorSupplier } from '../processor/processor.js';
import { Record } from '../processor/record.js';
import type { TaskContext } from '../runtime/stream-task.js';
import type { Serde } from '../serde/serde.js';
import { change, type Change } from '../dsl/change.js';
import { combinedKey, combinedKeyPrefix, Instruction, sameHash, valueHash, type JoinedRows, type Subscription, type SubscriptionResponse } from './foreign-key-join-serdes.js';
import { TableForwarder, type ValueGetter, type ValueGetterSupplier } from './ktable.js';

function taskOf(ctx: ProcessorContext<unknown, unknown>): TaskContext {
  return ctx as unknown as TaskContext;
}

function dropped(ctx: ProcessorContext<unknown, unknown>): void {
  taskOf(ctx).metrics.droppedNullKey++;
}

function serialize<T>(serde: Serde<T>, topic: string, data: T, what: string): Buffer {
  const bytes = serde.serialize(topic, data);
  if (bytes === null) throw new TypeError(`The ${what} serde of a foreign-key join returned null for a non-null ${what}.`);
  return bytes;
}

export interface SubscriptionSendOptions<V, KO> {
  foreignKeyExtractor: (value: V) => KO;
  foreignKeySerde: Serde<KO>;
  leftValueSerde: Serde<V>;
  /** The subscription topic: the topic serdes are called with. */
  topic: string;
  leftJoin: boolean;
}

/** Turns each left-table change into subscriptions (Kafka's SubscriptionSendProcessorSupplier). */
export function subscriptionSendProcessor<K, V, KO>(o: SubscriptionSendOptions<V, KO>): ProcessorSupplier<K, Change<V>, KO | null, Subscription<K>> {
  return () => {
    let ctx: ProcessorContext<KO | null, Subscription<K>>;
    const foreignKeyOf = (value: V | null): KO | null => {
      if (value === null) return null;
      const fk = o.foreignKeyExtractor(value);
      return fk === undefined ? null : fk;
    };
    // Foreign keys compare by their bytes: what decides the partition and the subscription store key.
    const sameForeignKey = (a: KO | null, b: KO | null): boolean =>
      a === null || b === null ? a === b : serialize(o.foreignKeySerde, o.topic, a, 'foreign key').equals(serialize(o.foreignKeySerde, o.topic, b, 'foreign key'));

    return {
      init(context: ProcessorContext<KO | null, Subscription<K>>) {
        ctx = context;
      },
      process(record: Record<K, Change<V>>) {
        if (record.key === null || record.key === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const { newValue, oldValue } = record.value;
        if (newValue === null && oldValue === null) return;
        const hash = newValue === null ? null : valueHash(serialize(o.leftValueSerde, o.topic, newValue, 'left value'));
        const send = (foreignKey: KO | null, instruction: Instruction): void =>
          ctx.forward(record.withKey(foreignKey).withValue({ hash, instruction, leftKey: record.key, leftPartition: taskOf(ctx as ProcessorContext<unknown, unknown>).partition }));
        const oldKey = foreignKeyOf(oldValue);
        const newKey = foreignKeyOf(newValue);
        const moved = oldKey !== null && !sameForeignKey(oldKey, newKey);

        if (o.leftJoin) {
          // The new subscription goes to another partition than the old one: unsubscribe there.
          if (moved) send(oldKey, Instruction.DELETE_KEY_NO_PROPAGATE);
          // Always ask for an answer, even for a delete or a null foreign key (a round trip with no
          // subscription behind it): a left join has a result (or a tombstone) for every change.
          send(newKey, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
          return;
        }
        if (newValue === null) {
          if (oldKey !== null) send(oldKey, Instruction.DELETE_KEY_AND_PROPAGATE);
          return;
        }
        if (newKey === null) {
          // An inner join has nothing to join a row without foreign key to: drop it, clear any old result.
          dropped(ctx as ProcessorContext<unknown, unknown>);
          if (oldKey !== null) send(oldKey, Instruction.DELETE_KEY_AND_PROPAGATE);
          return;
        }
        if (moved) {
          send(oldKey, Instruction.DELETE_KEY_NO_PROPAGATE);
          // The old result (if any) must go even when the new foreign row is missing.
          send(newKey, Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE);
          return;
        }
        // Insert, or update with the same foreign key: a missing foreign row means there was no result before either.
        send(newKey, Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE);
      },
    } satisfies Processor<K, Change<V>, KO | null, Subscription<K>>;
  };
}

/** A subscription after the subscription store took it in (what JOIN-FOREIGN answers). */
export interface ReceivedSubscription<K, KO> {
  foreignKey: KO | null;
  subscription: Subscription<K>;
}

export interface SubscriptionStoreOptions<K, KO> {
  storeName: string;
  foreignKeySerde: Serde<KO>;
  leftKeySerde: Serde<K>;
  topic: string;
}

/** Keeps the subscription store up to date (Kafka's SubscriptionReceiveProcessorSupplier). */
export function subscriptionReceiveProcessor<K, KO>(o: SubscriptionStoreOptions<K, KO>): ProcessorSupplier<KO | null, Subscription<K>, K, ReceivedSubscription<K, KO>> {
  return () => {
    let ctx: ProcessorContext<K, ReceivedSubscription<K, KO>>;
    let store: TimestampedKeyValueStore<Buffer, Subscription<K>>;
    return {
      init(context: ProcessorContext<K, ReceivedSubscription<K, KO>>) {
        ctx = context;
        store = context.getStateStore(o.storeName);
      },
      process(record: Record<KO | null, Subscription<K>>) {
        const sub = record.value;
        if (sub === null || sub === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const foreignKey = record.key === undefined ? null : record.key;
        if (foreignKey === null) {
          // Only a left join's "answer me anyway" travels without foreign key; nothing to store.
          if (sub.instruction !== Instruction.PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE) return dropped(ctx as ProcessorContext<unknown, unknown>);
        } else {
          const key = combinedKey(serialize(o.foreignKeySerde, o.topic, foreignKey, 'foreign key'), serialize(o.leftKeySerde, o.topic, sub.leftKey, 'left key'));
          if (sub.instruction === Instruction.DELETE_KEY_AND_PROPAGATE || sub.instruction === Instruction.DELETE_KEY_NO_PROPAGATE) store.delete(key);
          else store.put(key, { value: sub, timestamp: record.timestamp });
        }
        if (sub.instruction === Instruction.DELETE_KEY_NO_PROPAGATE) return;
        ctx.forward(new Record(sub.leftKey, { foreignKey, subscription: sub }, record.timestamp, record.headers));
      },
    } satisfies Processor<KO | null, Subscription<K>, K, ReceivedSubscription<K, KO>>;
  };
}

/** Answers a subscription with the foreign row's current value (Kafka's SubscriptionJoinProcessorSupplier). */
export function subscriptionJoinForeignProcessor<K, KO, VO>(foreign: ValueGetterSupplier<KO, VO>): ProcessorSupplier<K, ReceivedSubscription<K, KO>, K, SubscriptionResponse<VO>> {
  return () => {
    let ctx: ProcessorContext<K, SubscriptionResponse<VO>>;
    let getter: ValueGetter<KO, VO>;
    return {
      init(context: ProcessorContext<K, SubscriptionResponse<VO>>) {
        ctx = context;
        getter = foreign.make(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, ReceivedSubscription<K, KO>>) {
        const { foreignKey, subscription: sub } = record.value;
        const row: ValueAndTimestamp<VO> | null = foreignKey === null ? null : getter.get(foreignKey);
        if (row === null && sub.instruction === Instruction.PROPAGATE_ONLY_IF_FK_VAL_AVAILABLE) return;
        const foreignValue = row === null || sub.instruction === Instruction.DELETE_KEY_AND_PROPAGATE ? null : row.value;
        const timestamp = row === null ? record.timestamp : Math.max(record.timestamp, row.timestamp);
        ctx.forward(record.withValue({ hash: sub.hash, foreignValue, leftPartition: sub.leftPartition }).withTimestamp(timestamp));
      },
    } satisfies Processor<K, ReceivedSubscription<K, KO>, K, SubscriptionResponse<VO>>;
  };
}

/** Sends a right-table change to every left row subscribed to its key (Kafka's ForeignTableJoinProcessorSupplier). */
export function foreignTableJoinProcessor<K, KO, VO>(o: Omit<SubscriptionStoreOptions<K, KO>, 'leftKeySerde'>): ProcessorSupplier<KO, Change<VO>, K, SubscriptionResponse<VO>> {
  return () => {
    let ctx: ProcessorContext<K, SubscriptionResponse<VO>>;
    let store: TimestampedKeyValueStore<Buffer, Subscription<K>>;
    return {
      init(context: ProcessorContext<K, SubscriptionResponse<VO>>) {
        ctx = context;
        store = context.getStateStore(o.storeName);
      },
      process(record: Record<KO, Change<VO>>) {
        if (record.key === null || record.key === undefined) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const { newValue, oldValue } = record.value;
        if (newValue === null && oldValue === null) return;
        const subscribers: Subscription<K>[] = [];
        const it = store.prefixScan(combinedKeyPrefix(serialize(o.foreignKeySerde, o.topic, record.key, 'foreign key')), (p) => p);
        try {
          for (const entry of it) subscribers.push(entry.value.value);
        } finally {
          it.close();
        }
        for (const sub of subscribers) {
          ctx.forward(new Record(sub.leftKey, { hash: sub.hash, foreignValue: newValue, leftPartition: sub.leftPartition }, record.timestamp, record.headers));
        }
      },
    } satisfies Processor<KO, Change<VO>, K, SubscriptionResponse<VO>>;
  };
}

export interface ResponseResolverOptions<K, V> {
  left: ValueGetterSupplier<K, V>;
  leftValueSerde: Serde<V>;
  topic: string;
  leftJoin: boolean;
}

/**
 * Keeps a response only if the left row still has the value the subscription was sent for, and
 * forwards the rows to join (null: the result must go).
 */
export function responseResolverProcessor<K, V, VO>(o: ResponseResolverOptions<K, V>): ProcessorSupplier<K, SubscriptionResponse<VO>, K, JoinedRows<V, VO> | null> {
  return () => {
    let ctx: ProcessorContext<K, JoinedRows<V, VO> | null>;
    let getter: ValueGetter<K, V>;
    return {
      init(context: ProcessorContext<K, JoinedRows<V, VO> | null>) {
        ctx = context;
        getter = o.left.make(context as ProcessorContext<unknown, unknown>);
      },
      process(record: Record<K, SubscriptionResponse<VO>>) {
        if (record.key === null || record.key === undefined || record.value === null) return dropped(ctx as ProcessorContext<unknown, unknown>);
        const current = getter.get(record.key);
        const currentHash = current === null ? null : valueHash(serialize(o.leftValueSerde, o.topic, current.value, 'left value'));
        // Stale: the left row changed (or went) after this subscription was sent; its own response is on the way.
        if (!sameHash(record.value.hash, currentHash)) return;
        const right = record.value.foreignValue;
        const rows = current === null || (right === null && !o.leftJoin) ? null : { left: current.value, right };
        ctx.forward(record.withValue(rows));
      },
    } satisfies Processor<K, SubscriptionResponse<VO>, K, JoinedRows<V, VO> | null>;
  };
}

/** Where the result table keeps its rows: the results themselves (materialized), or the rows they were joined from. */
export type ResultStore = { kind: 'results'; name: string } | { kind: 'joined-rows'; name: string };

/**
 * The join result as a table (Kafka's KTableSource after the resolver): upserts, and deletes on
 * a null result, forwarded even for a key without a row (as Kafka does: a left delete always
 * yields a tombstone). Old values come from the store: downstream filters and aggregations need
 * them to retract.
 */
export function foreignKeyJoinResultProcessor<K, V, VO, VR>(store: ResultStore, joiner: (left: V, right: VO | null, key: K) => VR): ProcessorSupplier<K, JoinedRows<V, VO> | null, K, Change<VR>> {
  return () => {
    let results: TimestampedKeyValueStore<K, VR> | null = null;
    let rows: TimestampedKeyValueStore<K, JoinedRows<V, VO>> | null = null;
    let forwarder: TableForwarder<K, VR>;
    return {
      init(context: ProcessorContext<K, Change<VR>>) {
        if (store.kind === 'results') results = context.getStateStore<TimestampedKeyValueStore<K, VR>>(store.name);
        else rows = context.getStateStore<TimestampedKeyValueStore<K, JoinedRows<V, VO>>>(store.name);
        // A store of joined rows is not cached (its flush would forward rows, not results).
        forwarder = new TableForwarder(context, results);
      },
      process(record: Record<K, JoinedRows<V, VO> | null>) {
        const key = record.key;
        const joined = record.value;
        const result = joined === null ? null : joiner(joined.left, joined.right, key);
        let old: VR | null;
        if (results !== null) {
          old = results.get(key)?.value ?? null;
          results.put(key, result === null ? null : { value: result, timestamp: record.timestamp });
        } else {
          const before = rows!.get(key);
          old = before === null ? null : joiner(before.value.left, before.value.right, key);
          rows!.put(key, joined === null ? null : { value: joined, timestamp: record.timestamp });
        }
        forwarder.maybeForward(record.withValue(change(result, old)));
      },
    } satisfies Processor<K, JoinedRows<V, VO> | null, K, Change<VR>>;
  };
}

/** Reads a result of an unmaterialized join: the joined rows, through the joiner. */
export function joinedRowsValueGetter<K, V, VO, VR>(storeName: string, joiner: (left: V, right: VO | null, key: K) => VR): ValueGetterSupplier<K, VR> {
  return {
    storeNames: [storeName],
    make(ctx) {
      const store = ctx.getStateStore<TimestampedKeyValueStore<K, JoinedRows<V, VO>>>(storeName);
      return {
        get(key) {
          const row = store.get(key);
          return row === null ? null : { value: joiner(row.value.left, row.value.right, key), timestamp: row.timestamp };
        },
      };
    },
  };
}
