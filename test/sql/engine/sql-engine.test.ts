import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import { SqlEngine, type TopicAdmin } from '../../../sql/engine/sql-engine.js';
import { SqlStatementError } from '../../../sql/catalog/errors.js';

function memoryTopics(initial: Record<string, number>): TopicAdmin & { produced: { topic: string; value: Buffer | null }[] } {
  const topics = new Map(Object.entries(initial));
  const produced: { topic: string; value: Buffer | null }[] = [];
  return {
    produced,
    partitions: (t) => topics.get(t),
    createTopic: async (t, p) => void topics.set(t, p),
    deleteTopic: async (t) => void topics.delete(t),
    produce: async (topic, r) => void produced.push({ topic, value: r.value }),
  };
}

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

function intKey(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
}

describe('SqlEngine', () => {
  it('runs a filter and projection as a persistent query, skipping an undecodable record', async () => {
    const errors: unknown[] = [];
    const engine = new SqlEngine({ topics: memoryTopics({ input: 1 }), onProcessingError: (e) => errors.push(e) });
    await engine.execute(`CREATE STREAM INPUT (ID INT KEY, NAME STRING, V BIGINT) WITH (kafka_topic='input', value_format='JSON');
      CREATE STREAM OUT AS SELECT ID, UCASE(NAME) AS N, V * 2 AS V2 FROM INPUT WHERE V > 1;`);
    const [query] = engine.queries();
    const built = await query!.build();
    const driver = await TopologyTestDriver.create(built.topology, { onDeserializationError: () => 'continue' });
    drivers.push(driver);
    driver.pipe('input', intKey(7), Buffer.from('{"NAME":"a","V":3}'), 1000);
    driver.pipe('input', intKey(7), Buffer.from('not json'), 1500);
    driver.pipe('input', intKey(8), Buffer.from('{"NAME":"b","V":1}'), 2000);
    const out = driver.readRaw('OUT');
    expect(out?.key).toEqual(intKey(7));
    expect(JSON.parse(out!.value!.toString())).toEqual({ N: 'A', V2: 6 });
    expect(driver.readRaw('OUT')).toBeUndefined();
    expect(engine.metaStore.getSource('OUT')?.schema.format()).toBe('ID INTEGER KEY, N STRING, V2 BIGINT');
  });

  it('aggregates in tumbling windows, keyed by the GROUP BY column', async () => {
    const engine = new SqlEngine({ topics: memoryTopics({ input: 1 }) });
    await engine.execute(`CREATE STREAM INPUT (ID INT KEY, NAME STRING, V BIGINT) WITH (kafka_topic='input', value_format='JSON');
      CREATE TABLE CNT AS SELECT NAME, COUNT(*) AS C, SUM(V) AS S FROM INPUT WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY NAME;`);
    const built = await engine.queries()[0]!.build();
    const driver = await TopologyTestDriver.create(built.topology);
    drivers.push(driver);
    driver.pipe('input', intKey(1), Buffer.from('{"NAME":"a","V":3}'), 1000);
    driver.pipe('input', intKey(2), Buffer.from('{"NAME":"a","V":5}'), 3000);
    driver.pipe('input', intKey(3), Buffer.from('{"NAME":"a","V":1}'), 12000);
    const values: unknown[] = [];
    for (let r = driver.readRaw('CNT'); r; r = driver.readRaw('CNT')) values.push(JSON.parse(r.value!.toString()));
    expect(values).toEqual([{ C: 1, S: 3 }, { C: 2, S: 8 }, { C: 1, S: 1 }]);
    expect(engine.metaStore.getSource('CNT')?.window).toEqual({ type: 'TUMBLING', sizeMs: 10000 });
  });

  it('rejects a projection without the key, naming the key column', async () => {
    const engine = new SqlEngine({ topics: memoryTopics({ input: 1 }) });
    await engine.execute(`CREATE STREAM INPUT (ID INT KEY, NAME STRING) WITH (kafka_topic='input', value_format='JSON');`);
    const attempt = engine.execute('CREATE STREAM OUT AS SELECT NAME FROM INPUT;');
    await expect(attempt).rejects.toBeInstanceOf(SqlStatementError);
    await expect(engine.execute('CREATE STREAM OUT AS SELECT NAME FROM INPUT;')).rejects.toThrow('must include the key column ID in its projection');
  });

  it('rejects a GROUP BY with a non-aggregate column and an unknown source', async () => {
    const engine = new SqlEngine({ topics: memoryTopics({ input: 1 }) });
    await engine.execute(`CREATE STREAM INPUT (ID INT KEY, NAME STRING, V INT) WITH (kafka_topic='input', value_format='JSON');`);
    await expect(engine.execute('CREATE TABLE T AS SELECT NAME, V, COUNT(*) FROM INPUT GROUP BY NAME;')).rejects.toThrow('Non-aggregate SELECT expression(s) not part of GROUP BY: V');
    await expect(engine.execute('CREATE STREAM S AS SELECT * FROM MISSING;')).rejects.toMatchObject({ code: 'SQL_UNKNOWN_SOURCE' });
  });

  it('writes INSERT VALUES rows to the topic in the stream value format', async () => {
    const topics = memoryTopics({ input: 1 });
    const engine = new SqlEngine({ topics });
    await engine.execute(`CREATE STREAM INPUT (ID INT KEY, NAME STRING) WITH (kafka_topic='input', value_format='JSON');
      INSERT INTO INPUT (ID, NAME) VALUES (1, 'x');`);
    expect(topics.produced.map((p) => JSON.parse(p.value!.toString()))).toEqual([{ NAME: 'x' }]);
  });
});
