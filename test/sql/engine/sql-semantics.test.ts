/**
 * ksqlDB's rules as the engine applies them end to end (statements, then records through the
 * query's topology): naming of join, PARTITION BY and key columns; type errors; timestamps of
 * sink records; failures that stop a query.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import { SqlEngine, type TopicAdmin } from '../../../sql/engine/sql-engine.js';

function memoryTopics(): TopicAdmin {
  const topics = new Map<string, number>();
  return {
    // Every source topic exists, with one partition.
    partitions: (t) => topics.get(t) ?? 1,
    createTopic: async (t, p) => void topics.set(t, p),
    deleteTopic: async (t) => void topics.delete(t),
    produce: async () => undefined,
  };
}

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

function engine(properties: Record<string, string> = {}): SqlEngine {
  return new SqlEngine({ topics: memoryTopics(), properties });
}

/** Runs the statements, then starts the last query in a test driver. */
async function start(sql: string, properties: Record<string, string> = {}): Promise<{ e: SqlEngine; driver: TopologyTestDriver }> {
  const e = engine(properties);
  await e.execute(sql);
  const queries = e.queries();
  const built = await queries[queries.length - 1]!.build();
  const driver = await TopologyTestDriver.create(built.topology);
  drivers.push(driver);
  return { e, driver };
}

const json = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));
const bigintKey = (n: number): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(n));
  return b;
};

function read(driver: TopologyTestDriver, topic: string): { key: Buffer | null; value: unknown; timestamp: number }[] {
  const out: { key: Buffer | null; value: unknown; timestamp: number }[] = [];
  for (let r = driver.readRaw(topic); r; r = driver.readRaw(topic)) out.push({ key: r.key, value: r.value === null ? null : JSON.parse(r.value.toString()), timestamp: r.timestamp });
  return out;
}

describe('join and key column names', () => {
  it("keys a join by the left source's column when both sides of the criteria are projected", async () => {
    const e = engine();
    await e.execute(`CREATE STREAM A (ID BIGINT KEY, NAME STRING) WITH (kafka_topic='a', value_format='JSON');
      CREATE STREAM B (ID BIGINT KEY, F1 STRING) WITH (kafka_topic='b', value_format='JSON');
      CREATE STREAM J AS SELECT b.*, a.name, a.id FROM A a JOIN B b WITHIN 10 SECONDS ON b.id = a.id;`);
    expect(e.metaStore.getSource('J')?.schema.format()).toBe('A_ID BIGINT KEY, B_ID BIGINT, B_F1 STRING, NAME STRING');
  });

  it('lists the pseudo columns of joined sources in `*` once the row is re-keyed by PARTITION BY', async () => {
    const e = engine();
    await e.execute(`CREATE STREAM L (A INT KEY, B INT, C INT) WITH (kafka_topic='l', value_format='JSON');
      CREATE STREAM R (X INT KEY, Y INT) WITH (kafka_topic='r', value_format='JSON');
      CREATE STREAM O AS SELECT * FROM L JOIN R WITHIN 10 SECONDS ON L.A = R.X PARTITION BY L.B;`);
    expect(e.metaStore.getSource('O')?.schema.format()).toBe(
      'L_B INTEGER KEY, L_C INTEGER, L_ROWTIME BIGINT, L_ROWPARTITION INTEGER, L_ROWOFFSET BIGINT, L_A INTEGER, R_Y INTEGER, R_ROWTIME BIGINT, R_ROWPARTITION INTEGER, R_ROWOFFSET BIGINT, R_X INTEGER',
    );
  });

  it('names a key made by PARTITION BY a pseudo column after it', async () => {
    const e = engine();
    await e.execute(`CREATE STREAM S (ID INT KEY, V INT) WITH (kafka_topic='s', format='JSON');
      CREATE STREAM O1 AS SELECT * FROM S PARTITION BY ROWOFFSET;
      CREATE STREAM O2 AS SELECT * FROM S PARTITION BY ID, ROWTIME;`);
    expect(e.metaStore.getSource('O1')?.schema.format()).toBe('ROWOFFSET BIGINT KEY, V INTEGER, ID INTEGER');
    expect(e.metaStore.getSource('O2')?.schema.format()).toBe('ID INTEGER KEY, ROWTIME BIGINT KEY, V INTEGER');
  });

  it('with the new query planner, keys a projection by the key columns it lists, in its order', async () => {
    const props = { 'ksql.new.query.planner.enabled': 'true' };
    const e = engine(props);
    await e.execute(`CREATE STREAM S (ID INT KEY, AGE INT KEY, NAME STRING) WITH (kafka_topic='s', format='JSON');
      CREATE STREAM O1 AS SELECT AGE, ID, NAME FROM S;
      CREATE STREAM O2 AS SELECT NAME FROM S;`);
    expect(e.metaStore.getSource('O1')?.schema.format()).toBe('AGE INTEGER KEY, ID INTEGER KEY, NAME STRING');
    expect(e.metaStore.getSource('O2')?.schema.format()).toBe('NAME STRING');
    await expect(engine().execute(`CREATE STREAM S (ID INT KEY, NAME STRING) WITH (kafka_topic='s', value_format='JSON'); CREATE STREAM O AS SELECT NAME FROM S;`)).rejects.toThrow(
      'must include the key column ID',
    );
  });
});

