/**
 * KStream-KStream windowed joins (inner, left, outer) as Kafka Streams builds them:
 *
 *   this  -> [repartition] -> KSTREAM-WINDOWED-a -> KSTREAM-JOINTHIS-c  (or OUTERTHIS) --\
 *                                                                                          KSTREAM-MERGE-e
 *   other -> [repartition] -> KSTREAM-WINDOWED-b -> KSTREAM-JOINOTHER-d (or OUTEROTHER) -/
 *
 * Each WINDOWED node keeps its side in a window store that retains duplicates
 * (`KSTREAM-JOINTHIS-c-store`, `KSTREAM-JOINOTHER-d-store`), read by the other side's JOIN node.
 * Left and outer joins add a store shared by both JOIN nodes (`KSTREAM-OUTERSHARED-c-store`)
 * where unmatched records wait for their window to close. A StreamJoined name renames the nodes
 * (`<name>-this-windowed`, `<name>-this-join`, `<name>-outer-other-join`, `<name>-merge`...);
 * a StreamJoined storeName renames the stores (`<storeName>-this-join-store`,
 * `<storeName>-left-shared-join-store`...). A side whose key may have changed goes through a
 * repartition topic first, so both sides are co-partitioned.
 */
import { persistentOptions } from './materialize.js';
import type { StoreBuilder } from '../../storage/state/store-builder.js';
import { Stores } from '../../storage/state/index.js';
import type { Serde } from '../serde/serde.js';
import { passThroughProcessor } from '../operators/stateless.js';
import { JoinTimeTrackers, joinWindowedProcessor, streamStreamJoinProcessor, type SideWindow } from '../operators/stream-stream-join.js';
import { leftOrRightSerde, outerJoinKeySerde, type OuterJoinKeySerde } from '../operators/stream-stream-join-store.js';
import type { ValueJoiner } from '../operators/table-joins.js';
import type { InternalStreamsBuilder } from './internal-builder.js';
import { JoinError, JoinWindows } from './join-windows.js';
import { KStream } from './kstream.js';
import type { StreamJoined } from './options.js';

export type StreamJoinMode = 'inner' | 'left' | 'outer';

/** The joiner of any of the three modes: nulls stand for a missing partner (left: right side; outer: either). */
export type StreamJoiner<K, V, VO, VR> = ValueJoiner<V, VO, VR, K> | ValueJoiner<V, VO | null, VR, K> | ValueJoiner<V | null, VO | null, VR, K>;

const JOINTHIS = 'KSTREAM-JOINTHIS-';
const OUTERTHIS = 'KSTREAM-OUTERTHIS-';

function joinStoreBuilder<K, V>(name: string, windows: JoinWindows, streamJoined: StreamJoined<K, unknown, unknown>, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): StoreBuilder {
  // As Kafka's join stores: retention runs from the newest record of this side, not the task's
  // stream time, so a side's records stay while they are recent for it even when the other runs ahead.
  const options = { retentionMs: windows.retentionMs, windowSizeMs: windows.sizeMs, retainDuplicates: true, retentionClock: 'store' as const };
  const supplier = streamJoined.storeType === 'in_memory' ? Stores.inMemoryWindowStore(name, options) : Stores.persistentWindowStore(name, { ...options, ...persistentOptions(streamJoined.storeType) });
  const builder = Stores.windowStoreBuilder(supplier, keySerde, valueSerde);
  return (streamJoined.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled()) as unknown as StoreBuilder;
}

/** Repartitions a side whose key may have changed; returns the node its records now come out of. */
function coPartitioned<K, V>(b: InternalStreamsBuilder, stream: KStream<K, V>, base: string, keySerde: Serde<K> | undefined, valueSerde: Serde<V> | undefined): string {
  return stream.repartitionRequired ? b.repartition(stream.nodeName, base, { keySerde, valueSerde }) : stream.nodeName;
}

