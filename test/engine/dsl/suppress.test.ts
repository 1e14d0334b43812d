import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { BufferConfig, SuppressError, Suppressed } from '../../../engine/dsl/suppress.js';
import { SessionWindows, TimeWindows } from '../../../engine/dsl/windows.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';
import { TopologyTestDriver, type TestDriverConfig } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';

const S = Serdes.String();
const L = Serdes.Long();
const TW = WindowedSerdes.timeWindowedSerdeFrom(S, 10);
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function start(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
  driver = await TopologyTestDriver.create(topology, config);
  return driver;
}

/** Final counts per 10 ms window (grace 5) of `in` into `out`. */
function finalCounts(name?: string): Topology {
  const b = new StreamsBuilder();
  const suppressed = Suppressed.untilWindowCloses(BufferConfig.unbounded());
  b.stream<string, string>('in', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(TimeWindows.ofSizeAndGrace(10, 5))
    .count()
    .suppress(name === undefined ? suppressed : suppressed.withName(name))
    .toStream()
    .to('out', { keySerde: TW, valueSerde: L });
  return b.build();
}

function readWindowed(d: TopologyTestDriver): [string, number | null, number][] {
  return d
    .createOutputTopic('out', TW, L)
    .readRecordsToList()
    .map((r) => [`${r.key!.key}@${r.key!.window.start}`, r.value, r.timestamp]);
}

describe('Suppressed.untilWindowCloses', () => {
  it('emits one final result per window once stream time passes its end plus grace', async () => {
    const d = await start(finalCounts());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 3);
    input.pipeInput('b', 'x', 4);
    input.pipeInput('a', 'x', 12);
    input.pipeInput('a', 'x', 9); // within grace: still counted into [0,10)
    input.pipeInput('a', 'x', 14);
    expect(readWindowed(d)).toEqual([]);
    input.pipeInput('a', 'x', 15); // [0,10) closes
    expect(readWindowed(d)).toEqual([
      ['a@0', 3, 9],
      ['b@0', 1, 4],
    ]);
    input.pipeInput('a', 'x', 24);
    expect(readWindowed(d)).toEqual([]);
    input.pipeInput('c', 'x', 25); // [10,20) closes
    expect(readWindowed(d)).toEqual([['a@10', 3, 15]]);
    expect(d.metrics().droppedLate).toBe(0);
  });

  it('gives the same final results on 3 partitions and with caching on', async () => {
    for (const config of [{ partitions: 3 }, { cacheMaxBytes: 1 << 20 }, { partitions: 2, cacheMaxBytes: 1 << 20 }]) {
      const d = await start(finalCounts(), config);
      const input = d.createInputTopic('in', S, S);
      const keys = ['a', 'b', 'c', 'd'];
      for (let t = 0; t < 30; t++) input.pipeInput(keys[t % 4]!, 'x', t);
      await d.commit();
      // Move every key's partition past the windows' close.
      for (const k of keys) input.pipeInput(k, 'x', 100);
      await d.commit();
      const out = readWindowed(d);
      const expected: [string, number][] = [];
      for (const start of [0, 10, 20]) for (const k of keys) expected.push([`${k}@${start}`, [...Array(10).keys()].filter((i) => (start + i) % 4 === keys.indexOf(k)).length]);
      expect(out.map(([k, v]) => [k, v]).sort()).toEqual(expected.sort());
      await d.close();
      driver = undefined;
    }
  });

  it('emits only merged sessions, not the sessions they replaced', async () => {
    const b = new StreamsBuilder();
    const SW = WindowedSerdes.sessionWindowedSerdeFrom(S);
    b.stream<string, string>('in', { keySerde: S, valueSerde: S })
      .groupByKey()
      .windowedBy(SessionWindows.ofInactivityGapWithNoGrace(10))
      .count()
      .suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()))
      .toStream()
      .to('out', { keySerde: SW, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 5);
    input.pipeInput('a', 'x', 30);
    expect(d.createOutputTopic('out', SW, L).readKeyValuesToList().map(([k, v]) => [`${k!.key}@${k!.window.start}-${k!.window.end}`, v])).toEqual([['a@0-5', 2]]);
  });

  it('keeps its buffer in a persistent, change-logged store named as Kafka names it', async () => {
    const topology = finalCounts();
    expect([...topology.nodes.keys()]).toContain('KTABLE-SUPPRESS-0000000003');
    expect(topology.stores.has('KTABLE-SUPPRESS-STATE-STORE-0000000004')).toBe(true);
    const named = finalCounts('final');
    expect([...named.nodes.keys()]).toContain('final');
    expect(named.stores.get('final-store')?.builder.logConfig).toEqual({ 'cleanup.policy': 'compact' });
    const d = await start(topology);
    expect(d.getStateStore('KTABLE-SUPPRESS-STATE-STORE-0000000004').persistent).toBe(true);
    d.createInputTopic('in', S, S).pipeInput('a', 'x', 1);
    expect(d.producedTopicNames()).toContain('test-app-KTABLE-SUPPRESS-STATE-STORE-0000000004-changelog');
  });

  it('refuses tables that are not windowed aggregations', () => {
    const b = new StreamsBuilder();
    const counts = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count();
    const suppressPlainTable = (): unknown =>
      // @ts-expect-error only windowed tables have windows that close
      counts.suppress(Suppressed.untilWindowCloses(BufferConfig.unbounded()));
    expect(suppressPlainTable).toThrow(expect.objectContaining({ code: 'SUPPRESSION_NOT_WINDOWED' }));
    // @ts-expect-error final results cannot come from a buffer that emits early
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(5))).toThrow(SuppressError);
    expect(() => Suppressed.untilWindowCloses(BufferConfig.maxRecords(5).shutDownWhenFull())).not.toThrow();
    expect(() => Suppressed.untilTimeLimit(-1, BufferConfig.unbounded())).toThrow(expect.objectContaining({ code: 'INVALID_SUPPRESSION' }));
  });
});

