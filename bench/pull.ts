/**
 * Pull queries by key over HTTP against a bare HTTP route (`npm run bench -- pull --json`).
 *
 * The real server runs in this process (bench/_server.ts): a stream `SRC (ID STRING KEY, V
 * BIGINT)` on one partition and the table `LATEST AS SELECT ID, LATEST_BY_OFFSET(V) …
 * GROUP BY ID`, loaded with `--records` keys (default 100,000), one record each, through the
 * broker's in-process producer. Once a pull query sees every key (the last key produced, then
 * one full scan compared value by value), autocannon in a child process sends
 * `POST /query-stream {"sql": "SELECT * FROM LATEST WHERE ID = 'k<random>';"}` on 64 keep-alive
 * connections for 10 s (after a 2 s warm-up). The same load then goes to a bare fastify route in
 * this process that parses the same request body and answers the same body (metadata line, row
 * line) from a Map: the floor any pull query pays for HTTP and JSON here. Last, 3 s on one
 * connection against each (`*_1conn_*`): the time one query takes without queueing behind others.
 *
 * Every answer is checked in the load generator (the row's key is the one asked for, its value
 * the one produced); one wrong answer fails the run. Latencies are autocannon's per-response
 * times in ms at microsecond resolution (its own histogram rounds to whole ms).
 * Ratio `pull_vs_bare_http` = server requests/s over bare requests/s; the goal is >= 0.5 with
 * p99 under 10 ms (ksqlDB: ~3k pull queries/s at 2-7 ms).
 */
import { createRequire } from 'node:module';
import Fastify from 'fastify';
import type { BenchContext, BenchResult } from './run.js';
import { isLoadChild, KSQLAPI_DELIMITED, ksql, LoadChild, produce, profiled, queryRows, serveParent, startServer, waitFor } from './_server.js';

export const defaultRecords = 100_000;

/** Seconds of measured load per target, and autocannon's connections. */
const DURATION_S = 10;
const WARMUP_S = 2;
const CONNECTIONS = 64;
/** A short run on one connection after the others: service time without queueing. */
const SINGLE_S = 3;
/** Random keys checked one by one before the load. */
const SPOT_CHECKS = 200;

const key = (i: number): string => `k${i}`;
/** The V produced for key i, which the table must hold. */
const value = (i: number): number => i * 7 + 3;

interface RunLoad {
  label: string;
  url: string;
  connections: number;
  durationS: number;
  keys: number;
}

interface LoadResult {
  label: string;
  requestsPerS: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  maxMs: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  checked: number;
  wrong: number;
  firstWrong?: string;
}

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.records;
  const server = await startServer();
  const bare = Fastify({ logger: false });
  const child = new LoadChild<RunLoad, LoadResult>(import.meta.url);
  try {
    await ksql(
      server.url,
      "CREATE STREAM SRC (ID STRING KEY, V BIGINT) WITH (KAFKA_TOPIC='src', PARTITIONS=1, VALUE_FORMAT='JSON');" +
        'CREATE TABLE LATEST AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM SRC GROUP BY ID;',
    );
    const loadS = await produce(server, n, (i) => ({ topic: 'src', key: Buffer.from(key(i), 'utf8'), value: Buffer.from(`{"V":${value(i)}}`) }));
    ctx.log(`produced ${n} records in ${loadS.toFixed(2)} s`);

    const lookup = async (i: number): Promise<unknown[][]> => queryRows(server.url, `SELECT * FROM LATEST WHERE ID = '${key(i)}';`);
    const visibleStart = process.hrtime.bigint();
    await waitFor(`key ${key(n - 1)} in LATEST`, async () => (await lookup(n - 1)).length === 1);
    const all = await queryRows(server.url, 'SELECT * FROM LATEST;');
    const visibleS = Number(process.hrtime.bigint() - visibleStart) / 1e9;
    if (all.length !== n) throw new Error(`A full scan of LATEST returned ${all.length} rows, expected ${n}.`);
    for (const row of all) {
      const i = Number(String(row[0]).slice(1));
      if (row[0] !== key(i) || row[1] !== value(i)) throw new Error(`LATEST holds ${JSON.stringify(row)}, expected ["${key(i)}",${value(i)}].`);
    }
    for (let c = 0; c < SPOT_CHECKS; c++) {
      const i = Math.floor(Math.random() * n);
      const rows = await lookup(i);
      if (rows.length !== 1 || rows[0]![0] !== key(i) || rows[0]![1] !== value(i)) throw new Error(`Pull query for ${key(i)} answered ${JSON.stringify(rows)}, expected [["${key(i)}",${value(i)}]].`);
    }
    ctx.log(`all ${n} keys visible to pull queries ${visibleS.toFixed(2)} s after loading; full scan and ${SPOT_CHECKS} lookups correct`);

    // The floor: the same request parsed and the same answer written, from a Map.
    const table = new Map<string, number>();
    for (let i = 0; i < n; i++) table.set(key(i), value(i));
    let seq = 0;
    bare.addContentTypeParser(KSQLAPI_DELIMITED, { parseAs: 'string' }, (_req, body, done) => done(null, JSON.parse(body as string)));
    bare.post('/query-stream', async (request, reply) => {
      const sql = (request.body as { sql?: unknown }).sql;
      const id = typeof sql === 'string' ? /WHERE\s+ID\s*=\s*'([^']*)'/i.exec(sql)?.[1] : undefined;
      if (id === undefined) return reply.code(400).send({ message: 'no key' });
      const v = table.get(id);
      const meta = JSON.stringify({ queryId: `query_LATEST_${Date.now()}${seq++}`, columnNames: ['ID', 'V'], columnTypes: ['STRING', 'BIGINT'] });
      return reply.type(KSQLAPI_DELIMITED).send(`${meta}\n${v === undefined ? '' : `${JSON.stringify([id, v])}\n`}`);
    });
    await bare.listen({ host: '127.0.0.1', port: 0 });
    const address = bare.server.address();
    const bareUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

    const load = async (label: string, url: string, durationS: number, connections = CONNECTIONS): Promise<LoadResult> => {
      child.send({ label, url, connections, durationS, keys: n });
      const r = await child.next();
      if (r.wrong > 0) throw new Error(`${label}: ${r.wrong} of ${r.checked} answers were wrong, e.g. ${r.firstWrong}`);
      if (r.checked === 0) throw new Error(`${label}: no answer was checked (${r.non2xx} non-2xx, ${r.errors} errors).`);
      ctx.log(
        `${label}: ${Math.round(r.requestsPerS)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, max ${r.maxMs.toFixed(1)} ms, ` +
          `${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts, ${r.checked} answers checked`,
      );
      return r;
    };
    await load('warmup server', server.url, WARMUP_S);
    await load('warmup bare', bareUrl, WARMUP_S);
    const pull = await profiled('pull-server', () => load('server', server.url, DURATION_S));
    const floor = await profiled('pull-bare', () => load('bare', bareUrl, DURATION_S));
    const pullOne = await load('server, 1 connection', server.url, SINGLE_S, 1);
    const bareOne = await load('bare, 1 connection', bareUrl, SINGLE_S, 1);

    return {
      results: {
        keys: n,
        load_s: loadS,
        visible_after_load_s: visibleS,
        connections: CONNECTIONS,
        duration_s: DURATION_S,
        pull_requests_per_s: pull.requestsPerS,
        pull_p50_ms: pull.p50Ms,
        pull_p99_ms: pull.p99Ms,
        pull_mean_ms: pull.meanMs,
        pull_max_ms: pull.maxMs,
        pull_non_2xx: pull.non2xx,
        pull_errors: pull.errors + pull.timeouts,
        pull_answers_checked: pull.checked,
        bare_requests_per_s: floor.requestsPerS,
        bare_p50_ms: floor.p50Ms,
        bare_p99_ms: floor.p99Ms,
        bare_non_2xx: floor.non2xx,
        pull_1conn_requests_per_s: pullOne.requestsPerS,
        pull_1conn_p50_ms: pullOne.p50Ms,
        pull_1conn_p99_ms: pullOne.p99Ms,
        bare_1conn_requests_per_s: bareOne.requestsPerS,
        bare_1conn_p50_ms: bareOne.p50Ms,
      },
      ratios: {
        pull_vs_bare_http: pull.requestsPerS / floor.requestsPerS,
      },
    };
  } finally {
    await child.stop();
    await bare.close();
    await server.stop();
  }
}