describe('windowed joins', () => {
  it('rejects joining windows of different sizes in a format without a schema registry', async () => {
    await expect(
      engine().execute(`CREATE STREAM S1 (ID INT KEY, V BIGINT) WITH (kafka_topic='l', value_format='JSON', WINDOW_TYPE='Hopping', WINDOW_SIZE='5 SECONDS');
        CREATE STREAM S2 (ID INT KEY, V BIGINT) WITH (kafka_topic='r', value_format='JSON', WINDOW_TYPE='Tumbling', WINDOW_SIZE='2 SECONDS');
        CREATE STREAM O AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.ID = S2.ID;`),
    ).rejects.toThrow('Implicit repartitioning of windowed sources is not supported.');
  });

  it('lists window bounds of windowed sources in `*`', async () => {
    const e = engine();
    await e.execute(`CREATE STREAM S1 (ID INT KEY, V BIGINT) WITH (kafka_topic='l', value_format='JSON', WINDOW_TYPE='Tumbling', WINDOW_SIZE='5 SECONDS');
      CREATE STREAM S2 (ID INT KEY, W BIGINT) WITH (kafka_topic='r', value_format='JSON', WINDOW_TYPE='Tumbling', WINDOW_SIZE='5 SECONDS');
      CREATE STREAM O AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.ID = S2.ID;`);
    expect(e.metaStore.getSource('O')?.schema.format()).toBe('S1_ID INTEGER KEY, S1_WINDOWSTART BIGINT, S1_WINDOWEND BIGINT, S1_V BIGINT, S2_ID INTEGER, S2_WINDOWSTART BIGINT, S2_WINDOWEND BIGINT, S2_W BIGINT');
  });
});

describe('type errors', () => {
  it('rejects comparing a number with a string, and says in which clause', async () => {
    const e = engine();
    await e.execute(`CREATE STREAM S (K BIGINT KEY, ID BIGINT, V BIGINT) WITH (kafka_topic='s', value_format='JSON');`);
    await expect(e.execute(`CREATE STREAM O AS SELECT * FROM S WHERE ID >= '10';`)).rejects.toThrow("Error in WHERE expression: Cannot compare ID (BIGINT) to '10' (STRING) with GREATER_THAN_OR_EQUAL.");
    await expect(e.execute(`CREATE TABLE T AS SELECT ID, SUM(V) AS S FROM S GROUP BY ID HAVING SUM(V) > '100';`)).rejects.toThrow(
      "Error in HAVING expression: Cannot compare SUM(V) (BIGINT) to '100' (STRING) with GREATER_THAN.",
    );
    await expect(e.execute(`CREATE STREAM O AS SELECT * FROM S WHERE TRUE + 1.5;`)).rejects.toThrow('Error processing expression: (true + 1.5).');
  });

  it('reads date-time text against ROWTIME in comparisons and BETWEEN', async () => {
    const { driver } = await start(`CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', value_format='JSON');
      CREATE STREAM O AS SELECT K, V FROM S WHERE ROWTIME BETWEEN '2018-01-01T00:00:00.001' AND '2018-01-01T00:00:01';`);
    for (const [v, ts] of [[1, 1514764800000], [2, 1514764800001], [3, 1514764801000], [4, 1514764801001]] as const) driver.pipe('s', Buffer.from('k'), json({ V: v }), ts);
    expect(read(driver, 'O').map((r) => r.value)).toEqual([{ V: 2 }, { V: 3 }]);
  });
});

