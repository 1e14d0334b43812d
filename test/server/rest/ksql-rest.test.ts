import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http2 from 'node:http2';
import WebSocket from 'ws';
import net from 'node:net';
import { start, type Running } from '../../../server/cli/start.js';
import { COMMAND_TOPIC } from '../../../server/ksql/command-log.js';
import { tempDir } from '../../helpers/tmp.js';

const JSON_V1 = 'application/vnd.ksql.v1+json';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- ksqlDB's JSON entities, asserted field by field
type Json = any;

let running: Running;
let base: string;
let tmp: { dir: string; cleanup: () => void };

async function ksql(sql: string, streamsProperties: Record<string, unknown> = {}): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}/ksql`, { method: 'POST', headers: { 'content-type': JSON_V1, accept: JSON_V1 }, body: JSON.stringify({ ksql: sql, streamsProperties }) });
  return { status: res.status, body: await res.json() };
}

async function ok(sql: string): Promise<Json[]> {
  const { status, body } = await ksql(sql);
  if (status !== 200) throw new Error(`${sql} -> ${status} ${JSON.stringify(body)}`);
  return body as Json[];
}

/** A /query-stream request read line by line: the metadata, then rows. */
async function queryStream(sql: string, properties: Record<string, unknown> = {}, signal?: AbortSignal) {
  const res = await fetch(`${base}/query-stream`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sql, properties }), ...(signal ? { signal } : {}) });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const lines: unknown[] = [];
  const waiters: (() => void)[] = [];
  let done = false;
  void (async () => {
    try {
      for (;;) {
        const { value, done: end } = await reader.read();
        if (end) break;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim()) lines.push(JSON.parse(line));
        }
        waiters.splice(0).forEach((w) => w());
      }
    } catch {
      // aborted
    }
    done = true;
    waiters.splice(0).forEach((w) => w());
  })();
  return {
    status: res.status,
    lines,
    get done() {
      return done;
    },
    async waitFor(n: number, timeoutMs = 20_000): Promise<unknown[]> {
      const deadline = Date.now() + timeoutMs;
      while (lines.length < n && !done) {
        if (Date.now() > deadline) throw new Error(`waited for ${n} lines, have ${JSON.stringify(lines)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
      return lines;
    },
  };
}

async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (check(v)) return v;
    if (Date.now() > deadline) throw new Error(`condition not met; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function pull(sql: string): Promise<{ status: number; body: Json }> {
  const res = await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': JSON_V1 }, body: JSON.stringify({ ksql: sql, streamsProperties: {} }) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  tmp = tempDir();
  running = await start({ dataDir: tmp.dir, host: '127.0.0.1', kafkaPort: 0, httpPort: 0 });
  base = `http://127.0.0.1:${running.http.port}`;
});

afterAll(async () => {
  await running?.stop();
  tmp?.cleanup();
});

