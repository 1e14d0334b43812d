import { afterEach, describe, expect, it } from 'vitest';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver, type TestDriverConfig } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';
import type { TimestampedKeyValueStore } from '../../../storage/state/stores.js';

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

describe('aggregations', () => {
  it('counts words (groupBy repartitions by the new key), on 1 and on 3 partitions', async () => {
    for (const partitions of [1, 3]) {
      const b = new StreamsBuilder();
      b.stream<string, string>('lines', { keySerde: S, valueSerde: S })
        .flatMapValues((line) => line.toLowerCase().split(/\s+/))
        .groupBy((_, word) => word, { keySerde: S, valueSerde: S })
        .count({ materialized: { storeName: 'counts' } })
        .toStream()
        .to('word-counts', { keySerde: S, valueSerde: L });
      const d = await start(b.build(), { partitions });
      const input = d.createInputTopic('lines', S, S);
      input.pipeInput(null, 'the quick fox', 1);
      input.pipeInput(null, 'the lazy dog', 2);
      input.pipeInput(null, 'The fox', 3);
      const counts = d.createOutputTopic('word-counts', S, L).readKeyValuesToMap();
      expect(Object.fromEntries(counts)).toEqual({ the: 3, quick: 1, fox: 2, lazy: 1, dog: 1 });
      const total = d.storeInstances('counts').length;
      expect(total).toBe(partitions);
      await d.close();
      driver = undefined;
    }
  });

  it('a table update that stays in its group emits one result; one that moves updates both groups', async () => {
    const b = new StreamsBuilder();
    b.table<string, string>('users', { keySerde: S, valueSerde: S })
      .groupBy((_user, city) => ({ key: city.split(':')[0]!, value: city }), { keySerde: S, valueSerde: S })
      .count({ materialized: { storeName: 'per-city' } })
      .toStream()
      .to('city-counts', { keySerde: S, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('users', S, S);
    input.pipeInput('alice', 'paris:1', 1);
    input.pipeInput('alice', 'paris:2', 2);
    input.pipeInput('alice', 'rome:1', 3);
    expect(d.createOutputTopic('city-counts', S, L).readKeyValuesToList()).toEqual([
      ['paris', 1],
      ['paris', 1],
      ['paris', 0],
      ['rome', 1],
    ]);
  });

  it('reduce and aggregate keep the latest timestamp', async () => {
    const b = new StreamsBuilder();
    const grouped = b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey();
    grouped.reduce((a, v) => `${a}+${v}`).toStream().to('reduced', { keySerde: S, valueSerde: S });
    grouped
      .aggregate(() => 0, (_k, v, agg) => agg + v.length, { materialized: { valueSerde: L } })
      .toStream()
      .to('lengths', { keySerde: S, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', 'x', 10);
    input.pipeInput('a', 'yy', 5);
    input.pipeInput('b', 'zzz', 7);
    expect(d.createOutputTopic('reduced', S, S).readRecordsToList().map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', 'x', 10],
      ['a', 'x+yy', 10],
      ['b', 'zzz', 7],
    ]);
    expect(d.createOutputTopic('lengths', S, L).readKeyValuesToList()).toEqual([['a', 1], ['a', 3], ['b', 3]]);
  });

  it('drops records without key or value from aggregations and counts them', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count().toStream().to('out', { keySerde: S, valueSerde: L });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput(null, 'x', 1);
    input.pipeInput('k', null, 1);
    input.pipeInput('k', 'v', 1);
    expect(d.createOutputTopic('out', S, L).readKeyValuesToList()).toEqual([['k', 1]]);
    expect(d.metrics().droppedNullKey).toBe(2);
  });

  it('with caching on, sends one update per key per commit', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S }).groupByKey().count().toStream().to('out', { keySerde: S, valueSerde: L });
    const d = await start(b.build(), { cacheMaxBytes: 1 << 20 });
    const input = d.createInputTopic('in', S, S);
    for (let i = 0; i < 5; i++) input.pipeInput('a', 'x', i);
    input.pipeInput('b', 'x', 9);
    const out = d.createOutputTopic('out', S, L);
    expect(out.isEmpty()).toBe(true);
    await d.commit();
    expect(out.readKeyValuesToList().sort()).toEqual([['a', 5], ['b', 1]]);
  });
});