describe('Suppressed.untilTimeLimit', () => {
  function limited(config: BufferConfig, limitMs = 10): Topology {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S })
      .groupByKey()
      .count()
      .suppress(Suppressed.untilTimeLimit(limitMs, config))
      .toStream()
      .to('out', { keySerde: S, valueSerde: L });
    return b.build();
  }

  it('emits each key’s latest value once the limit has passed since its first held-back update', async () => {
    const d = await start(limited(BufferConfig.unbounded()));
    const input = d.createInputTopic('in', S, S);
    const out = d.createOutputTopic('out', S, L);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 5);
    input.pipeInput('b', 'x', 6);
    expect(out.readKeyValuesToList()).toEqual([]);
    input.pipeInput('a', 'x', 10); // a was first held at 0: its time is up
    expect(out.readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([['a', 3, 10]]);
    input.pipeInput('c', 'x', 16);
    expect(out.readKeyValuesToList()).toEqual([['b', 1]]);
    input.pipeInput('a', 'x', 17); // held again from 17
    input.pipeInput('c', 'x', 26);
    expect(out.readKeyValuesToList()).toEqual([['c', 2]]);
    input.pipeInput('c', 'x', 27);
    expect(out.readKeyValuesToList()).toEqual([['a', 4]]);
  });

  it('emits the oldest early when a bounded buffer is full (emitEarlyWhenFull)', async () => {
    for (const config of [BufferConfig.maxRecords(2), BufferConfig.maxBytes(120).emitEarlyWhenFull()]) {
      const d = await start(limited(config, 1000));
      const input = d.createInputTopic('in', S, S);
      const out = d.createOutputTopic('out', S, L);
      input.pipeInput('a', 'x', 0);
      input.pipeInput('b', 'x', 1);
      input.pipeInput('a', 'x', 2); // updates a in place
      expect(out.readKeyValuesToList()).toEqual([]);
      input.pipeInput('c', 'x', 3);
      expect(out.readKeyValuesToList()).toEqual([['a', 2]]);
      await d.close();
      driver = undefined;
    }
  });

  it('stops the task when a shutDownWhenFull buffer overflows, whatever the exception handler says', async () => {
    const d = await start(limited(BufferConfig.maxRecords(2).shutDownWhenFull(), 1000), { onProcessingError: () => 'continue' });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('b', 'x', 1);
    expect(() => input.pipeInput('c', 'x', 2)).toThrow(expect.objectContaining({ code: 'SUPPRESSION_BUFFER_FULL', message: expect.stringContaining('3/2 records') }));
  });

  it('works on windowed tables whose key serde is the default', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in')
      .groupByKey()
      .windowedBy(TimeWindows.ofSizeWithNoGrace(10))
      .count()
      .suppress(Suppressed.untilTimeLimit(5, BufferConfig.unbounded()))
      .toStream()
      .to('out', { keySerde: TW, valueSerde: L });
    const d = await start(b.build(), { defaultKeySerde: S as never, defaultValueSerde: S as never });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 1);
    input.pipeInput('a', 'x', 2);
    input.pipeInput('a', 'x', 6);
    expect(readWindowed(d)).toEqual([['a@0', 3, 6]]);
  });
});