describe('REST API', () => {
  it('answers /info and /healthcheck like ksqlDB', async () => {
    const info = (await (await fetch(`${base}/info`)).json()) as Json;
    expect(info.KsqlServerInfo.serverStatus).toBe('RUNNING');
    expect(info.KsqlServerInfo.ksqlServiceId).toBe('default_');
    const health = (await (await fetch(`${base}/healthcheck`)).json()) as Json;
    expect(health.isHealthy).toBe(true);
  });

  it('runs DDL and answers with currentStatus entities', async () => {
    const [created] = await ok("CREATE STREAM pageviews (user_id STRING KEY, page STRING, ms BIGINT) WITH (kafka_topic='pageviews', partitions=2, value_format='json');");
    expect(created['@type']).toBe('currentStatus');
    expect(created.commandStatus).toMatchObject({ status: 'SUCCESS', message: 'Stream created' });
    expect(created.commandId).toBe('stream/`PAGEVIEWS`/create');
    const status = await fetch(`${base}/status/${encodeURIComponent(created.commandId)}`);
    expect(await status.json()).toEqual({ status: 'SUCCESS', message: 'Stream created', queryId: null });
    expect((await fetch(`${base}/status/${encodeURIComponent('stream/`NOPE`/create')}`)).status).toBe(404);
    const [streams] = await ok('SHOW STREAMS;');
    expect(streams['@type']).toBe('streams');
    expect(streams.streams).toContainEqual({ type: 'STREAM', name: 'PAGEVIEWS', topic: 'pageviews', keyFormat: 'KAFKA', valueFormat: 'JSON', isWindowed: false });
    const [described] = await ok('DESCRIBE pageviews;');
    expect(described.sourceDescription.fields.map((f: Json) => [f.name, f.schema.type, f.type ?? null])).toEqual([
      ['USER_ID', 'STRING', 'KEY'],
      ['PAGE', 'STRING', null],
      ['MS', 'BIGINT', null],
    ]);
  });

  it('rejects a bad statement with a statement_error naming the problem', async () => {
    const { status, body } = await ksql('CREATE STREAM broken (a INT) WITH (kafka_topic=\'nope\');');
    expect(status).toBe(400);
    expect(body['@type']).toBe('statement_error');
    expect(body.error_code).toBe(40001);
    expect(body.message).toContain('VALUE_FORMAT');
    const parse = await ksql('SELEKT * FROM x;');
    expect(parse.status).toBe(400);
    expect(parse.body.message).toMatch(/line 1:1/);
    const select = await ksql('SELECT * FROM pageviews;');
    expect(select.body.error_code).toBe(40002);
  });

  it('keeps the entities made before a failing statement in the error', async () => {
    const { status, body } = await ksql("CREATE TYPE addr AS STRUCT<street STRING>; DROP STREAM no_such_stream;");
    expect(status).toBe(400);
    expect(body.entities).toHaveLength(1);
    expect(body.entities[0].commandStatus.message).toContain("Registered custom type with name 'ADDR'");
    const [types] = await ok('SHOW TYPES;');
    expect(types.types.ADDR).toEqual({ type: 'STRUCT', fields: [{ name: 'STREET', schema: { type: 'STRING', fields: null, memberSchema: null } }], memberSchema: null });
  });

  it('runs persistent queries and answers pull queries on their tables', async () => {
    await ok(
      "INSERT INTO pageviews (user_id, page, ms) VALUES ('alice', 'home', 1); INSERT INTO pageviews (user_id, page, ms) VALUES ('bob', 'home', 2); INSERT INTO pageviews (user_id, page, ms) VALUES ('alice', 'cart', 3);",
    );
    const [status] = await ok('CREATE TABLE views_per_user AS SELECT user_id, COUNT(*) AS views, MAX(ms) AS last_ms FROM pageviews GROUP BY user_id EMIT CHANGES;');
    expect(status.commandStatus.queryId).toMatch(/^CTAS_VIEWS_PER_USER_\d+$/);
    const result = await eventually(
      () => pull('SELECT * FROM views_per_user;'),
      (r) => r.status === 200 && r.body.length === 3 && r.body.some((x: Json) => x.row?.columns[0] === 'alice' && x.row.columns[1] === 2),
    );
    expect(result.body[0].header.schema).toBe('`USER_ID` STRING KEY, `VIEWS` BIGINT, `LAST_MS` BIGINT');
    // A table scan answers partition by partition (its rows' order within one is by key).
    expect(result.body.slice(1).map((r: Json) => r.row.columns)).toEqual(
      expect.arrayContaining([
        ['alice', 2, 3],
        ['bob', 1, 2],
      ]),
    );
    const one = await pull("SELECT views FROM views_per_user WHERE user_id = 'bob';");
    expect(one.body.slice(1).map((r: Json) => r.row.columns)).toEqual([[1]]);
    const some = await pull("SELECT * FROM views_per_user WHERE user_id IN ('bob', 'nobody', 'alice') AND views > 1;");
    expect(some.body.slice(1).map((r: Json) => r.row.columns)).toEqual([['alice', 2, 3]]);
    const [queries] = await ok('SHOW QUERIES;');
    expect(queries.queries.find((q: Json) => q.id === status.commandStatus.queryId)).toMatchObject({ sinks: ['VIEWS_PER_USER'], queryType: 'PERSISTENT', state: 'RUNNING' });
    const [explained] = await ok(`EXPLAIN ${status.commandStatus.queryId};`);
    expect(explained.queryDescription.sources).toEqual(['PAGEVIEWS']);
    expect(explained.queryDescription.topology).toContain('Sub-topology');
  });

  it('answers key lookups in ksqlDB\'s three formats, as one body with its length', async () => {
    const post = async (path: string, body: unknown, accept?: string) => {
      const res = await fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) }, body: JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('content-length'), text };
    };
    // The first lookup of a shape is planned, the later ones use its plan: the answers are the same but for the key.
    for (const [user, views] of [['bob', 1], ['alice', 2], ['bob', 1], ['nobody', undefined]] as const) {
      const sql = `SELECT user_id, views FROM views_per_user WHERE user_id = '${user}';`;
      const row = views === undefined ? '' : `["${user}",${views}]`;
      const delimited = await post('/query-stream', { sql, properties: {} });
      expect(delimited.status).toBe(200);
      expect(delimited.type).toBe('application/vnd.ksqlapi.delimited.v1');
      expect(Number(delimited.length)).toBe(Buffer.byteLength(delimited.text));
      const queryId = (JSON.parse(delimited.text.split('\n')[0]!) as { queryId: string }).queryId;
      expect(queryId).toMatch(/^query_VIEWS_PER_USER_\d+$/);
      const meta = `{"queryId":"${queryId}","columnNames":["USER_ID","VIEWS"],"columnTypes":["STRING","BIGINT"]}`;
      expect(delimited.text).toBe(`${meta}\n${row === '' ? '' : `${row}\n`}`);

      const json = await post('/query-stream', { sql }, 'application/json');
      expect(json.type).toBe('application/json');
      expect(json.text).toMatch(new RegExp(`^\\[\\{"queryId":"query_VIEWS_PER_USER_\\d+","columnNames":\\["USER_ID","VIEWS"\\],"columnTypes":\\["STRING","BIGINT"\\]\\}${row === '' ? '' : `,${row.replace(/[[\]]/g, '\\$&')}`}\\]\\n$`));

      const v1 = await post('/query', { ksql: sql, streamsProperties: {} });
      expect(v1.type).toBe('application/vnd.ksql.v1+json');
      expect(v1.text).toMatch(
        new RegExp(`^\\[\\{"header":\\{"queryId":"query_VIEWS_PER_USER_\\d+","schema":"\`USER_ID\` STRING KEY, \`VIEWS\` BIGINT"\\}\\}${row === '' ? '' : `,\\n\\{"row":\\{"columns":${row.replace(/[[\]]/g, '\\$&')}\\}\\}`}\\]\\n$`),
      );
    }
  });

  it('answers pull queries on streams with a bounded scan', async () => {
    const q = await queryStream("SELECT page, ms FROM pageviews WHERE user_id = 'alice';");
    const lines = await q.waitFor(3);
    expect(lines[0]).toMatchObject({ columnNames: ['PAGE', 'MS'], columnTypes: ['STRING', 'BIGINT'] });
    expect(lines.slice(1)).toEqual([
      ['home', 1],
      ['cart', 3],
    ]);
    await eventually(async () => q.done, (d) => d);
  });

  it('streams push queries from earliest with LIMIT, and from latest as rows arrive', async () => {
    const limited = await queryStream('SELECT user_id, page FROM pageviews EMIT CHANGES LIMIT 2;', { 'auto.offset.reset': 'earliest' });
    const rows = await limited.waitFor(3);
    expect(rows.slice(1)).toHaveLength(2);
    await eventually(async () => limited.done, (d) => d);

    const abort = new AbortController();
    const live = await queryStream("SELECT page FROM pageviews WHERE page = 'checkout' EMIT CHANGES;", {}, abort.signal);
    const [meta] = await live.waitFor(1);
    const queryId = (meta as { queryId: string }).queryId;
    await ok("INSERT INTO pageviews (user_id, page, ms) VALUES ('carol', 'checkout', 4);");
    expect((await live.waitFor(2))[1]).toEqual(['checkout']);
    const closed = await fetch(`${base}/close-query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ queryId }) });
    expect(closed.status).toBe(200);
    await eventually(async () => live.done, (d) => d);
    abort.abort();
  });

  it('runs push queries that aggregate as transient apps', async () => {
    const q = await queryStream('SELECT page, COUNT(*) AS n FROM pageviews GROUP BY page EMIT CHANGES LIMIT 1;', { 'auto.offset.reset': 'earliest' });
    const lines = await q.waitFor(2, 30_000);
    expect(lines[0]).toMatchObject({ columnNames: ['PAGE', 'N'] });
    expect((lines[1] as unknown[])[0]).toEqual(expect.any(String));
  });

  it('serves 200 concurrent push queries on one stream', async () => {
    const aborts = Array.from({ length: 200 }, () => new AbortController());
    const queries = await Promise.all(aborts.map((a, i) => queryStream(`SELECT page, ${i} AS n FROM pageviews WHERE page = 'pay' EMIT CHANGES;`, {}, a.signal)));
    await Promise.all(queries.map((q) => q.waitFor(1)));
    await ok("INSERT INTO pageviews (user_id, page, ms) VALUES ('dave', 'pay', 5);");
    const all = await Promise.all(queries.map((q) => q.waitFor(2)));
    all.forEach((lines, i) => expect(lines[1]).toEqual(['pay', i]));
    aborts.forEach((a) => a.abort());
    // Clients that go away end their queries.
    await eventually(async () => running.ksql.transientQueries().length, (n) => n === 0);
  });

  it('closes a push query whose client stops reading, instead of buffering without bound', async () => {
    await ok("CREATE STREAM blobs (id INT KEY, body STRING) WITH (kafka_topic='blobs', partitions=1, value_format='json');");
    // A client that sends its request and then never reads the response.
    const socket = net.connect(running.http.port, '127.0.0.1');
    socket.pause();
    const body = JSON.stringify({ sql: 'SELECT * FROM blobs EMIT CHANGES;', properties: {} });
    socket.write(`POST /query-stream HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    await eventually(async () => running.ksql.transientQueries().length, (n) => n === 1);
    const producer = running.broker.client().producer();
    const big = 'x'.repeat(20_000);
    await producer.sendBatch(Array.from({ length: 3000 }, (_, i) => ({ topic: 'blobs', key: null, value: JSON.stringify({ BODY: big, N: i }) })));
    await producer.close();
    // 60 MB of rows: the server gives up on this client rather than holding them all.
    await eventually(async () => running.ksql.transientQueries().length, (n) => n === 0, 30_000);
    socket.destroy();
  });

  it('inserts rows through /inserts-stream with one ack per row', async () => {
    await ok("CREATE STREAM events (id INT KEY, name STRING) WITH (kafka_topic='events', partitions=1, value_format='json');");
    const body = ['{"target":"EVENTS"}', '{"ID": 1, "NAME": "a"}', 'not json', '{"id": 2, "name": "b"}', ''].join('\n');
    const res = await fetch(`${base}/inserts-stream`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksqlapi.delimited.v1' }, body });
    const acks = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(acks.map((a) => [a.status, a.seq])).toEqual([
      ['ok', 0],
      ['error', 1],
      ['ok', 2],
    ]);
    const q = await queryStream('SELECT * FROM events;');
    expect((await q.waitFor(3)).slice(1)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('answers pull queries on windowed tables with window bounds', async () => {
    await ok("CREATE STREAM clicks (id STRING KEY, n INT) WITH (kafka_topic='clicks', partitions=1, value_format='json');");
    await ok("INSERT INTO clicks (rowtime, id, n) VALUES (1000, 'a', 1); INSERT INTO clicks (rowtime, id, n) VALUES (61000, 'a', 2); INSERT INTO clicks (rowtime, id, n) VALUES (62000, 'b', 3);");
    await ok('CREATE TABLE clicks_per_minute AS SELECT id, SUM(n) AS total FROM clicks WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY id EMIT CHANGES;');
    const all = await eventually(
      async () => (await queryStream('SELECT * FROM clicks_per_minute;')).waitFor(4),
      (lines) => lines.length === 4,
    );
    expect(all[0]).toMatchObject({ columnNames: ['ID', 'WINDOWSTART', 'WINDOWEND', 'TOTAL'] });
    expect(all.slice(1)).toEqual([
      ['a', 0, 60000, 1],
      ['a', 60000, 120000, 2],
      ['b', 60000, 120000, 3],
    ]);
    const bounded = await (await queryStream("SELECT total FROM clicks_per_minute WHERE id = 'a' AND WINDOWSTART >= 60000;")).waitFor(2);
    expect(bounded.slice(1)).toEqual([[2]]);
  });

  it('skips a bad record, keeps the query running and writes the error to KSQL_PROCESSING_LOG', async () => {
    const producer = running.broker.client().producer();
    await producer.send({ topic: 'pageviews', key: 'mallory', value: '{"PAGE": "home", "MS": not-json' });
    await producer.close();
    await ok("INSERT INTO pageviews (user_id, page, ms) VALUES ('erin', 'home', 6);");
    // The query went past the bad record: erin is counted.
    await eventually(() => pull("SELECT views FROM views_per_user WHERE user_id = 'erin';"), (r) => r.body.length === 2);
    const log = await queryStream('SELECT message->type AS type, message->deserializationerror->`topic` AS t, message->deserializationerror->errormessage AS msg FROM ksql_processing_log EMIT CHANGES LIMIT 1;', { 'auto.offset.reset': 'earliest' });
    const [meta, row] = await log.waitFor(2);
    expect(meta).toMatchObject({ columnNames: ['TYPE', 'T', 'MSG'] });
    expect((row as unknown[]).slice(0, 2)).toEqual([0, 'pageviews']);
    expect(String((row as unknown[])[2])).not.toBe('');
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/freshet_processing_errors_total [1-9]/);
  });

  it('prints a topic with PRINT through /query', async () => {
    const res = await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': JSON_V1 }, body: JSON.stringify({ ksql: 'PRINT clicks FROM BEGINNING LIMIT 2;', streamsProperties: {} }) });
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(await res.text()).toBe(
      ['rowtime: 1970/01/01 00:00:01.000 Z, key: a, value: {"N":1}, partition: 0', 'rowtime: 1970/01/01 00:01:01.000 Z, key: a, value: {"N":2}, partition: 0', ''].join('\n'),
    );
    const missing = await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': JSON_V1 }, body: JSON.stringify({ ksql: 'PRINT no_such_topic;', streamsProperties: {} }) });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as Json).message).toContain("Could not find topic 'no_such_topic'");
  });

  it('serves /query-stream over HTTP/2 (cleartext, prior knowledge) on the same port', async () => {
    const session = http2.connect(base);
    try {
      const request = session.request({ ':method': 'POST', ':path': '/query-stream', 'content-type': 'application/json' });
      request.end(JSON.stringify({ sql: "SELECT page FROM pageviews WHERE user_id = 'bob';", properties: {} }));
      let status = 0;
      let body = '';
      request.on('response', (headers) => (status = Number(headers[':status'])));
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      await new Promise((resolve) => request.on('end', resolve));
      expect(status).toBe(200);
      const lines = body.trim().split('\n').map((l) => JSON.parse(l));
      expect(lines[0]).toMatchObject({ columnNames: ['PAGE'] });
      expect(lines.slice(1)).toEqual([['home']]);
    } finally {
      session.close();
    }
  });

  it('runs queries over the /ws/query WebSocket', async () => {
    const request = encodeURIComponent(JSON.stringify({ ksql: "SELECT page FROM pageviews WHERE user_id = 'alice';", streamsProperties: {} }));
    const socket = new WebSocket(`${base.replace('http', 'ws')}/ws/query?request=${request}`);
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve) => socket.on('close', resolve));
    expect(messages).toEqual([
      [{ name: 'PAGE', schema: { type: 'STRING', fields: null, memberSchema: null } }],
      { row: { columns: ['home'] } },
      { row: { columns: ['cart'] } },
      { finalMessage: 'Query Completed' },
    ]);
    const bad = new WebSocket(`${base.replace('http', 'ws')}/ws/query?request=${encodeURIComponent('{"ksql": "SELECT * FROM nowhere;"}')}`);
    const errors: Json[] = [];
    bad.on('message', (data) => errors.push(JSON.parse(String(data))));
    await new Promise((resolve) => bad.on('close', resolve));
    expect(errors[0].errorMessage.message).toContain('NOWHERE');
  });

  it('lists the properties in effect with SHOW PROPERTIES', async () => {
    const { body } = await ksql('SHOW PROPERTIES;', { 'auto.offset.reset': 'earliest' });
    const props = body[0].properties as { name: string; value: string }[];
    expect(props).toContainEqual({ name: 'ksql.service.id', scope: 'KSQL', value: 'default_' });
    expect(props).toContainEqual({ name: 'auto.offset.reset', scope: 'STREAMS', value: 'earliest' });
    expect(body[0].overwrittenProperties).toEqual(['auto.offset.reset']);
    expect(body[0].defaultProperties).toContain('ksql.service.id');
  });

  it('exposes Prometheus metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/freshet_persistent_queries\{state="RUNNING"\} [1-9]/);
    expect(text).toMatch(/freshet_query_records_processed_total\{query_id="CTAS_VIEWS_PER_USER_\d+"\} [1-9]/);
    expect(text).toContain('freshet_process_cpu_seconds_total');
  });

  it('adds columns with ALTER, and asserts topics and schemas', async () => {
    await ok("CREATE STREAM alterable (id INT KEY, a STRING) WITH (kafka_topic='alterable', partitions=1, value_format='json');");
    const [altered] = await ok('ALTER STREAM alterable ADD COLUMN b INT, ADD c ARRAY<STRING>;');
    expect(altered.commandStatus.message).toContain('added B, C');
    const [described] = await ok('DESCRIBE alterable;');
    expect(described.sourceDescription.fields.map((f: Json) => f.name)).toEqual(['ID', 'A', 'B', 'C']);
    await ok("INSERT INTO alterable (id, a, b, c) VALUES (1, 'x', 2, ARRAY['y']);");
    const rows = await (await queryStream('SELECT * FROM alterable;')).waitFor(2);
    expect(rows[1]).toEqual([1, 'x', 2, ['y']]);
    const again = await ksql('ALTER STREAM alterable ADD COLUMN a STRING;');
    expect(again.body.message).toContain('A column with the same name already exists');
    expect((await ksql('ALTER STREAM views_per_user ADD COLUMN z INT;')).body.message).toContain('Incompatible data source type');
    const [topic] = await ok("ASSERT TOPIC 'alterable';");
    expect(topic).toMatchObject({ '@type': 'assert_topic', topicName: 'alterable', exists: true });
    expect((await ksql("ASSERT TOPIC 'nope';")).body.message).toContain('does not exist');
    const [schema] = await ok("ASSERT NOT EXISTS SCHEMA SUBJECT 'nope-value';");
    expect(schema).toMatchObject({ '@type': 'assert_schema', subject: 'nope-value', exists: false });
  });

  it('serves the schema registry under /schema-registry', async () => {
    const res = await fetch(`${base}/schema-registry/subjects`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(expect.any(Array));
  });

  it('terminates and drops', async () => {
    await ok("CREATE STREAM home_views AS SELECT * FROM pageviews WHERE page = 'home';");
    const [queries] = await ok('SHOW QUERIES;');
    const id = queries.queries.find((q: Json) => q.sinks[0] === 'HOME_VIEWS').id as string;
    const dropInUse = await ksql('DROP STREAM pageviews;');
    expect(dropInUse.status).toBe(400);
    expect(dropInUse.body.message).toContain('Cannot drop PAGEVIEWS');
    const [terminated] = await ok(`TERMINATE ${id};`);
    expect(terminated.commandStatus.message).toBe('Query terminated.');
    const [dropped] = await ok('DROP STREAM home_views DELETE TOPIC;');
    expect(dropped.commandStatus.message).toContain('HOME_VIEWS');
    const [topics] = await ok('SHOW TOPICS;');
    expect(topics.topics.map((t: Json) => t.name)).not.toContain('HOME_VIEWS');
  });
});

