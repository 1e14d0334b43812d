import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { SlidingWindows } from '../../../engine/dsl/windows.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { WindowedSerdes } from '../../../engine/serde/windowed.js';
import { TopologyTestDriver, type TestDriverConfig } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';

const S = Serdes.String();
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function start(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
  driver = await TopologyTestDriver.create(topology, config);
  return driver;
}

/** Sliding windows collecting the values they hold, sorted, as "v1,v2". */
function collectTopology(windows: SlidingWindows): Topology {
  const b = new StreamsBuilder();
  b.stream<string, string>('in', { keySerde: S, valueSerde: S })
    .groupByKey()
    .windowedBy(windows)
    .aggregate(
      () => '',
      (_k, v, agg) => (agg === '' ? [v] : [...agg.split(','), v]).sort().join(','),
      { materialized: { valueSerde: S, storeName: 'sliding' } },
    )
    .toStream()
    .to('out', { keySerde: WindowedSerdes.timeWindowedSerdeFrom(S, windows.timeDifferenceMs), valueSerde: S });
  return b.build();
}

function read(d: TopologyTestDriver, diff: number): [string, string | null][] {
  return d
    .createOutputTopic('out', WindowedSerdes.timeWindowedSerdeFrom(S, diff), S)
    .readKeyValuesToList()
    .map(([k, v]) => [`${k!.key}@${k!.window.start}-${k!.window.end}`, v]);
}

/** The windows sliding-window semantics define for a key's records (timestamp -> value), by window. */
function expectedWindows(records: [number, string][], d: number): Map<string, string> {
  const out = new Map<string, string>();
  const within = (from: number, to: number): string =>
    records
      .filter(([t]) => t >= from && t <= to)
      .map(([, v]) => v)
      .sort()
      .join(',');
  for (const [t] of records) {
    const left = t >= d ? [t - d, t] : [0, d];
    out.set(`k@${left[0]}-${left[1]}`, within(left[0]!, left[1]!));
    const right = within(t + 1, t + 1 + d);
    if (right !== '') out.set(`k@${t + 1}-${t + 1 + d}`, right);
  }
  return out;
}

describe('sliding windows', () => {
  it('create left windows, right windows and the previous record’s right window', async () => {
    const d = await start(collectTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 100)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('k', 'a', 100);
    input.pipeInput('k', 'b', 115);
    expect(read(d, 10)).toEqual([
      ['k@90-100', 'a'],
      ['k@105-115', 'b'],
    ]);
    // Out of order: falls into b's left window, and creates a's right window, its own left
    // window (with a) and its right window (with b).
    input.pipeInput('k', 'c', 108);
    expect(read(d, 10)).toEqual([
      ['k@105-115', 'b,c'],
      ['k@101-111', 'c'],
      ['k@98-108', 'a,c'],
      ['k@109-119', 'b'],
    ]);
  });

  it('put records earlier than the time difference into one window [0, d]', async () => {
    const d = await start(collectTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 100)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('k', 'a', 3);
    input.pipeInput('k', 'b', 8);
    input.pipeInput('k', 'c', 14);
    const final = new Map(read(d, 10));
    expect(Object.fromEntries(final)).toEqual(Object.fromEntries(expectedWindows([[3, 'a'], [8, 'b'], [14, 'c']], 10)));
  });

  it('end with exactly the windows sliding semantics define, for random out-of-order input on 2 partitions, cached or not', async () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let round = 0; round < 5; round++) {
      // Rounds 1 and 3 cache, with a cache small enough to evict (and forward) while processing.
      const d = await start(collectTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 1000)), { partitions: 2, cacheMaxBytes: round % 2 === 1 ? 2000 : 0 });
      const input = d.createInputTopic('in', S, S);
      const records: [number, string][] = [];
      for (let i = 0; i < 40; i++) {
        const t = random(120);
        records.push([t, `v${i}`]);
        input.pipeInput('k', `v${i}`, t);
      }
      await d.commit();
      const final = new Map(read(d, 10));
      expect(Object.fromEntries(final)).toEqual(Object.fromEntries(expectedWindows(records, 10)));
      expect(d.metrics().droppedLate).toBe(0);
      await d.close();
      driver = undefined;
    }
  });

  it('drop what falls into closed windows, and records whose windows have all closed', async () => {
    const d = await start(collectTopology(SlidingWindows.ofTimeDifferenceAndGrace(10, 5)));
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('k', 'a', 97); // close time 92
    // b's left window [78, 88] has closed (dropped, counted); a's left window and b's right window take it.
    input.pipeInput('k', 'b', 88);
    expect(d.metrics().droppedLate).toBe(1);
    input.pipeInput('k', 'c', 80); // even c's right window [81, 91] has closed
    expect(d.metrics().droppedLate).toBe(2);
    expect(read(d, 10)).toEqual([
      ['k@87-97', 'a'],
      ['k@87-97', 'a,b'],
      ['k@89-99', 'a'],
    ]);
  });
});