describe('expressions', () => {
  it('fails a whole expression whose lambda computes on a NULL (NULL result), where elsewhere NULL propagates', async () => {
    const { driver } = await start(`CREATE STREAM S (K STRING KEY, M MAP<STRING, INT>, A INT) WITH (kafka_topic='s', value_format='JSON');
      CREATE STREAM O AS SELECT K, FILTER(M, (x, y) => y % 5 = 0) AS F, A + 1 AS B FROM S;`);
    driver.pipe('s', Buffer.from('k'), json({ M: { a: 10, b: 7 }, A: 1 }), 0);
    driver.pipe('s', Buffer.from('k'), json({ M: { a: null, b: 10 }, A: null }), 0);
    expect(read(driver, 'O').map((r) => r.value)).toEqual([
      { F: { a: 10 }, B: 2 },
      { F: null, B: null },
    ]);
  });

  it('keeps a NULL map key from MAP()', async () => {
    const { driver } = await start(`CREATE STREAM S (K STRING KEY, K1 STRING, V INT) WITH (kafka_topic='s', value_format='JSON');
      CREATE STREAM O AS SELECT K, MAP(K1 := V, CAST(NULL AS STRING) := V) AS M FROM S;`);
    driver.pipe('s', Buffer.from('k'), json({ K1: 'foo', V: 10 }), 0);
    expect(read(driver, 'O').map((r) => r.value)).toEqual([{ M: { foo: 10, null: 10 } }]);
  });
});

describe('sink timestamps', () => {
  it('takes the output timestamp from the TIMESTAMP column (value or key) and drops records without a valid one', async () => {
    const { driver } = await start(`CREATE STREAM S (K BIGINT KEY, ID BIGINT) WITH (kafka_topic='s', value_format='JSON');
      CREATE STREAM O WITH (timestamp='K') AS SELECT * FROM S;`);
    driver.pipe('s', bigintKey(1), json({ ID: 100 }), 1000);
    driver.pipe('s', bigintKey(-2), json({ ID: 200 }), 1000);
    driver.pipe('s', bigintKey(3), json({ ID: 300 }), 1000);
    expect(read(driver, 'O').map((r) => [r.value, r.timestamp])).toEqual([
      [{ ID: 100 }, 1],
      [{ ID: 300 }, 3],
    ]);
  });

  it('fails the query on an unparseable TIMESTAMP under ksql.timestamp.throw.on.invalid', async () => {
    const { driver } = await start(
      `CREATE STREAM S (K STRING KEY, ID BIGINT, TS STRING) WITH (kafka_topic='s', value_format='JSON', timestamp='ts', timestamp_format='yyyy-MM-dd');
      CREATE STREAM O AS SELECT K, ID FROM S;`,
      { 'ksql.timestamp.throw.on.invalid': 'true' },
    );
    expect(() => driver.pipe('s', Buffer.from('k'), json({ ID: 1, TS: '!!!' }), 0)).toThrow('unparseable');
  });
});

describe('aggregations', () => {
  it('fails the query when a DECIMAL SUM overflows its type, rather than skip the record', async () => {
    const { driver } = await start(`CREATE STREAM S (ID BIGINT KEY, V DECIMAL(4, 1)) WITH (kafka_topic='s', value_format='JSON');
      CREATE TABLE T AS SELECT ID, SUM(V) AS TOTAL FROM S GROUP BY ID;`);
    driver.pipe('s', bigintKey(1), json({ V: 500.9 }), 0);
    expect(() => driver.pipe('s', bigintKey(1), json({ V: 600.1 }), 0)).toThrow('Numeric field overflow');
  });

  it('rejects a function whose intermediate state the value format cannot hold', async () => {
    const e = engine();
    await e.execute(`CREATE STREAM S (ID STRING KEY, V INT) WITH (kafka_topic='s', value_format='DELIMITED');`);
    await expect(e.execute('CREATE TABLE T AS SELECT ID, AVG(V) AS A FROM S GROUP BY ID;')).rejects.toThrow('has an intermediate type that the value format can not handle');
    await expect(e.execute('CREATE TABLE T AS SELECT ID, SUM(V) AS A FROM S GROUP BY ID;')).resolves.toBeDefined();
  });
});

describe('formats', () => {
  it('applies ksql.persistence.wrap.single.values only to values of one column', async () => {
    const e = engine({ 'ksql.persistence.wrap.single.values': 'false' });
    await e.execute(`CREATE STREAM S (K STRING KEY, FOO STRING) WITH (kafka_topic='s', value_format='JSON');
      CREATE STREAM O AS SELECT K, FOO, FOO AS FOO2 FROM S;`);
    expect(e.metaStore.getSource('S')?.valueFormat.wrapSingleValue).toBe(false);
    expect(e.metaStore.getSource('O')?.valueFormat.wrapSingleValue).toBeUndefined();
  });
});
