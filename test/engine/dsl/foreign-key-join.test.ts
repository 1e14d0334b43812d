import { afterEach, describe, expect, it } from 'vitest';
import { JoinError } from '../../../engine/dsl/join-windows.js';
import type { KTable } from '../../../engine/dsl/ktable.js';
import type { Materialized } from '../../../engine/dsl/options.js';
import { StreamsBuilder } from '../../../engine/dsl/streams-builder.js';
import { Serdes } from '../../../engine/serde/serdes.js';
import { TopologyTestDriver, type TestDriverConfig, type TestInputTopic } from '../../../engine/test-driver/topology-test-driver.js';
import type { Topology } from '../../../engine/topology/topology.js';
import type { TimestampedKeyValueStore } from '../../../storage/state/stores.js';

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

// Orders reference customers: order value "customer|item"; "|item" has no customer.
const customerOf = (order: string): string => (order.startsWith('|') ? (null as unknown as string) : order.split('|')[0]!);
const enrich = (order: string, customer: string | null): string => `${order.split('|')[1]}@${customer ?? 'null'}`;

interface Options {
  left?: boolean;
  name?: string;
  materialized?: Materialized<string, string>;
  /** Builds the orders table (default: a table of topic 'orders'). */
  orders?: (b: StreamsBuilder) => KTable<string, string>;
}

function fkTopology(o: Options = {}): Topology {
  const b = new StreamsBuilder();
  const orders = o.orders?.(b) ?? b.table<string, string>('orders', { keySerde: S, valueSerde: S });
  const customers = b.table<string, string>('customers', { keySerde: S, valueSerde: S });
  const options = { name: o.name, materialized: o.materialized };
  const joined = o.left ? orders.leftJoinOnForeignKey(customers, customerOf, enrich, options) : orders.joinOnForeignKey(customers, customerOf, enrich, options);
  joined.toStream().to('out', { keySerde: S, valueSerde: S });
  return b.build();
}

interface Harness {
  orders: TestInputTopic<string, string>;
  customers: TestInputTopic<string, string>;
  /** Output since the last call, as [key, value]. */
  out(): [string | null, string | null][];
}

async function harness(topology: Topology, config: TestDriverConfig = {}): Promise<Harness> {
  const d = await start(topology, config);
  const out = d.createOutputTopic('out', S, S);
  return {
    orders: d.createInputTopic('orders', S, S),
    customers: d.createInputTopic('customers', S, S),
    out: () => out.readKeyValuesToList(),
  };
}

