import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JoinError, JoinWindows } from '../../../engine/dsl/join-windows.js';
import { partitionForKey } from '../../../storage/broker/partitioner.js';
import type { KStream } from '../../../engine/dsl/kstream.js';
import type { StreamJoined } from '../../../engine/dsl/options.js';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver, type TestDriverConfig, type TestInputTopic } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';

const S = Serdes.String();
let driver: TopologyTestDriver | undefined;
afterEach(async () => {
  await driver?.close();
  driver = undefined;
});

async function start(topology: Topology, config: TestDriverConfig = {}): Promise<TopologyTestDriver> {
  await driver?.close();
  driver = await TopologyTestDriver.create(topology, config);
  return driver;
}

type Mode = 'inner' | 'left' | 'outer';
const show = (l: string | null, r: string | null): string => `${l ?? 'null'}+${r ?? 'null'}`;

function joinTopology(mode: Mode, windows: JoinWindows, streamJoined: StreamJoined<string, string, string> = {}, prepare: (s: KStream<string, string>) => KStream<string, string> = (s) => s): Topology {
  const b = new StreamsBuilder();
  const left = prepare(b.stream<string, string>('left', { keySerde: S, valueSerde: S }));
  const right = b.stream<string, string>('right', { keySerde: S, valueSerde: S });
  const joined =
    mode === 'inner'
      ? left.joinStream(right, (l, r) => show(l, r), windows, streamJoined)
      : mode === 'left'
        ? left.leftJoinStream(right, (l, r) => show(l, r), windows, streamJoined)
        : left.outerJoinStream(right, (l, r) => show(l, r), windows, streamJoined);
  joined.to('out', { keySerde: S, valueSerde: S });
  return b.build();
}

interface Harness {
  left: TestInputTopic<string, string>;
  right: TestInputTopic<string, string>;
  /** Moves stream time of every task to `t`: a right record with a key of its own on each partition. */
  advance(t: number): void;
  /** Output since the last call: [key, value, timestamp], without what advance() caused. */
  out(): [string | null, string | null, number][];
}

/** A key per partition (stream time is per task, so every partition needs a record to move it). */
function tickKeys(partitions: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < partitions; i++) {
    const key = `tick${i}`;
    if (partitionForKey(S.serialize('', key)!, partitions) === keys.length) keys.push(key);
  }
  return keys;
}

async function harness(topology: Topology, config: TestDriverConfig = {}): Promise<Harness> {
  const d = await start(topology, config);
  const out = d.createOutputTopic('out', S, S);
  const right = d.createInputTopic('right', S, S);
  const ticks = tickKeys(typeof config.partitions === 'number' ? config.partitions : 1);
  return {
    left: d.createInputTopic('left', S, S),
    right,
    advance: (t) => {
      for (const k of ticks) right.pipeInput(k, 'tick', t);
    },
    out: () => out.readRecordsToList().filter((r) => !r.key?.startsWith('tick')).map((r) => [r.key, r.value, r.timestamp]),
  };
}

function errorCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as JoinError).code;
  }
  return undefined;
}

const sorted = <T>(rows: T[]): T[] => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('JoinWindows', () => {
  it('gives symmetric and asymmetric windows with grace', () => {
    const w = JoinWindows.ofTimeDifferenceAndGrace(10, 5);
    expect([w.beforeMs, w.afterMs, w.graceMs, w.sizeMs]).toEqual([10, 10, 5, 20]);
    const a = JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0);
    expect([a.beforeMs, a.afterMs, a.graceMs]).toEqual([0, 10, 0]);
    expect(a.after(20).before(-5).sizeMs).toBe(15);
  });

  it('rejects negative, fractional and inverted windows with a typed error', () => {
    const bad = [
      () => JoinWindows.ofTimeDifferenceWithNoGrace(-1),
      () => JoinWindows.ofTimeDifferenceAndGrace(10, -1),
      () => JoinWindows.ofTimeDifferenceWithNoGrace(1.5),
      () => JoinWindows.ofTimeDifferenceWithNoGrace(10).before(-11),
      () => JoinWindows.ofTimeDifferenceWithNoGrace(10).after(Number.NaN),
    ];
    for (const make of bad) {
      expect(make).toThrow(JoinError);
      expect(errorCode(make)).toBe('JOIN_WINDOWS_INVALID');
    }
  });
});