describe('restart', () => {
  it('replays the command log: streams, tables, queries and pull query answers survive; a corrupt command is skipped loudly', async () => {
    // Every insert so far has reached the table (dave's view was the last).
    const before = await eventually(
      () => pull('SELECT * FROM views_per_user;'),
      (r) => r.status === 200 && r.body.some((x: Json) => x.row?.columns[0] === 'erin'),
    );
    expect(before.body.slice(1).map((r: Json) => r.row.columns.slice(0, 2))).toHaveLength(5);
    expect(before.body.slice(1).map((r: Json) => r.row.columns.slice(0, 2))).toEqual(
      expect.arrayContaining([
        ['alice', 2],
        ['bob', 1],
        ['carol', 1],
        ['dave', 1],
        ['erin', 1],
      ]),
    );
    const [queriesBefore] = await ok('SHOW QUERIES;');
    // A record that is not a command, written by someone else.
    const producer = running.broker.client().producer();
    await producer.send({ topic: COMMAND_TOPIC, value: '{not json', partition: 0 });
    await producer.close();
    await running.stop();

    running = await start({ dataDir: tmp.dir, host: '127.0.0.1', kafkaPort: 0, httpPort: 0 });
    base = `http://127.0.0.1:${running.http.port}`;
    const [queriesAfter] = await ok('SHOW QUERIES;');
    expect(queriesAfter.queries.map((q: Json) => q.id).sort()).toEqual(queriesBefore.queries.map((q: Json) => q.id).sort());
    const [streams] = await ok('SHOW STREAMS;');
    expect(streams.streams.map((s: Json) => s.name).sort()).toEqual(['ALTERABLE', 'BLOBS', 'CLICKS', 'EVENTS', 'KSQL_PROCESSING_LOG', 'PAGEVIEWS']);
    const after = await eventually(
      () => pull('SELECT * FROM views_per_user;'),
      (r) => r.status === 200 && JSON.stringify(r.body.slice(1)) === JSON.stringify(before.body.slice(1)),
    );
    expect(after.body.length).toBe(6);
    // New statements get ids after the old ones.
    const [created] = await ok("CREATE STREAM later AS SELECT * FROM pageviews;");
    expect(created.commandStatus.queryId).toMatch(/^CSAS_LATER_\d+$/);
    expect(queriesBefore.queries.map((q: Json) => q.id)).not.toContain(created.commandStatus.queryId);
  }, 120_000);
});
