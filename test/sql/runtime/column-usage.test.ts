import { afterEach, describe, expect, it } from 'vitest';
import { TopologyTestDriver } from '../../../engine/test-driver/topology-test-driver.js';
import { SqlEngine, type TopicAdmin } from '../../../sql/engine/sql-engine.js';
import type { SourceStep, Step } from '../../../sql/planner/steps.js';
import { inputsOf } from '../../../sql/planner/steps.js';
import { columnUsage } from '../../../sql/runtime/column-usage.js';

function memoryTopics(): TopicAdmin {
  const topics = new Map<string, number>([['input', 1], ['other', 1]]);
  return {
    partitions: (t) => topics.get(t),
    createTopic: async (t, p) => void topics.set(t, p),
    deleteTopic: async (t) => void topics.delete(t),
    produce: async () => undefined,
  };
}

const DDL = `CREATE STREAM INPUT (ID INT KEY, NAME STRING, V BIGINT, W STRING) WITH (kafka_topic='input', value_format='JSON');
  CREATE TABLE OTHER (ID INT PRIMARY KEY, LABEL STRING) WITH (kafka_topic='other', value_format='JSON');`;

async function engineWith(query: string): Promise<SqlEngine> {
  const engine = new SqlEngine({ topics: memoryTopics() });
  await engine.execute(`${DDL} ${query}`);
  return engine;
}

function sources(step: Step): SourceStep[] {
  if (step.kind === 'StreamSource' || step.kind === 'TableSource') return [step];
  return inputsOf(step).flatMap(sources);
}

/** The names of the source row slots the plan reads. */
async function sourceReads(query: string): Promise<string[][]> {
  const engine = await engineWith(query);
  const plan = engine.queries()[0]!.plan;
  const usage = columnUsage(plan.sink);
  return sources(plan.sink).map((s) => s.schema.value.filter((_, i) => usage.get(s)![i]).map((c) => c.name));
}

const drivers: TopologyTestDriver[] = [];
afterEach(async () => {
  for (const d of drivers.splice(0)) await d.close();
});

const intKey = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

describe('column usage', () => {
  it('reads the value columns a projection names, and no pseudo columns unless named', async () => {
    // The key column is the record key: its copy in the row is read only where an expression names it.
    expect(await sourceReads('CREATE STREAM OUT AS SELECT ID, V * 2 AS V2 FROM INPUT WHERE NAME = \'a\';')).toEqual([['NAME', 'V']]);
    expect(await sourceReads('CREATE STREAM OUT AS SELECT ID, ROWOFFSET AS O, ROWTIME AS T FROM INPUT;')).toEqual([['ROWTIME', 'ROWOFFSET']]);
    expect(await sourceReads('CREATE STREAM OUT AS SELECT * FROM INPUT;')).toEqual([['NAME', 'V', 'W']]);
    expect(await sourceReads('CREATE STREAM OUT AS SELECT ID, ABS(ID) AS A, ROWPARTITION AS P FROM INPUT;')).toEqual([['ROWPARTITION', 'ID']]);
  });

  it('reads what aggregate functions and GROUP BY expressions name', async () => {
    expect(await sourceReads('CREATE TABLE OUT AS SELECT NAME, SUM(V) AS S FROM INPUT GROUP BY NAME;')).toEqual([['NAME', 'V']]);
    expect(await sourceReads('CREATE TABLE OUT AS SELECT ID, COUNT(*) AS C FROM INPUT GROUP BY ID;')).toEqual([[]]);
  });

  it('reads through joins what the projection and the join criteria name on each side', async () => {
    expect(await sourceReads('CREATE STREAM OUT AS SELECT I.ID, I.V, O.LABEL FROM INPUT I JOIN OTHER O ON I.ID = O.ID;')).toEqual([['V'], ['LABEL']]);
    expect(await sourceReads('CREATE STREAM OUT AS SELECT O.ID, I.NAME, O.LABEL FROM INPUT I JOIN OTHER O ON CAST(I.V AS INT) = O.ID;')).toEqual([['NAME', 'V'], ['LABEL']]);
  });

  it('computes pseudo columns that are read, and leaves the others out of repartitions', async () => {
    const engine = await engineWith('CREATE TABLE OUT AS SELECT NAME, COUNT(*) AS C, MAX(ROWOFFSET) AS O, COLLECT_LIST(V) AS VS FROM INPUT GROUP BY NAME;');
    const driver = await TopologyTestDriver.create((await engine.queries()[0]!.build()).topology);
    drivers.push(driver);
    driver.pipe('input', intKey(1), Buffer.from('{"NAME":"a","V":3,"W":"unused"}'), 1000);
    driver.pipe('input', intKey(2), Buffer.from('{"NAME":"a","V":5,"W":"unused"}'), 2000);
    const values: unknown[] = [];
    for (let r = driver.readRaw('OUT'); r; r = driver.readRaw('OUT')) values.push(JSON.parse(r.value!.toString()));
    expect(values.at(-1)).toEqual({ C: 2, O: 1, VS: [3, 5] });
  });

  it('re-keys a stream for a join with the columns read after it', async () => {
    const engine = await engineWith('CREATE STREAM OUT AS SELECT O.ID, I.NAME, O.LABEL, I.ROWOFFSET AS OFF FROM INPUT I JOIN OTHER O ON CAST(I.V AS INT) = O.ID;');
    const driver = await TopologyTestDriver.create((await engine.queries()[0]!.build()).topology);
    drivers.push(driver);
    driver.pipe('other', intKey(5), Buffer.from('{"LABEL":"five"}'), 500);
    driver.pipe('input', intKey(1), Buffer.from('{"NAME":"a","V":5,"W":"unused"}'), 1000);
    driver.pipe('input', intKey(2), Buffer.from('{"NAME":"b","V":5,"W":"unused"}'), 2000);
    const values: unknown[] = [];
    for (let r = driver.readRaw('OUT'); r; r = driver.readRaw('OUT')) values.push(JSON.parse(r.value!.toString()));
    expect(values).toEqual([
      { NAME: 'a', LABEL: 'five', OFF: 0 },
      { NAME: 'b', LABEL: 'five', OFF: 1 },
    ]);
  });
});
