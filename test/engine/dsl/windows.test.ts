import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { SessionWindows, SlidingWindows, TimeWindows, WindowsError } from '../../../engine/dsl/windows.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';
import { TopologyTestDriver, type TestDriverConfig } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';
import { silentLogger } from '../../../storage/logger.js';
import { partitionForKey } from '../../../storage/broker/partitioner.js';
import type { TimestampedWindowStore, Windowed } from '../../../storage/state/stores.js';

const S = Serdes.String();
const L = Serdes.Long();
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function start(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
  driver = await TopologyTestDriver.create(topology, config);
  return driver;
}

const fmt = (w: Windowed<string> | null): string => (w === null ? 'null' : `${w.key}@${w.window.start}-${w.window.end}`);

/** A windowed count of topic `in` into `out`, keys as `key@start-end`. */
function countTopology(windows: TimeWindows, opts: { caching?: boolean; retentionMs?: number; storeName?: string; storeType?: 'rocksdb' | 'in_memory' } = {}): Topology {
  const b = new StreamsBuilder();
  b.stream<string, string>('in', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ materialized: { storeName: opts.storeName ?? 'counts', caching: opts.caching, retentionMs: opts.retentionMs, storeType: opts.storeType } })
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowedSerdeFrom(S, windows.sizeMs), valueSerde: L });
  return b.build();
}

function readOut(d: TopologyTestDriver, size: number): [string, number | null][] {
  return d
    .createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, size), L)
    .readKeyValuesToList()
    .map(([k, v]) => [fmt(k), v]);
}

describe('window specs', () => {
  it('validate sizes, advances and grace with typed errors', () => {
    const code = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (err) {
        expect(err).toBeInstanceOf(WindowsError);
        return (err as WindowsError).code;
      }
      return undefined;
    };
    expect(code(() => TimeWindows.ofSizeWithNoGrace(0))).toBe('INVALID_WINDOW_SIZE');
    expect(code(() => TimeWindows.ofSizeWithNoGrace(-5))).toBe('INVALID_WINDOW_SIZE');
    expect(code(() => TimeWindows.ofSizeWithNoGrace(1.5))).toBe('INVALID_WINDOW_SIZE');
    expect(code(() => TimeWindows.ofSizeAndGrace(10, -1))).toBe('INVALID_GRACE_PERIOD');
    expect(code(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(11))).toBe('INVALID_WINDOW_ADVANCE');
    expect(code(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(0))).toBe('INVALID_WINDOW_ADVANCE');
    expect(code(() => SessionWindows.ofInactivityGapWithNoGrace(0))).toBe('INVALID_WINDOW_SIZE');
    expect(code(() => SessionWindows.ofInactivityGapAndGrace(5, -1))).toBe('INVALID_GRACE_PERIOD');
    expect(code(() => SlidingWindows.ofTimeDifferenceWithNoGrace(-1))).toBe('INVALID_WINDOW_SIZE');
    expect(code(() => SlidingWindows.ofTimeDifferenceAndGrace(10, -1))).toBe('INVALID_GRACE_PERIOD');
    expect(code(() => TimeWindows.ofSizeWithNoGrace(10).advanceBy(10))).toBeUndefined();
  });

  it('give the windows a timestamp falls in, never starting before 0', () => {
    const hopping = TimeWindows.ofSizeWithNoGrace(10).advanceBy(5);
    expect(hopping.windowsFor(12)).toEqual([
      { start: 5, end: 15 },
      { start: 10, end: 20 },
    ]);
    expect(hopping.windowsFor(3)).toEqual([{ start: 0, end: 10 }]);
    expect(TimeWindows.ofSizeWithNoGrace(10).windowsFor(10)).toEqual([{ start: 10, end: 20 }]);
  });

  it('reject a retention shorter than size plus grace', () => {
    expect(() => countTopology(TimeWindows.ofSizeAndGrace(10, 5), { retentionMs: 14 })).toThrow(expect.objectContaining({ code: 'INVALID_WINDOW_RETENTION' }));
  });
});