describe('KTable', () => {
  it('upserts, deletes, filters (retracting rows that stop matching) and maps values', async () => {
    const b = new StreamsBuilder();
    const users = b.table<string, string>('users', { keySerde: S, valueSerde: S }, { storeName: 'users' });
    users
      .filter((_, v) => v.startsWith('a'))
      .mapValues((v) => v.toUpperCase())
      .toStream()
      .to('a-users', { keySerde: S, valueSerde: S });
    const d = await start(b.build());
    const input = d.createInputTopic('users', S, S);
    input.pipeInput('1', 'alice', 1);
    input.pipeInput('2', 'bob', 2);
    input.pipeInput('1', 'bert', 3);
    input.pipeInput('3', 'anna', 4);
    input.pipeInput('3', null, 5);
    expect(d.createOutputTopic('a-users', S, S).readKeyValuesToList()).toEqual([
      ['1', 'ALICE'],
      ['1', null],
      ['3', 'ANNA'],
      ['3', null],
    ]);
  });

  it('groupBy + aggregate subtracts old values when rows change or leave a group', async () => {
    const b = new StreamsBuilder();
    // user -> region; count users per region
    b.table<string, string>('user-regions', { keySerde: S, valueSerde: S })
      .groupBy((user, region) => ({ key: region, value: user }), { keySerde: S, valueSerde: S })
      .count()
      .toStream()
      .to('region-counts', { keySerde: S, valueSerde: L });
    const d = await start(b.build(), { partitions: 2 });
    const input = d.createInputTopic('user-regions', S, S);
    input.pipeInput('alice', 'eu', 1);
    input.pipeInput('bob', 'eu', 2);
    input.pipeInput('carol', 'us', 3);
    input.pipeInput('bob', 'us', 4);
    input.pipeInput('alice', null, 5);
    expect(Object.fromEntries(d.createOutputTopic('region-counts', S, L).readKeyValuesToMap())).toEqual({ eu: 0, us: 2 });
  });

  it('joins tables (inner, left, outer) and retracts results when a side goes away', async () => {
    const b = new StreamsBuilder();
    const left = b.table<string, string>('left', { keySerde: S, valueSerde: S });
    const right = b.table<string, string>('right', { keySerde: S, valueSerde: S });
    left.join(right, (l, r) => `${l}|${r}`).toStream().to('inner', { keySerde: S, valueSerde: S });
    left.leftJoin(right, (l, r) => `${l}|${r}`).toStream().to('left-out', { keySerde: S, valueSerde: S });
    left.outerJoin(right, (l, r) => `${l}|${r}`).toStream().to('outer', { keySerde: S, valueSerde: S });
    const d = await start(b.build());
    const l = d.createInputTopic('left', S, S);
    const r = d.createInputTopic('right', S, S);
    l.pipeInput('k', 'L1', 1);
    r.pipeInput('k', 'R1', 2);
    l.pipeInput('k', 'L2', 3);
    r.pipeInput('k', null, 4);
    expect(d.createOutputTopic('inner', S, S).readKeyValuesToList()).toEqual([['k', 'L1|R1'], ['k', 'L2|R1'], ['k', null]]);
    expect(d.createOutputTopic('left-out', S, S).readKeyValuesToList()).toEqual([['k', 'L1|null'], ['k', 'L1|R1'], ['k', 'L2|R1'], ['k', 'L2|null']]);
    expect(d.createOutputTopic('outer', S, S).readKeyValuesToList()).toEqual([['k', 'L1|null'], ['k', 'L1|R1'], ['k', 'L2|R1'], ['k', 'L2|null']]);
  });
});

describe('stream joins with tables', () => {
  it('enriches a stream from a table (inner and left), repartitioning a re-keyed stream', async () => {
    const b = new StreamsBuilder();
    const users = b.table<string, string>('users', { keySerde: S, valueSerde: S });
    const views = b.stream<string, string>('views', { keySerde: S, valueSerde: S }).selectKey((_, v) => v.split(':')[0]!);
    views.join(users, (view, user) => `${user} saw ${view.split(':')[1]}`, { keySerde: S, valueSerde: S }).to('enriched', { keySerde: S, valueSerde: S });
    views.leftJoin(users, (view, user) => `${user ?? '?'} saw ${view.split(':')[1]}`, { keySerde: S, valueSerde: S }).to('enriched-left', { keySerde: S, valueSerde: S });
    const d = await start(b.build(), { partitions: 2 });
    d.createInputTopic('users', S, S).pipeInput('u1', 'Alice', 1);
    const views_ = d.createInputTopic('views', S, S);
    views_.pipeInput('x', 'u1:/home', 2);
    views_.pipeInput('y', 'u2:/about', 3);
    expect(d.createOutputTopic('enriched', S, S).readValuesToList()).toEqual(['Alice saw /home']);
    expect(d.createOutputTopic('enriched-left', S, S).readValuesToList().sort()).toEqual(['? saw /about', 'Alice saw /home']);
  });

  it('joins a global table by a key computed from the record', async () => {
    const b = new StreamsBuilder();
    const products = b.globalTable<string, string>('products', { keySerde: S, valueSerde: S });
    b.stream<string, string>('orders', { keySerde: S, valueSerde: S })
      .joinGlobal(products, (_, v) => v, (_order, product) => `order with ${product}`)
      .to('out', { keySerde: S, valueSerde: S });
    const d = await start(b.build(), { partitions: 3 });
    d.createInputTopic('products', S, S).pipeInput('p1', 'a lamp', 1);
    d.createInputTopic('orders', S, S).pipeInput('o1', 'p1', 2);
    d.createInputTopic('orders', S, S).pipeInput('o2', 'p9', 3);
    expect(d.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([['o1', 'order with a lamp']]);
  });

  it('turns a stream into a table', async () => {
    const b = new StreamsBuilder();
    b.stream<string, string>('in', { keySerde: S, valueSerde: S }).toTable({ materialized: { storeName: 'latest' } }).toStream().to('out', { keySerde: S, valueSerde: S });
    const d = await start(b.build());
    const input = d.createInputTopic('in', S, S);
    input.pipeInput('a', '1', 1);
    input.pipeInput('a', '2', 2);
    expect(d.createOutputTopic('out', S, S).readKeyValuesToList()).toEqual([['a', '1'], ['a', '2']]);
    const store = d.getStateStore<TimestampedKeyValueStore<string, string>>('latest');
    expect(store.get('a')).toEqual({ value: '2', timestamp: 2 });
  });
});