const sorted = <T>(rows: T[]): T[] => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('KTable-KTable foreign-key join', () => {
  it('enriches each row with the row its foreign key points to, on 1 and 3 partitions', async () => {
    for (const partitions of [1, 3]) {
      const h = await harness(fkTopology(), { partitions });
      h.customers.pipeInput('c1', 'Alice', 1);
      h.customers.pipeInput('c2', 'Bob', 2);
      h.orders.pipeInput('o1', 'c1|book', 3);
      h.orders.pipeInput('o2', 'c2|pen', 4);
      h.orders.pipeInput('o3', 'c3|cup', 5);
      expect(h.out()).toEqual([
        ['o1', 'book@Alice'],
        ['o2', 'pen@Bob'],
      ]);
      h.customers.pipeInput('c3', 'Carol', 6);
      expect(h.out()).toEqual([['o3', 'cup@Carol']]);
    }
  });

  it('gives the result the later timestamp of the two rows', async () => {
    const d = await start(fkTopology());
    const orders = d.createInputTopic('orders', S, S);
    const customers = d.createInputTopic('customers', S, S);
    const out = d.createOutputTopic('out', S, S);
    customers.pipeInput('c1', 'Alice', 10);
    orders.pipeInput('o1', 'c1|book', 3);
    customers.pipeInput('c1', 'Alicia', 20);
    expect(out.readRecordsToList().map((r) => [r.value, r.timestamp])).toEqual([
      ['book@Alice', 10],
      ['book@Alicia', 20],
    ]);
  });

  it('left join: rows without a foreign row (or foreign key) join with null', async () => {
    const h = await harness(fkTopology({ left: true }), { partitions: 2 });
    h.orders.pipeInput('o1', 'c1|book', 1);
    h.orders.pipeInput('o2', '|pen', 2);
    expect(h.out()).toEqual([
      ['o1', 'book@null'],
      ['o2', 'pen@null'],
    ]);
    h.customers.pipeInput('c1', 'Alice', 3);
    expect(h.out()).toEqual([['o1', 'book@Alice']]);
  });

  it('inner join: a row without foreign key has no result (and loses the one it had)', async () => {
    const h = await harness(fkTopology());
    h.customers.pipeInput('c1', 'Alice', 1);
    h.orders.pipeInput('o1', '|book', 2);
    expect(h.out()).toEqual([]);
    h.orders.pipeInput('o2', 'c1|pen', 3);
    h.orders.pipeInput('o2', '|pen', 4);
    expect(h.out()).toEqual([
      ['o2', 'pen@Alice'],
      ['o2', null],
    ]);
    expect(driver!.metrics().droppedNullKey).toBe(2);
  });

  it('a foreign-key change moves the subscription: the new row joins, the old one no longer updates it', async () => {
    for (const left of [false, true]) {
      const h = await harness(fkTopology({ left }), { partitions: 3 });
      h.customers.pipeInput('c1', 'Alice', 1);
      h.customers.pipeInput('c2', 'Bob', 2);
      h.orders.pipeInput('o1', 'c1|book', 3);
      h.orders.pipeInput('o1', 'c2|book', 4);
      expect(h.out()).toEqual([
        ['o1', 'book@Alice'],
        ['o1', 'book@Bob'],
      ]);
      h.customers.pipeInput('c1', 'Alicia', 5);
      expect(h.out()).toEqual([]);
      h.customers.pipeInput('c2', 'Robert', 6);
      expect(h.out()).toEqual([['o1', 'book@Robert']]);
      // To a foreign key with no row: the old result goes (inner) or loses its right side (left).
      h.orders.pipeInput('o1', 'c9|book', 7);
      expect(h.out()).toEqual([['o1', left ? 'book@null' : null]]);
    }
  });

  it('a change of the right row reaches every row that references it', async () => {
    const h = await harness(fkTopology(), { partitions: 3 });
    h.customers.pipeInput('c1', 'Alice', 1);
    for (const o of ['o1', 'o2', 'o3']) h.orders.pipeInput(o, `c1|${o}-item`, 2);
    h.orders.pipeInput('o4', 'c2|other', 2);
    expect(sorted(h.out())).toEqual([
      ['o1', 'o1-item@Alice'],
      ['o2', 'o2-item@Alice'],
      ['o3', 'o3-item@Alice'],
    ]);
    h.customers.pipeInput('c1', 'Alicia', 3);
    expect(sorted(h.out())).toEqual([
      ['o1', 'o1-item@Alicia'],
      ['o2', 'o2-item@Alicia'],
      ['o3', 'o3-item@Alicia'],
    ]);
  });

  it('deleting the right row retracts the results (inner) or nulls their right side (left)', async () => {
    for (const left of [false, true]) {
      const h = await harness(fkTopology({ left }), { partitions: 2 });
      h.customers.pipeInput('c1', 'Alice', 1);
      h.orders.pipeInput('o1', 'c1|book', 2);
      h.orders.pipeInput('o2', 'c1|pen', 3);
      h.out();
      h.customers.pipeInput('c1', null, 4);
      expect(sorted(h.out())).toEqual(left ? [['o1', 'book@null'], ['o2', 'pen@null']] : [['o1', null], ['o2', null]]);
      h.customers.pipeInput('c1', 'Alice again', 5);
      expect(sorted(h.out())).toEqual([
        ['o1', 'book@Alice again'],
        ['o2', 'pen@Alice again'],
      ]);
    }
  });

  it('deleting the left row deletes its result, and only once', async () => {
    for (const left of [false, true]) {
      const h = await harness(fkTopology({ left }), { partitions: 2 });
      h.customers.pipeInput('c1', 'Alice', 1);
      h.orders.pipeInput('o1', 'c1|book', 2);
      h.orders.pipeInput('o1', null, 3);
      expect(h.out()).toEqual([
        ['o1', 'book@Alice'],
        ['o1', null],
      ]);
      h.customers.pipeInput('c1', 'Alicia', 4); // the subscription went with the row
      h.orders.pipeInput('o1', null, 5); // deleting what is not there changes nothing
      expect(h.out()).toEqual([]);
    }
  });

  it('drops a response to a left value that has changed since (stale response race)', async () => {
    // One input record makes two quick updates of o1 (flatMapValues into a table), so both
    // subscriptions are on their way before the first response comes back: that response
    // carries Alice but answers a value o1 no longer has.
    const orders = (b: StreamsBuilder): KTable<string, string> =>
      b
        .stream<string, string>('order-updates', { keySerde: S, valueSerde: S })
        .flatMapValues((v) => v.split(','))
        .toTable({ materialized: { keySerde: S, valueSerde: S } });
    for (const left of [false, true]) {
      const d = await start(fkTopology({ orders, left }), { partitions: 2 });
      const customers = d.createInputTopic('customers', S, S);
      const updates = d.createInputTopic('order-updates', S, S);
      const out = d.createOutputTopic('out', S, S);
      customers.pipeInput('c1', 'Alice', 1);
      customers.pipeInput('c2', 'Bob', 2);
      updates.pipeInput('o1', 'c1|book,c2|book', 3);
      expect(out.readKeyValuesToList()).toEqual([['o1', 'book@Bob']]);
      // The same race the other way round, to a foreign key without row.
      updates.pipeInput('o1', 'c2|pen,c9|pen', 4);
      expect(out.readKeyValuesToList()).toEqual([['o1', left ? 'pen@null' : null]]);
    }
  });

  it('gives downstream table operators old values and lookups, materialized or not', async () => {
    for (const materialized of [undefined, { valueSerde: S }]) {
      const b = new StreamsBuilder();
      const orders = b.table<string, string>('orders', { keySerde: S, valueSerde: S });
      const customers = b.table<string, string>('customers', { keySerde: S, valueSerde: S });
      const enriched = orders.joinOnForeignKey(customers, customerOf, enrich, { materialized });
      // A filter retracts a row that stops matching only if it gets the row's old value.
      enriched
        .filter((_k, v) => v.endsWith('@Alice'))
        .toStream()
        .to('alice', { keySerde: S, valueSerde: S });
      // A table-table join looks the result up through its value getter.
      const notes = b.table<string, string>('notes', { keySerde: S, valueSerde: S });
      notes
        .join(enriched, (note, order) => `${note}: ${order}`)
        .toStream()
        .to('noted', { keySerde: S, valueSerde: S });
      const d = await start(b.build());
      d.createInputTopic('customers', S, S).pipeInput('c1', 'Alice', 1);
      d.createInputTopic('orders', S, S).pipeInput('o1', 'c1|book', 2);
      d.createInputTopic('customers', S, S).pipeInput('c1', 'Alicia', 3);
      d.createInputTopic('notes', S, S).pipeInput('o1', 'gift', 4);
      expect(d.createOutputTopic('alice', S, S).readKeyValuesToList()).toEqual([
        ['o1', 'book@Alice'],
        ['o1', null],
      ]);
      expect(d.createOutputTopic('noted', S, S).readKeyValuesToList()).toEqual([['o1', 'gift: book@Alicia']]);
    }
  });

  it('joins tables of many rows across partitions', async () => {
    const h = await harness(fkTopology({ left: true, materialized: { storeName: 'enriched', valueSerde: S } }), { partitions: 3 });
    for (let c = 0; c < 5; c++) h.customers.pipeInput(`c${c}`, `name${c}`, 1);
    for (let o = 0; o < 30; o++) h.orders.pipeInput(`o${o}`, `c${o % 6}|item${o}`, 2);
    for (let c = 0; c < 5; c += 2) h.customers.pipeInput(`c${c}`, `NAME${c}`, 3);
    const expected = new Map<string, string>();
    for (let o = 0; o < 30; o++) {
      const c = o % 6;
      expected.set(`o${o}`, `item${o}@${c === 5 ? 'null' : c % 2 === 0 ? `NAME${c}` : `name${c}`}`);
    }
    const latest = new Map(h.out().map(([k, v]) => [k!, v!]));
    expect(latest).toEqual(expected);
    // The result table is queryable under its name, one instance per partition of the orders.
    const rows = new Map<string, string>();
    for (const { store } of driver!.storeInstances('enriched')) {
      for (const { key, value } of (store as TimestampedKeyValueStore<string, string>).all()) rows.set(key, value.value);
    }
    expect(rows).toEqual(expected);
  });

  // Kafka co-partitions the subscription topic with the right table and the response topic with
  // the left table. The runtime and the test driver give an internal topic the partition count of
  // the sub-topology writing it and have no co-partition groups yet, so a sub-topology reading a
  // table topic and a response topic of different sizes cannot start. Unskip once they do.
  it('joins tables whose topics have different partition counts', async () => {
    const h = await harness(fkTopology({ left: true }), { partitions: { orders: 2, customers: 5, out: 1 } });
    for (let c = 0; c < 5; c++) h.customers.pipeInput(`c${c}`, `name${c}`, 1);
    for (let o = 0; o < 10; o++) h.orders.pipeInput(`o${o}`, `c${o % 5}|item${o}`, 2);
    expect(new Map(h.out())).toEqual(new Map([...Array(10).keys()].map((o) => [`o${o}`, `item${o}@name${o % 5}`])));
  });

  it("names nodes, topics and stores like Kafka's, or after the given name", () => {
    const generated = fkTopology();
    expect([...generated.internalTopics.keys()]).toEqual(['KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000006-topic', 'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-0000000014-topic']);
    expect([...generated.nodes.keys()].slice(4)).toEqual([
      'KTABLE-FK-JOIN-SUBSCRIPTION-REGISTRATION-0000000007',
      'KSTREAM-SINK-0000000008',
      'KSTREAM-SOURCE-0000000009',
      'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000011',
      'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000012',
      'KTABLE-FK-JOIN-SUBSCRIPTION-PROCESSOR-0000000013',
      'KSTREAM-SINK-0000000015',
      'KSTREAM-SOURCE-0000000016',
      'KTABLE-FK-JOIN-SUBSCRIPTION-RESPONSE-RESOLVER-PROCESSOR-0000000017',
      'KTABLE-FK-JOIN-OUTPUT-0000000018',
      'KTABLE-TOSTREAM-0000000020',
      'KSTREAM-SINK-0000000021',
    ]);
    expect([...generated.stores.keys()]).toEqual(['orders-STATE-STORE-0000000001', 'customers-STATE-STORE-0000000004', 'KTABLE-FK-JOIN-SUBSCRIPTION-STATE-STORE-0000000010', 'KTABLE-FK-JOIN-OUTPUT-STATE-STORE-0000000019']);

    const named = fkTopology({ name: 'enrich', materialized: { storeName: 'enriched' } });
    expect([...named.internalTopics.keys()]).toEqual(['enrich-subscription-registration-topic', 'enrich-subscription-response-topic']);
    expect([...named.stores.keys()].slice(2)).toEqual(['enrich-subscription-store', 'enriched']);
    expect([...named.nodes.keys()]).toEqual(expect.arrayContaining(['enrich-subscription-receive', 'enrich-subscription-join-foreign', 'enrich-foreign-join-subscription', 'enrich-subscription-response-resolver', 'enrich-result']));
  });

  it('asks for the serdes its internal topics need, with a typed error', () => {
    const b = new StreamsBuilder();
    const orders = b.table<string, string>('orders', { keySerde: S, valueSerde: S }).mapValues((v) => v.toUpperCase());
    const customers = b.table<string, string>('customers', { keySerde: S, valueSerde: S });
    let error: unknown;
    try {
      orders.joinOnForeignKey(customers, customerOf, enrich);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JoinError);
    expect((error as JoinError).code).toBe('JOIN_SERDE_REQUIRED');
    expect((error as JoinError).message).toMatch(/left table's value serde/);
    const withSerde = b.table<string, string>('orders2', { keySerde: S, valueSerde: S }).mapValues((v) => v.toUpperCase(), { materialized: { valueSerde: S } });
    expect(() => withSerde.joinOnForeignKey(customers, customerOf, enrich)).not.toThrow();
  });
});