describe('legacy JoinWindows.of', () => {
  it('emits a left record without partner with null at once, then the joined result when a partner comes', async () => {
    const h = await harness(joinTopology('left', JoinWindows.of(10)));
    h.left.pipeInput('k', 'a', 100);
    expect(h.out()).toEqual([['k', 'a+null', 100]]);
    h.right.pipeInput('k', 'b', 105);
    expect(h.out()).toEqual([['k', 'a+b', 105]]);
    // Nothing more when the window closes: the null result already went out.
    h.advance(100_000_000);
    expect(h.out()).toEqual([]);
    expect(JoinWindows.of(10).graceMs).toBe(24 * 60 * 60 * 1000);
  });
});

describe('KStream-KStream inner join', () => {
  it('joins records of the same key within the window, both ways, with the later timestamp, on 1 and 3 partitions', async () => {
    for (const partitions of [1, 3]) {
      const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10)), { partitions });
      h.left.pipeInput('A', 'a1', 0);
      h.right.pipeInput('B', 'b0', 1);
      expect(h.out()).toEqual([]);
      h.right.pipeInput('A', 'x1', 5);
      expect(h.out()).toEqual([['A', 'a1+x1', 5]]);
      h.right.pipeInput('A', 'x2', 20);
      expect(h.out()).toEqual([]);
      h.left.pipeInput('A', 'a2', 15);
      expect(sorted(h.out())).toEqual([
        ['A', 'a2+x1', 15],
        ['A', 'a2+x2', 20],
      ]);
      h.left.pipeInput('B', 'b1', 11);
      expect(h.out()).toEqual([['B', 'b1+b0', 11]]);
    }
  });

  it('produces every pair when a key repeats, even with equal timestamps', async () => {
    const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10)));
    h.left.pipeInput('A', 'a1', 3);
    h.left.pipeInput('A', 'a2', 3);
    h.right.pipeInput('A', 'x1', 4);
    h.right.pipeInput('A', 'x2', 5);
    expect(h.out().map((r) => r[1])).toEqual(['a1+x1', 'a2+x1', 'a1+x2', 'a2+x2']);
  });

  it('honours asymmetric windows: before(0).after(10) joins right records up to 10 ms later only', async () => {
    const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0)));
    h.left.pipeInput('A', 'a', 100);
    for (const [v, t] of [['r95', 95], ['r100', 100], ['r110', 110], ['r111', 111]] as const) h.right.pipeInput('A', v, t);
    expect(h.out()).toEqual([
      ['A', 'a+r100', 100],
      ['A', 'a+r110', 110],
    ]);
    // Seen from the right: a right record at 111 joins left records in [101, 111].
    h.left.pipeInput('A', 'a101', 101);
    expect(h.out().map((r) => r[1])).toEqual(['a101+r110', 'a101+r111']);
    // An out-of-order left record still joins what the right store keeps: records within
    // size + grace + 1 = 11 ms of its newest (111), so r110 but no longer r100.
    h.left.pipeInput('A', 'a100', 100);
    expect(h.out()).toEqual([['A', 'a100+r110', 110]]);
  });

  it('joins an out-of-order record with what the other side still keeps: size + grace from that side\'s newest record', async () => {
    // Window size 20, grace 5: each store keeps records up to 26 ms older than its newest one.
    const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceAndGrace(10, 5)));
    h.right.pipeInput('A', 'x', 100);
    h.right.pipeInput('Z', 'z', 120);
    // Stream time 120: the window [85, 105] of a left record at 95 has closed, yet x is still kept.
    h.left.pipeInput('A', 'a', 95);
    expect(h.out()).toEqual([['A', 'a+x', 100]]);
    h.right.pipeInput('Z', 'z', 130); // the right store now keeps 105 and later: x is gone
    h.left.pipeInput('A', 'a2', 98);
    expect(h.out()).toEqual([]);
    // A right record too old for its own store still joins the left records kept (newest left: 98).
    h.right.pipeInput('A', 'y', 99);
    expect(h.out()).toEqual([
      ['A', 'a+y', 99],
      ['A', 'a2+y', 99],
    ]);
    // ...but is not kept: a later left record does not find it.
    h.left.pipeInput('A', 'a3', 100);
    expect(h.out()).toEqual([]);
  });

  it("measures each store's retention from its own side, not from the task's stream time", async () => {
    const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10)));
    h.left.pipeInput('A', 'a', 10);
    h.right.pipeInput('Z', 'z', 1000); // the right side runs far ahead
    // The left store's newest record is still a (10): a right record at 15 finds it.
    h.right.pipeInput('A', 'x', 15);
    expect(h.out()).toEqual([['A', 'a+x', 15]]);
  });

  it('drops records with a null key or value and counts them', async () => {
    const h = await harness(joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10)));
    h.left.pipeInput(null, 'a', 1);
    h.left.pipeInput('A', null, 1);
    h.right.pipeInput('A', 'x', 2);
    expect(h.out()).toEqual([]);
    expect(driver!.metrics().droppedNullKey).toBe(2);
  });

  it('repartitions a re-keyed side first so both sides are co-partitioned', async () => {
    const topology = joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10), {}, (s) => s.selectKey((_k, v) => v.split(':')[0]!));
    expect([...topology.internalTopics.keys()]).toEqual(['KSTREAM-KEY-SELECT-0000000001-repartition']);
    const h = await harness(topology, { partitions: 4 });
    for (let i = 0; i < 8; i++) h.right.pipeInput(`k${i}`, `x${i}`, 10);
    for (let i = 0; i < 8; i++) h.left.pipeInput(`ignored${i}`, `k${i}:a${i}`, 12);
    expect(sorted(h.out().map((r) => [r[0], r[1]]))).toEqual(sorted([...Array(8).keys()].map((i) => [`k${i}`, `k${i}:a${i}+x${i}`])));
  });

  it("names nodes and stores like Kafka's, or after StreamJoined", () => {
    const generated = joinTopology('inner', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    expect([...generated.nodes.keys()]).toEqual([
      'KSTREAM-SOURCE-0000000000',
      'KSTREAM-SOURCE-0000000001',
      'KSTREAM-WINDOWED-0000000002',
      'KSTREAM-WINDOWED-0000000003',
      'KSTREAM-JOINTHIS-0000000004',
      'KSTREAM-JOINOTHER-0000000005',
      'KSTREAM-MERGE-0000000006',
      'KSTREAM-SINK-0000000007',
    ]);
    expect([...generated.stores.keys()]).toEqual(['KSTREAM-JOINTHIS-0000000004-store', 'KSTREAM-JOINOTHER-0000000005-store']);

    const outer = joinTopology('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10));
    expect([...outer.nodes.keys()].slice(2, 7)).toEqual(['KSTREAM-WINDOWED-0000000002', 'KSTREAM-WINDOWED-0000000003', 'KSTREAM-OUTERTHIS-0000000004', 'KSTREAM-OUTEROTHER-0000000005', 'KSTREAM-MERGE-0000000006']);
    expect([...outer.stores.keys()]).toEqual(['KSTREAM-OUTERTHIS-0000000004-store', 'KSTREAM-OUTEROTHER-0000000005-store', 'KSTREAM-OUTERSHARED-0000000004-store']);

    const named = joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(10), { name: 'pay', storeName: 'pay-store' });
    expect([...named.nodes.keys()].slice(2, 7)).toEqual(['pay-this-windowed', 'pay-other-windowed', 'pay-this-join', 'pay-outer-other-join', 'pay-merge']);
    expect([...named.stores.keys()]).toEqual(['pay-store-this-join-store', 'pay-store-outer-other-join-store', 'pay-store-left-shared-join-store']);
    // Stores keep duplicates for as long as a partner may arrive: size + grace.
    expect(named.stores.get('pay-store-this-join-store')!.builder.logConfig['retention.ms']).toBe(String(20 + 1 + 24 * 60 * 60 * 1000));
  });

  it('asks for serdes a left or outer join has to store, with a typed error', () => {
    const b = new StreamsBuilder();
    const left = b.stream<string, string>('left', { keySerde: S, valueSerde: S }).mapValues((v) => v.length);
    const right = b.stream<string, string>('right', { keySerde: S, valueSerde: S });
    expect(errorCode(() => left.leftJoinStream(right, (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(5)))).toBe('JOIN_SERDE_REQUIRED');
    expect(() => left.outerJoinStream(right, (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(5))).toThrow(/valueSerde/);
    expect(() => left.leftJoinStream(right, (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(5), { valueSerde: Serdes.Long() })).not.toThrow();
    expect(() => left.joinStream(right, (l, r) => `${l}${r}`, JoinWindows.ofTimeDifferenceWithNoGrace(5))).not.toThrow();
  });
});

describe('KStream-KStream left and outer joins', () => {
  it('emits an unmatched left record with null only after its window closed (no spurious results)', async () => {
    for (const partitions of [1, 2]) {
      const h = await harness(joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(10)), { partitions });
      h.left.pipeInput('A', 'a', 0);
      h.left.pipeInput('C', 'c', 3);
      expect(h.out()).toEqual([]);
      h.right.pipeInput('A', 'x', 5);
      expect(h.out()).toEqual([['A', 'a+x', 5]]);
      h.advance(13); // the window of C, [-7, 13], is still open
      expect(h.out()).toEqual([]);
      h.advance(14);
      expect(h.out()).toEqual([['C', 'c+null', 3]]);
      h.advance(100);
      expect(h.out()).toEqual([]); // A was matched: never a null result for it
    }
  });

  it('waits for the grace period too: a partner arriving out of order within grace still joins', async () => {
    const h = await harness(joinTopology('left', JoinWindows.ofTimeDifferenceAndGrace(10, 5)));
    h.left.pipeInput('A', 'a', 0);
    h.advance(14); // the window closed at 10; grace lasts until 15
    expect(h.out()).toEqual([]);
    h.right.pipeInput('A', 'x', 8);
    expect(h.out()).toEqual([['A', 'a+x', 8]]);
    h.advance(30);
    expect(h.out()).toEqual([]);
  });

  it('emits every unmatched duplicate, in timestamp order', async () => {
    const h = await harness(joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(5)));
    h.left.pipeInput('A', 'a2', 2);
    h.left.pipeInput('A', 'a1', 1);
    h.left.pipeInput('A', 'a1bis', 1);
    h.left.pipeInput('B', 'b', 2);
    h.advance(50);
    expect(h.out()).toEqual([
      ['A', 'a1+null', 1],
      ['A', 'a1bis+null', 1],
      ['A', 'a2+null', 2],
      ['B', 'b+null', 2],
    ]);
  });

  it('outer join: unmatched records of either side come out with null once their window closed', async () => {
    const h = await harness(joinTopology('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10)), { partitions: 3 });
    h.left.pipeInput('A', 'a', 0);
    h.right.pipeInput('B', 'y', 2);
    h.right.pipeInput('C', 'z', 4);
    h.left.pipeInput('C', 'c', 9);
    expect(h.out()).toEqual([['C', 'c+z', 9]]);
    h.advance(11);
    expect(h.out()).toEqual([['A', 'a+null', 0]]);
    h.advance(12);
    expect(h.out()).toEqual([]);
    h.advance(13);
    expect(h.out()).toEqual([['B', 'null+y', 2]]);
    h.left.pipeInput('D', 'd', 20);
    h.right.pipeInput('D', 'w', 21);
    expect(h.out()).toEqual([['D', 'd+w', 21]]);
    h.advance(40);
    expect(h.out()).toEqual([]);
  });

  it('asymmetric outer join: each side waits for its own window end', async () => {
    // A left record at t joins right records in [t - 0, t + 10]; a right record at t joins left records in [t - 10, t].
    const h = await harness(joinTopology('outer', JoinWindows.ofTimeDifferenceWithNoGrace(10).before(0)));
    h.left.pipeInput('A', 'a', 100);
    h.right.pipeInput('B', 'y', 100);
    h.left.pipeInput('Z', 'z', 101);
    expect(h.out()).toEqual([['B', 'null+y', 100]]);
    h.left.pipeInput('Z', 'z', 111);
    expect(h.out()).toEqual([['A', 'a+null', 100]]);
  });

  it('left join with grace and out-of-order input: a record whose window has closed comes out with null at once', async () => {
    // Window 10 ms each way, grace 10 ms: stores keep 31 ms from their newest record.
    const h = await harness(joinTopology('left', JoinWindows.ofTimeDifferenceAndGrace(10, 10)));
    h.left.pipeInput('k0', 'A', 0);
    h.right.pipeInput('k0', 'a', 10);
    expect(h.out()).toEqual([['k0', 'A+a', 10]]);
    h.left.pipeInput('k1', 'B', 55); // stream time 55
    // Window [5, 25] closed at 25 < 55: no partner that is not itself late can come; null now.
    h.left.pipeInput('k2', 'C', 15);
    expect(h.out()).toEqual([['k2', 'C+null', 15]]);
    // Its partner comes out of order: the left store (newest 55) no longer keeps 15, no second result.
    h.right.pipeInput('k2', 'c', 15);
    expect(h.out()).toEqual([]);
    // Out of order but its window [40, 60] still open: it waits for a partner as usual.
    h.left.pipeInput('k4', 'E', 50);
    expect(h.out()).toEqual([]);
    h.right.pipeInput('k4', 'e', 45);
    expect(h.out()).toEqual([['k4', 'E+e', 50]]);
    // B's window [45, 65] closes, with grace, after 75.
    h.advance(75);
    expect(h.out()).toEqual([]);
    h.advance(76);
    expect(h.out()).toEqual([['k1', 'B+null', 55]]);
    h.advance(200);
    expect(h.out()).toEqual([]);
  });

  it('outer join with grace and out-of-order input: each side answers late records at once, and joins what the other side keeps', async () => {
    const h = await harness(joinTopology('outer', JoinWindows.ofTimeDifferenceAndGrace(10, 10)));
    h.left.pipeInput('k0', 'A', 0);
    h.right.pipeInput('k0', 'a', 10);
    h.right.pipeInput('k1', 'b', 55);
    expect(h.out()).toEqual([['k0', 'A+a', 10]]);
    h.right.pipeInput('k3', 'd', 10);
    expect(h.out()).toEqual([['k3', 'null+d', 10]]);
    // The right store's newest record is 55: it keeps 25 and later, so d (10) is gone for k3's left record.
    h.left.pipeInput('k3', 'D', 12);
    expect(h.out()).toEqual([['k3', 'D+null', 12]]);
    // A left store that lags behind keeps its records: the right side's late record still finds them.
    h.left.pipeInput('k5', 'F', 20);
    expect(h.out()).toEqual([['k5', 'F+null', 20]]);
    h.right.pipeInput('k5', 'f', 22);
    expect(h.out()).toEqual([['k5', 'F+f', 22]]);
  });

  it('works with in-memory stores, and joins a re-keyed stream with itself through one repartition topic', async () => {
    const b = new StreamsBuilder();
    const events = b.stream<string, string>('events', { keySerde: S, valueSerde: S }).selectKey((_k, v) => v.split(':')[0]!);
    events.leftJoinStream(events, (l, r) => show(l, r), JoinWindows.ofTimeDifferenceWithNoGrace(5), { keySerde: S, storeType: 'in_memory', logging: false }).to('out', { keySerde: S, valueSerde: S });
    const topology = b.build();
    expect([...topology.internalTopics.keys()]).toEqual(['KSTREAM-KEY-SELECT-0000000001-repartition']);
    const d = await start(topology, { partitions: 2 });
    const input = d.createInputTopic('events', S, S);
    input.pipeInput('x', 'A:1', 10);
    input.pipeInput('y', 'A:2', 12);
    expect(d.createOutputTopic('out', S, S).readValuesToList()).toEqual(['A:1+A:1', 'A:2+A:1', 'A:1+A:2', 'A:2+A:2']);
  });

  it('keeps waiting records across a restart', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'freshet-ssj-'));
    try {
      const topology = () => joinTopology('left', JoinWindows.ofTimeDifferenceWithNoGrace(10));
      let h = await harness(topology(), { stateDir });
      h.left.pipeInput('A', 'a', 0);
      await driver!.commit();
      await driver!.close();
      driver = undefined;
      h = await harness(topology(), { stateDir });
      h.advance(20);
      expect(h.out()).toEqual([['A', 'a+null', 0]]);
    } finally {
      await driver?.close();
      driver = undefined;
      rmSync(stateDir, { recursive: true, force: true });
    }
  });
});