describe('tumbling windows', () => {
  it('count per key and window, with out-of-order input, on 1 and 3 partitions', async () => {
    for (const partitions of [1, 3]) {
      const d = await start(countTopology(TimeWindows.ofSizeAndGrace(10, 100)), { partitions });
      const input = d.createInputTopic('in', S, S);
      input.pipeInput('a', 'x', 1);
      input.pipeInput('a', 'x', 12);
      input.pipeInput('b', 'x', 3);
      input.pipeInput('a', 'x', 7); // out of order, window [0,10) still open
      input.pipeInput('a', 'x', 10);
      const out = readOut(d, 10);
      expect(out.filter(([k]) => k.startsWith('a'))).toEqual([
        ['a@0-10', 1],
        ['a@10-20', 1],
        ['a@0-10', 2],
        ['a@10-20', 2],
      ]);
      expect(out.filter(([k]) => k.startsWith('b'))).toEqual([['b@0-10', 1]]);
      await d.close();
      driver = undefined;
    }
  });

  it('names nodes and stores as Kafka does', () => {
    const b = new StreamsBuilder();
    const grouped = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey();
    grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).count();
    grouped.windowedBy(TimeWindows.ofSizeWithNoGrace(10)).reduce((a, v) => a + v);
    const topology = b.build();
    expect([...topology.nodes.keys()]).toEqual(['KSTREAM-SOURCE-0000000000', 'KSTREAM-AGGREGATE-0000000002', 'KSTREAM-REDUCE-0000000004']);
    expect([...topology.stores.keys()]).toEqual(['KSTREAM-AGGREGATE-STATE-STORE-0000000001', 'KSTREAM-REDUCE-STATE-STORE-0000000003']);
    const store = topology.stores.get('KSTREAM-AGGREGATE-STATE-STORE-0000000001')!.builder;
    expect(store.kind).toBe('timestampedWindow');
    expect(store.logConfig).toMatchObject({ 'cleanup.policy': 'compact,delete', 'retention.ms': String(10 + 24 * 3600 * 1000) });
  });
});