// ---- the load generator (child process) ---------------------------------------------------------

interface AutocannonRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  setupRequest(request: AutocannonRequest & { body?: string }, context: Record<string, unknown>): AutocannonRequest & { body: string };
  onResponse(status: number, body: string, context: Record<string, unknown>): void;
}

interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  requests: AutocannonRequest[];
}

interface AutocannonResult {
  requests: { total: number };
  duration: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}

type Autocannon = (options: AutocannonOptions, done: (error: Error | null, result: AutocannonResult) => void) => AutocannonInstance;

/** autocannon ships no types; this is the part of its API used here. */
const autocannon = (): Autocannon => createRequire(import.meta.url)('autocannon') as Autocannon;

function runLoad(job: RunLoad): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let checked = 0;
  let wrong = 0;
  let firstWrong: string | undefined;
  const check = (status: number, body: string, i: number): void => {
    if (status < 200 || status > 299) return;
    checked++;
    const lines = body.split('\n');
    let row: unknown;
    try {
      row = JSON.parse(lines[1] ?? '');
    } catch {
      row = undefined;
    }
    if (!Array.isArray(row) || row[0] !== key(i) || row[1] !== value(i)) {
      wrong++;
      firstWrong ??= `${key(i)} -> ${JSON.stringify(body)}`;
    }
  };
  return new Promise((resolve, reject) => {
    const instance = autocannon()(
      {
        url: job.url,
        connections: job.connections,
        duration: job.durationS,
        requests: [
          {
            method: 'POST',
            path: '/query-stream',
            headers: { 'content-type': 'application/json' },
            setupRequest: (request, context) => {
              const i = Math.floor(Math.random() * job.keys);
              context.i = i;
              return { ...request, body: JSON.stringify({ sql: `SELECT * FROM LATEST WHERE ID = '${key(i)}';` }) };
            },
            onResponse: (status, body, context) => check(status, body, context.i as number),
          },
        ],
      },
      (error, result) => {
        if (error) return reject(error);
        const sorted = latencies.subarray(0, count).sort();
        const at = (q: number): number => (count === 0 ? 0 : sorted[Math.min(count - 1, Math.floor(q * count))]!);
        resolve({
          label: job.label,
          requestsPerS: result.requests.total / result.duration,
          requests: result.requests.total,
          p50Ms: at(0.5),
          p99Ms: at(0.99),
          meanMs: count === 0 ? 0 : sorted.reduce((a, b) => a + b, 0) / count,
          maxMs: count === 0 ? 0 : sorted[count - 1]!,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          checked,
          wrong,
          ...(firstWrong !== undefined ? { firstWrong } : {}),
        });
      },
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status < 200 || status > 299) return;
      if (count === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[count++] = ms;
    });
  });
}

if (isLoadChild(import.meta.url)) serveParent<RunLoad, LoadResult>(async (job, reply) => reply(await runLoad(job)));