export function streamStreamJoin<K, V, VO, VR>(
  left: KStream<K, V>,
  right: KStream<K, VO>,
  joiner: StreamJoiner<K, V, VO, VR>,
  windows: JoinWindows,
  streamJoined: StreamJoined<K, V, VO>,
  mode: StreamJoinMode,
): KStream<K, VR> {
  if (!(windows instanceof JoinWindows)) {
    throw new JoinError('JOIN_WINDOWS_INVALID', 'A stream-stream join needs JoinWindows: use JoinWindows.ofTimeDifferenceWithNoGrace(ms) or JoinWindows.ofTimeDifferenceAndGrace(ms, graceMs).');
  }
  const b = left.builder;
  const named = streamJoined.name;
  if (named !== undefined) b.name(named, '');
  const keySerde = streamJoined.keySerde ?? left.keySerde ?? right.keySerde;
  const valueSerde = streamJoined.valueSerde ?? left.valueSerde;
  const otherValueSerde = streamJoined.otherValueSerde ?? right.valueSerde;
  const leftOuter = mode !== 'inner';
  const rightOuter = mode === 'outer';
  if (leftOuter && (keySerde === undefined || valueSerde === undefined || otherValueSerde === undefined)) {
    // The shared store's layout wraps these serdes, and the application's default serdes cannot be
    // wrapped: nothing hands them to a wrapping serde at run time (Kafka's WrappingNullableSerde).
    const missing = [keySerde === undefined ? 'keySerde' : null, valueSerde === undefined ? 'valueSerde' : null, otherValueSerde === undefined ? 'otherValueSerde' : null].filter((m) => m !== null);
    throw new JoinError(
      'JOIN_SERDE_REQUIRED',
      `A ${mode} stream-stream join stores unmatched records of both sides until their window closes and needs their serdes, but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not known: pass ${missing.join(' and ')} in StreamJoined (or give the streams serdes where they are created).`,
    );
  }

  const thisInput = coPartitioned(b, left, named !== undefined ? `${named}-left` : left.nodeName, keySerde, valueSerde);
  // A self-join of a re-keyed stream repartitions once and joins the result with itself.
  const otherInput =
    right.nodeName === left.nodeName && named === undefined ? thisInput : coPartitioned(b, right, named !== undefined ? `${named}-right` : right.nodeName, keySerde, otherValueSerde);

  const thisWindowedName = named !== undefined ? `${named}-this-windowed` : b.newName('KSTREAM-WINDOWED-');
  const otherWindowedName = named !== undefined ? `${named}-other-windowed` : b.newName('KSTREAM-WINDOWED-');
  const joinThisGenerated = b.newName(rightOuter ? OUTERTHIS : JOINTHIS);
  const joinOtherGenerated = b.newName(leftOuter ? 'KSTREAM-OUTEROTHER-' : 'KSTREAM-JOINOTHER-');
  const thisSuffix = rightOuter ? '-outer-this-join' : '-this-join';
  const otherSuffix = leftOuter ? '-outer-other-join' : '-other-join';
  const joinThisName = named !== undefined ? `${named}${thisSuffix}` : joinThisGenerated;
  const joinOtherName = named !== undefined ? `${named}${otherSuffix}` : joinOtherGenerated;
  const mergeName = named !== undefined ? `${named}-merge` : b.newName('KSTREAM-MERGE-');

  const base = streamJoined.storeName;
  const thisStoreName = `${base === undefined ? joinThisGenerated : base + thisSuffix}-store`;
  const otherStoreName = `${base === undefined ? joinOtherGenerated : base + otherSuffix}-store`;

  let outerStore: { name: string; builder: StoreBuilder; keySerde: OuterJoinKeySerde<K> } | null = null;
  if (leftOuter && windows.spuriousResultFix) {
    const name = `${base !== undefined ? base + (rightOuter ? '-outer-shared-join' : '-left-shared-join') : `KSTREAM-OUTERSHARED-${joinThisGenerated.slice((rightOuter ? OUTERTHIS : JOINTHIS).length)}`}-store`;
    const keyLayout = outerJoinKeySerde(keySerde!);
    const supplier = streamJoined.storeType === 'in_memory' ? Stores.inMemoryKeyValueStore(name) : Stores.persistentKeyValueStore(name, persistentOptions(streamJoined.storeType));
    const builder = Stores.keyValueStoreBuilder(supplier, keyLayout, leftOrRightSerde(valueSerde!, otherValueSerde!));
    outerStore = { name, keySerde: keyLayout, builder: (streamJoined.logging === false ? builder.withLoggingDisabled() : builder.withLoggingEnabled()) as unknown as StoreBuilder };
  }

  // The right side sees the window mirrored: a right record at t joins left records in [t - after, t + before].
  const leftWindow: SideWindow = { beforeMs: windows.beforeMs, afterMs: windows.afterMs, graceMs: windows.graceMs };
  const rightWindow: SideWindow = { beforeMs: windows.afterMs, afterMs: windows.beforeMs, graceMs: windows.graceMs };
  const trackers = new JoinTimeTrackers();
  const shared = {
    outerStore: outerStore === null ? null : { name: outerStore.name, keySerde: outerStore.keySerde },
    leftLookbackMs: windows.afterMs,
    rightLookbackMs: windows.beforeMs,
    leftUnmatched: leftOuter,
    rightUnmatched: rightOuter,
    joiner: joiner as (l: V | null, r: VO | null, key: K) => VR,
    trackers,
  };

  b.addProcessor(thisWindowedName, joinWindowedProcessor<K, V>(thisStoreName, trackers), [thisInput]);
  b.addProcessor(otherWindowedName, joinWindowedProcessor<K, VO>(otherStoreName, trackers), [otherInput]);
  b.addProcessor(joinThisName, streamStreamJoinProcessor<K, V, VO, VR>({ ...shared, otherStoreName, thisIsLeft: true, window: leftWindow }), [thisWindowedName]);
  b.addProcessor(joinOtherName, streamStreamJoinProcessor<K, V, VO, VR>({ ...shared, otherStoreName: thisStoreName, thisIsLeft: false, window: rightWindow }), [otherWindowedName]);
  b.addProcessor(mergeName, passThroughProcessor<K, VR>(), [joinThisName, joinOtherName]);
  b.addStore(joinStoreBuilder(thisStoreName, windows, streamJoined, keySerde, valueSerde), thisWindowedName, joinOtherName);
  b.addStore(joinStoreBuilder(otherStoreName, windows, streamJoined, keySerde, otherValueSerde), otherWindowedName, joinThisName);
  if (outerStore !== null) b.addStore(outerStore.builder, joinThisName, joinOtherName);
  return new KStream<K, VR>(b, mergeName, keySerde, undefined, false);
}