describe('hopping windows', () => {
  it('update every window a record falls in', async () => {
    const d = await start(countTopology(TimeWindows.ofSizeAndGrace(10, 100).advanceBy(5)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 2);
    input.pipeInput('a', 'x', 7);
    input.pipeInput('a', 'x', 13);
    expect(readOut(d, 10)).toEqual([
      ['a@0-10', 1],
      ['a@0-10', 2],
      ['a@5-15', 1],
      ['a@5-15', 2],
      ['a@10-20', 1],
    ]);
  });
});

describe('grace', () => {
  it('accepts records within grace and drops (and counts, and logs at debug) later ones', async () => {
    const debug: [string, Record<string, unknown> | undefined][] = [];
    const logger = { ...silentLogger, debug: (message: string, fields?: Record<string, unknown>) => void debug.push([message, fields]) };
    const d = await start(countTopology(TimeWindows.ofSizeAndGrace(10, 5)), { logger });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 14); // stream time 14: [0,10) closes at 15
    input.pipeInput('a', 'x', 9); // within grace
    input.pipeInput('a', 'x', 15); // stream time 15: [0,10) is closed
    input.pipeInput('a', 'x', 8); // late: dropped
    expect(readOut(d, 10)).toEqual([
      ['a@0-10', 1],
      ['a@10-20', 1],
      ['a@0-10', 2],
      ['a@10-20', 2],
    ]);
    expect(d.metrics().droppedLate).toBe(1);
    expect(debug).toEqual([['Skipping record for expired window', expect.objectContaining({ key: 'a', timestamp: 8, window: [0, 10], expiration: 10, streamTime: 15 })]]);
  });

  it('with no grace, closes a window at its end', async () => {
    const d = await start(countTopology(TimeWindows.ofSizeWithNoGrace(10)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 10);
    input.pipeInput('a', 'x', 9);
    expect(readOut(d, 10)).toEqual([['a@10-20', 1]]);
    expect(d.metrics().droppedLate).toBe(1);
  });
});

describe('reduce and aggregate', () => {
  it('fold values per window, keeping the latest record timestamp', async () => {
    const b = new StreamsBuilder();
    const windowed = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(TimeWindows.ofSizeAndGrace(10, 50));
    const ws = WindowedSerdes.timeWindowedSerdeFrom(S, 10);
    windowed
      .reduce((a, v) => `${a}+${v}`)
      .toStream()
      .to('reduced', { keySerde: ws, valueSerde: S });
    windowed
      .aggregate(() => 0, (_k, v, agg) => agg + v.length, { materialized: { valueSerde: L } })
      .toStream()
      .to('lengths', { keySerde: ws, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 5);
    input.pipeInput('a', 'yy', 3);
    input.pipeInput('a', 'zzz', 11);
    expect(d.createOutputTopic('reduced', ws, S).readRecordsToList().map((r) => [fmt(r.key), r.value, r.timestamp])).toEqual([
      ['a@0-10', 'x', 5],
      ['a@0-10', 'x+yy', 5],
      ['a@10-20', 'zzz', 11],
    ]);
    expect(d.createOutputTopic('lengths', ws, L).readKeyValuesToList().map(([k, v]) => [fmt(k), v])).toEqual([
      ['a@0-10', 1],
      ['a@0-10', 3],
      ['a@10-20', 3],
    ]);
  });
});

describe('retention', () => {
  it.each(['rocksdb', 'in_memory'] as const)('drops windows older than the retention from the store (%s)', async (storeType) => {
    const d = await start(countTopology(TimeWindows.ofSizeWithNoGrace(10), { retentionMs: 30, storeType }));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 15);
    const store = d.getStateStore<TimestampedWindowStore<string, number>>('counts');
    expect(store.fetch('a', 0)?.value).toBe(1);
    input.pipeInput('a', 'x', 31); // stream time 31: windows starting at or before 1 are gone
    expect(store.fetch('a', 0)).toBeNull();
    expect(store.fetch('a', 10)?.value).toBe(1);
    expect([...store.all()].map((kv) => [kv.key.window.start, kv.value.value])).toEqual([
      [10, 1],
      [30, 1],
    ]);
  });
});

describe('caching', () => {
  it('collapses updates of a window into one per commit', async () => {
    const d = await start(countTopology(TimeWindows.ofSizeAndGrace(10, 100)), { cacheMaxBytes: 1 << 20 });
    const input = d.createInputTopic('in', S, S);
    for (let i = 0; i < 5; i++) input.pipeInput('a', 'x', i);
    input.pipeInput('a', 'x', 12);
    expect(readOut(d, 10)).toEqual([]);
    await d.commit();
    expect(readOut(d, 10)).toEqual([
      ['a@0-10', 5],
      ['a@10-20', 1],
    ]);
    input.pipeInput('a', 'x', 13);
    await d.commit();
    expect(readOut(d, 10)).toEqual([['a@10-20', 2]]);
  });
});

describe('windowed sinks', () => {
  it('partition a windowed key by its inner key, so every window of a key lands in one partition (as Kafka Streams)', async () => {
    const d = await start(countTopology(TimeWindows.ofSizeWithNoGrace(1000)), { partitions: { in: 1, out: 4 } });
    const input = d.createInputTopic('in', S, S);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    for (const t of [0, 5000]) for (const k of keys) input.pipeInput(k, 'x', t);
    const out = d.createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, 1000), L).readRecordsToList();
    expect(out).toHaveLength(keys.length * 2);
    for (const r of out) expect(r.partition).toBe(partitionForKey(Buffer.from(r.key!.key), 4));
    expect(new Set(out.map((r) => r.partition)).size).toBeGreaterThan(1);
  });
});
