import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { SessionWindows } from '../../../engine/dsl/windows.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';
import { TopologyTestDriver, type TestDriverConfig } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';
import type { SessionStore } from '../../../storage/state/stores.js';

const S = Serdes.String();
const L = Serdes.Long();
const WS = WindowedSerdes.sessionWindowedSerdeFrom(S);
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function start(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
  driver = await TopologyTestDriver.create(topology, config);
  return driver;
}

function countTopology(windows: SessionWindows, retentionMs?: number): Topology {
  const b = new StreamsBuilder();
  b.stream<string, string>('in', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(windows)
    .count({ materialized: { storeName: 'sessions', retentionMs } })
    .toStream()
    .to('out', { keySerde: WS, valueSerde: L });
  return b.build();
}

function read<V>(d: TopologyTestDriver, valueSerde = L as unknown as typeof S): [string, V | null, number][] {
  return d
    .createOutputTopic('out', WS, valueSerde)
    .readRecordsToList()
    .map((r) => [`${r.key!.key}@${r.key!.window.start}-${r.key!.window.end}`, r.value as V | null, r.timestamp]);
}

describe('session windows', () => {
  it('merge sessions a record bridges, deleting the merged ones downstream, on 1 and 2 partitions', async () => {
    for (const partitions of [1, 2]) {
      const d = await start(countTopology(SessionWindows.ofInactivityGapAndGrace(10, 100)), { partitions });
      const input = d.createInputTopic('in', S, S);
      input.pipeInput('a', 'x', 0);
      input.pipeInput('a', 'x', 5); // extends [0,0] to [0,5]
      input.pipeInput('a', 'x', 30); // a new session
      input.pipeInput('a', 'x', 20); // extends [30,30] back to [20,30]
      input.pipeInput('b', 'x', 21);
      input.pipeInput('a', 'x', 12); // bridges [0,5] and [20,30]
      input.pipeInput('a', 'x', 3); // inside [0,30]: updated in place
      expect(read<number>(d)).toEqual([
        ['a@0-0', 1, 0],
        ['a@0-0', null, 0],
        ['a@0-5', 2, 5],
        ['a@30-30', 1, 30],
        ['a@30-30', null, 30],
        ['a@20-30', 2, 30],
        ['b@21-21', 1, 21],
        ['a@0-5', null, 5],
        ['a@20-30', null, 30],
        ['a@0-30', 5, 30],
        ['a@0-30', 6, 30],
      ]);
      await d.close();
      driver = undefined;
    }
  });

  it('drops records whose session would end before stream time minus grace', async () => {
    const d = await start(countTopology(SessionWindows.ofInactivityGapWithNoGrace(10)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 100);
    input.pipeInput('a', 'x', 85); // its own session [85,85] has closed
    input.pipeInput('a', 'x', 95); // joins [100,100], which is still open
    expect(d.metrics().droppedLate).toBe(1);
    expect(read<number>(d)).toEqual([
      ['a@100-100', 1, 100],
      ['a@100-100', null, 100],
      ['a@95-100', 2, 100],
    ]);
  });

  it('reduce and aggregate merge with the merger', async () => {
    const b = new StreamsBuilder();
    const windowed = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(SessionWindows.ofInactivityGapAndGrace(10, 100));
    windowed.reduce((a, v) => `${a}+${v}`).toStream().to('out', { keySerde: WS, valueSerde: S });
    windowed
      .aggregate(
        () => 0,
        (_k, v, agg) => agg + v.length,
        (_k, a1, a2) => a1 + a2,
        { materialized: { valueSerde: L } },
      )
      .toStream()
      .to('lengths', { keySerde: WS, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'yy', 20);
    input.pipeInput('a', 'zzz', 10);
    const last = <V>(rows: [string, V | null, number][]): [string, V | null] => rows.map(([k, v]) => [k, v] as [string, V | null]).at(-1)!;
    expect(last(read<string>(d, S))).toEqual(['a@0-20', 'x+yy+zzz']);
    const lengths = d
      .createOutputTopic('lengths', WS, L)
      .readKeyValuesToList()
      .map(([k, v]) => [`${k!.key}@${k!.window.start}-${k!.window.end}`, v]);
    expect(lengths.at(-1)).toEqual(['a@0-20', 6]);
  });

  it('with caching on, forwards one update per session per commit and no deletes of sessions never sent', async () => {
    const d = await start(countTopology(SessionWindows.ofInactivityGapAndGrace(10, 100)), { cacheMaxBytes: 1 << 20 });
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('a', 'x', 5);
    input.pipeInput('a', 'x', 7);
    await d.commit();
    expect(read<number>(d)).toEqual([['a@0-7', 3, 7]]);
    input.pipeInput('a', 'x', 15); // extends the flushed session: it is deleted downstream
    await d.commit();
    expect(read<number>(d)).toEqual([
      ['a@0-7', null, 7],
      ['a@0-15', 4, 15],
    ]);
  });

  it('keeps sessions for gap plus grace after they end', async () => {
    const d = await start(countTopology(SessionWindows.ofInactivityGapAndGrace(10, 5)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 0);
    input.pipeInput('b', 'x', 14);
    const store = d.getStateStore<SessionStore<string, number>>('sessions');
    expect([...store.fetch('a')].map((kv) => kv.value)).toEqual([1]);
    input.pipeInput('b', 'x', 15); // stream time 15: a's session ended 15 ms ago
    expect([...store.fetch('a')]).toEqual([]);
    expect([...store.fetch('b')].map((kv) => [kv.key.window, kv.value])).toEqual([[{ start: 14, end: 15 }, 2]]);
  });
});
