/**
 * KTable-KTable foreign-key joins (KIP-213) as Kafka Streams builds them. Unnamed, the nodes are
 *
 *   left table -> KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-b -> KSTREAM-SINK-c
 *                 => KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-a-topic =>
 *   KSTREAM-SOURCE-d -> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-f (receive; KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-e)
 *                    -> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-g (join-foreign) -> KSTREAM-SINK-j
 *   right table -> KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-h (foreign-join-subscription) -> KSTREAM-SINK-j
 *                 => KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-i-topic =>
 *   KSTREAM-SOURCE-k -> KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-l -> KTABLE-FK-JOIN-OUTPUT-m
 *
 * and with a name `n`: `n-subscription-registration-topic`, `n-subscription-registration-processor`,
 * `-sink`, `-source`, `n-subscription-store`, `n-subscription-receive`, `n-subscription-join-foreign`,
 * `n-foreign-join-subscription`, `n-subscription-response-topic` (`-sink`, `-source`),
 * `n-subscription-response-resolver`, `n-result`.
 *
 * The two tables need not be co-partitioned: subscriptions travel to the right table's partition
 * of the foreign key, responses back to the partition the left row lives on. The result table
 * always has a store, KTABLE-FK-JOIN-OUTPUT-STATE-STORE-x unless Materialized names it: only a
 * store can give downstream operators old values and lookups. Materialized, it holds the results
 * (queryable); otherwise the rows each result was joined from, so no result serde is needed.
 */
import { Stores } from '../../storage/state/index.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Serdes } from '../serde/serdes.js';
import type { Serde } from '../serde/serde.js';
import {
  foreignKeyJoinResultProcessor,
  foreignTableJoinProcessor,
  joinedRowsValueGetter,
  responseResolverProcessor,
  subscriptionJoinForeignProcessor,
  subscriptionReceiveProcessor,
  subscriptionSendProcessor,
} from '../operators/foreign-key-join.js';
import { joinedRowsSerde, responseSerde, subscriptionSerde, type SubscriptionResponse } from '../operators/foreign-key-join-serdes.js';
import { storeValueGetter } from '../operators/ktable.js';
import type { ValueJoiner } from '../operators/table-joins.js';
import { REPARTITION_TOPIC_CONFIG } from './internal-builder.js';
import { JoinError } from './join-windows.js';
import { KTable } from './ktable.js';
import { keyValueStore } from './materialize.js';
import type { Materialized, Named } from './options.js';

const RESULT_STORE_PREFIX = 'KTABLE-FK-JOIN-OUTPUT-STATE-STORE-';

export type ForeignKeyJoiner<K, V, VO, VR> = ValueJoiner<V, VO, VR, K> | ValueJoiner<V, VO | null, VR, K>;

export interface ForeignKeyJoinOptions<K, VR> extends Named {
  /** Keeps the results in a store of their own (queryable, named by storeName). */
  materialized?: Materialized<K, VR>;
}

/** The serdes the join's internal formats need, or a JoinError naming the missing ones. */
function requireSerdes<K, V, KO, VO>(left: KTable<K, V>, right: KTable<KO, VO>): { leftKey: Serde<K>; leftValue: Serde<V>; foreignKey: Serde<KO>; foreignValue: Serde<VO> } {
  const missing = [
    left.keySerde === undefined ? "the left table's key serde (sent with each subscription)" : null,
    left.valueSerde === undefined ? "the left table's value serde (its values are hashed to recognise stale responses)" : null,
    right.keySerde === undefined ? "the right table's key serde (the foreign key in the subscription store)" : null,
    right.valueSerde === undefined ? "the right table's value serde (sent with each response)" : null,
  ].filter((m) => m !== null);
  if (missing.length > 0) {
    throw new JoinError(
      'JOIN_SERDE_REQUIRED',
      `A foreign-key join needs ${missing.join(', ')}. Give the tables serdes where they are created (Consumed, or Materialized on table operations such as mapValues).`,
    );
  }
  return { leftKey: left.keySerde!, leftValue: left.valueSerde!, foreignKey: right.keySerde!, foreignValue: right.valueSerde! };
}

