/**
 * Key-lookup pull queries answered from a plan per statement shape: every statement of a known
 * shape must get the answer a fresh parse and plan would give, and see rows written before it.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { KsqlServer, type QueryEvents, type ResultColumn } from '../../../server/ksql/ksql-server.js';
import { tempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
let broker: Broker;
let ksql: KsqlServer;

beforeAll(async () => {
  tmp = tempDir();
  broker = await Broker.open({ dataDir: tmp.dir, logger: silentLogger });
  ksql = await KsqlServer.open({ client: broker.client(), dataDir: tmp.dir, logger: silentLogger });
});

afterAll(async () => {
  await ksql?.close();
  await broker?.close();
  tmp?.cleanup();
});

interface Answer {
  columns: string[];
  rows: unknown[][];
}

/** A pull query's answer through onHeader/onRow/onEnd, or through onResult when `whole`. */
function pull(sql: string, options: { whole?: boolean; sessionVariables?: Record<string, string> } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const answer: Answer = { columns: [], rows: [] };
    const events: QueryEvents = {
      onHeader: (_id, columns) => (answer.columns = columns.map((c) => c.name)),
      onRow: (row) => void answer.rows.push(row),
      onEnd: (_message, error) => (error === undefined ? resolve(answer) : reject(error as Error)),
    };
    if (options.whole) {
      events.onResult = (_id: string, columns: readonly ResultColumn[], rows: readonly unknown[][]) => resolve({ columns: columns.map((c) => c.name), rows: [...rows] });
    }
    ksql.startQuery(sql, options.sessionVariables ? { sessionVariables: options.sessionVariables } : {}, events).catch(reject);
  });
}

async function rows(sql: string, options?: { whole?: boolean; sessionVariables?: Record<string, string> }): Promise<unknown[][]> {
  return (await pull(sql, options)).rows;
}

describe('key-lookup pull queries', () => {
  it('answers each statement of one shape with its own key, and sees rows inserted just before', async () => {
    await ksql.execute("CREATE TABLE users (id STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='users', partitions=2, value_format='json');");
    await ksql.execute(Array.from({ length: 20 }, (_, i) => `INSERT INTO users (id, v) VALUES ('k${i}', ${i});`).join(' '));
    // Only the first statement of the shape is planned (its keys made by the engine); the others use its plan.
    const keyBytes = vi.spyOn(ksql.engine, 'keyBytes');
    for (let i = 0; i < 20; i++) expect(await rows(`SELECT * FROM users WHERE id = 'k${i}';`)).toEqual([[`k${i}`, i]]);
    expect(keyBytes).toHaveBeenCalledTimes(1);
    keyBytes.mockRestore();
    // Read-your-writes without waiting: each lookup right after its insert.
    for (let i = 20; i < 40; i++) {
      await ksql.execute(`INSERT INTO users (id, v) VALUES ('k${i}', ${i});`);
      expect(await rows(`SELECT * FROM users WHERE id = 'k${i}';`, { whole: i % 2 === 0 })).toEqual([[`k${i}`, i]]);
    }
    await ksql.execute("INSERT INTO users (id, v) VALUES ('k3', 300);");
    expect(await rows("SELECT * FROM users WHERE id = 'k3';")).toEqual([['k3', 300]]);
    expect(await rows("SELECT * FROM users WHERE id = 'nobody';")).toEqual([]);
    await ksql.execute("INSERT INTO users (id, v) VALUES ('it''s', 7);");
    expect(await rows("SELECT * FROM users WHERE id = 'it''s';")).toEqual([["it's", 7]]);
    // Other spellings of the same query, and variables, which are substituted before any shape.
    expect(await rows("select V from USERS u where u.ID='k5'")).toEqual([[5]]);
    expect(await rows("select V from USERS u where u.ID='k6'")).toEqual([[6]]);
    expect(await rows("SELECT * FROM users WHERE id = '${who}';", { sessionVariables: { who: 'k7' } })).toEqual([['k7', 7]]);
  });

  it('puts the literals that are no key where they stand, and reads IN lists in their order', async () => {
    expect(await pull("SELECT v, 'a' AS c FROM users WHERE id = 'k1';")).toEqual({ columns: ['V', 'C'], rows: [[1, 'a']] });
    expect(await pull("SELECT v, 'b' AS c FROM users WHERE id = 'k2';")).toEqual({ columns: ['V', 'C'], rows: [[2, 'b']] });
    expect(await rows('SELECT v + 1 AS w FROM users WHERE id = \'k1\';')).toEqual([[2]]);
    expect(await rows('SELECT v + 10 AS w FROM users WHERE id = \'k1\';')).toEqual([[11]]);
    expect(await rows("SELECT * FROM users WHERE id IN ('k1', 'k2');")).toEqual([
      ['k1', 1],
      ['k2', 2],
    ]);
    expect(await rows("SELECT * FROM users WHERE id IN ('k9', 'k1', 'none', 'k9');")).toEqual([
      ['k9', 9],
      ['k1', 1],
    ]);
  });

  it('looks up INT and BIGINT keys, small and large', async () => {
    await ksql.execute("CREATE TABLE ints (id INT PRIMARY KEY, v STRING) WITH (kafka_topic='ints', partitions=1, value_format='json');");
    await ksql.execute("CREATE TABLE longs (id BIGINT PRIMARY KEY, v STRING) WITH (kafka_topic='longs', partitions=3, value_format='json');");
    await ksql.execute(
      "INSERT INTO ints (id, v) VALUES (1, 'one'); INSERT INTO ints (id, v) VALUES (2147483647, 'max');" +
        "INSERT INTO longs (id, v) VALUES (5, 'five'); INSERT INTO longs (id, v) VALUES (3000000000, 'big'); INSERT INTO longs (id, v) VALUES (7, 'seven');",
    );
    expect(await rows('SELECT v FROM ints WHERE id = 1;')).toEqual([['one']]);
    expect(await rows('SELECT v FROM ints WHERE id = 2147483647;')).toEqual([['max']]);
    expect(await rows('SELECT v FROM ints WHERE id = 2;')).toEqual([]);
    expect(await rows('SELECT v FROM longs WHERE id = 5;')).toEqual([['five']]);
    expect(await rows('SELECT v FROM longs WHERE id = 3000000000;')).toEqual([['big']]);
    expect(await rows('SELECT v FROM longs WHERE id = 7;')).toEqual([['seven']]);
  });

  it('answers from the new table after one of the same name replaces the old', async () => {
    expect(await rows("SELECT * FROM users WHERE id = 'k4';")).toEqual([['k4', 4]]);
    await ksql.execute('DROP TABLE users;');
    await expect(rows("SELECT * FROM users WHERE id = 'k4';")).rejects.toThrow(/USERS does not exist/);
    await ksql.execute("CREATE TABLE users (id STRING PRIMARY KEY, v BIGINT) WITH (kafka_topic='users2', partitions=1, value_format='json');");
    await ksql.execute("INSERT INTO users (id, v) VALUES ('k4', 44);");
    expect(await rows("SELECT * FROM users WHERE id = 'k4';")).toEqual([['k4', 44]]);
    expect(await rows("SELECT * FROM users WHERE id = 'k5';")).toEqual([]);
  });
});