export function foreignKeyJoin<K, V, KO, VO, VR>(
  left: KTable<K, V>,
  right: KTable<KO, VO>,
  foreignKeyExtractor: (value: V) => KO,
  joiner: ForeignKeyJoiner<K, V, VO, VR>,
  options: ForeignKeyJoinOptions<K, VR>,
  leftJoin: boolean,
): KTable<K, VR> {
  const serdes = requireSerdes(left, right);
  const b = left.builder;
  const named = options.name;
  if (named !== undefined) b.name(named, '');
  const nameOf = (suffix: string, prefix: string): string => (named !== undefined ? `${named}${suffix}` : b.newName(prefix));

  const subscriptionTopic = `${nameOf('-subscription-registration', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-')}-topic`;
  const sendName = nameOf('-subscription-registration-processor', 'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-');
  const subscriptionSinkName = nameOf('-subscription-registration-sink', 'KSTREAM-SINK-');
  const subscriptionSourceName = nameOf('-subscription-registration-source', 'KSTREAM-SOURCE-');
  const storeName = nameOf('-subscription-store', 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-');
  const receiveName = nameOf('-subscription-receive', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  const joinForeignName = nameOf('-subscription-join-foreign', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  const foreignTableJoinName = nameOf('-foreign-join-subscription', 'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-');
  const responseTopic = `${nameOf('-subscription-response', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-')}-topic`;
  const responseSinkName = nameOf('-subscription-response-sink', 'KSTREAM-SINK-');
  const responseSourceName = nameOf('-subscription-response-source', 'KSTREAM-SOURCE-');
  const resolverName = nameOf('-subscription-response-resolver', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-');
  const resultName = nameOf('-result', 'KTABLE-FK-JOIN-OUTPUT-');

  const topology = b.topology;
  const subscriptionValues = subscriptionSerde(serdes.leftKey);
  const responseValues = responseSerde(serdes.foreignValue);

  // Left side: subscribe (and unsubscribe) as left rows change.
  b.addProcessor(
    sendName,
    subscriptionSendProcessor<K, V, KO>({ foreignKeyExtractor, foreignKeySerde: serdes.foreignKey, leftValueSerde: serdes.leftValue, topic: subscriptionTopic, leftJoin }),
    [left.nodeName],
  );
  topology.addInternalTopic({ name: subscriptionTopic, kind: 'repartition', configs: { ...REPARTITION_TOPIC_CONFIG } });
  // Default partitioning of the foreign key's bytes: where the right table's row of that key is.
  topology.addSink(subscriptionSinkName, subscriptionTopic, { keySerde: serdes.foreignKey, valueSerde: subscriptionValues }, sendName);
  topology.addSource(subscriptionSourceName, [subscriptionTopic], { keySerde: serdes.foreignKey, valueSerde: subscriptionValues });

  // Right side: remember subscriptions, answer them, and answer again when the right row changes.
  const storeOptions = { storeName, foreignKeySerde: serdes.foreignKey, leftKeySerde: serdes.leftKey, topic: subscriptionTopic };
  b.addProcessor(receiveName, subscriptionReceiveProcessor<K, KO>(storeOptions), [subscriptionSourceName]);
  b.addProcessor(joinForeignName, subscriptionJoinForeignProcessor<K, KO, VO>(right.valueGetter), [receiveName], right.valueGetter.storeNames);
  b.addProcessor(foreignTableJoinName, foreignTableJoinProcessor<K, KO, VO>(storeOptions), [right.nodeName]);
  const subscriptionStore = Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(storeName), Serdes.Bytes(), subscriptionValues);
  b.addStore(subscriptionStore as unknown as StoreBuilder, receiveName, foreignTableJoinName);

  topology.addInternalTopic({ name: responseTopic, kind: 'repartition', configs: { ...REPARTITION_TOPIC_CONFIG } });
  topology.addSink(
    responseSinkName,
    responseTopic,
    { keySerde: serdes.leftKey, valueSerde: responseValues, partitioner: (_topic: string, _key: K, value: SubscriptionResponse<VO>) => value.leftPartition },
    joinForeignName,
    foreignTableJoinName,
  );
  topology.addSource(responseSourceName, [responseTopic], { keySerde: serdes.leftKey, valueSerde: responseValues });

  // Left side again: keep current answers only, join, and hold the result as a table.
  const join = joiner as (l: V, r: VO | null, key: K) => VR;
  b.addProcessor(resolverName, responseResolverProcessor<K, V, VO>({ left: left.valueGetter, leftValueSerde: serdes.leftValue, topic: subscriptionTopic, leftJoin }), [responseSourceName], left.valueGetter.storeNames);
  const materialized = options.materialized;
  const keySerde = materialized?.keySerde ?? serdes.leftKey;
  if (materialized !== undefined) {
    const store = keyValueStore<K, VR>(b, materialized, RESULT_STORE_PREFIX, keySerde, materialized.valueSerde);
    b.addProcessor(resultName, foreignKeyJoinResultProcessor<K, V, VO, VR>({ kind: 'results', name: store.name }, join), [resolverName]);
    b.addStore(store.builder, resultName);
    return new KTable<K, VR>(b, resultName, keySerde, materialized.valueSerde, storeValueGetter(store.name), store.name);
  }
  // Not materialized: keep the rows each result was joined from (their serdes are known, the
  // result's may not be) so old values and lookups can be recomputed with the joiner.
  const rowsName = b.newName(RESULT_STORE_PREFIX);
  const rows = Stores.timestampedKeyValueStoreBuilder(Stores.persistentTimestampedKeyValueStore(rowsName), keySerde, joinedRowsSerde(serdes.leftValue, serdes.foreignValue));
  b.addProcessor(resultName, foreignKeyJoinResultProcessor<K, V, VO, VR>({ kind: 'joined-rows', name: rowsName }, join), [resolverName]);
  b.addStore(rows as unknown as StoreBuilder, resultName);
  return new KTable<K, VR>(b, resultName, keySerde, undefined, joinedRowsValueGetter<K, V, VO, VR>(rowsName, join), null);
}
