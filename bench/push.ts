/**
 * Push queries fanned out over HTTP (`npm run bench -- push --json`): 200 concurrent
 * `SELECT * FROM S WHERE V >= 0 EMIT CHANGES;` on one stream, each an open HTTP/1.1 streaming
 * request to POST /query-stream (node:http, one keep-alive agent with room for every socket).
 *
 * The real server runs in this process (bench/_server.ts); the 200 clients run in a child
 * process, reading each response as it streams (counting rows by newlines, the first line being
 * the metadata). Once every query is open, warm-up records go through (a tenth of `--records`,
 * at most 10,000) until every query has them all; this also proves the shared topic tail reads
 * from before the measured records. Then `--records` records (default 100,000; 1 partition,
 * STRING keys, JSON values) are produced with the broker's in-process producer, in chunks of
 * 2,500 kept at most two chunks ahead of the slowest query (see WINDOW), timed from the first
 * send until every query has its N rows.
 *   records_per_s_per_query  N / that time
 *   rows_per_s_total         200 * N / that time
 * The same run follows with one query alone, and `fanout_vs_single_query` compares rows/s in
 * total: 1.0 would mean fanning out costs nothing per row beyond the first query.
 *
 * Memory is this process's (process.memoryUsage()): the server with the broker and the bench
 * harness, not the clients. rss and heapUsed after a forced full GC (what is retained) before the
 * queries open, once open, after the N rows (`rss_mb`, `heap_used_mb`, queries still open) and
 * once closed; heapUsed as delivery ended before that GC, and the highest rss sampled every
 * 100 ms during delivery (`rss_peak_mb`).
 * Answers are checked: query 0 parses every row (key and value of each record, in order); every
 * other query's last row must be the last record produced.
 */
import http from 'node:http';
import type { BenchContext, BenchResult } from './run.js';
import { isLoadChild, ksql, LoadChild, mb, produce, profiled, retainedMemory, seconds, serveParent, startServer, waitFor } from './_server.js';

export const defaultRecords = 100_000;

const QUERIES = 200;
/**
 * Records go in chunks, at most WINDOW chunks ahead of the slowest query: the server writes to
 * push responses without waiting for the socket (no backpressure), so produced flat out, 100,000
 * records x 200 queries queue up in its heap faster than the clients read them (it ran out of
 * its 4 GB heap). The window keeps the measured rate one the server sustains.
 */
const CHUNK = 2_500;
const WINDOW = 2;
const SQL = 'SELECT * FROM S WHERE V >= 0 EMIT CHANGES;';

const key = (i: number): string => `k${i}`;
const value = (i: number): number => i * 7 + 3;

type ToChild =
  /** Opens the queries; their first row will be record `firstRecord`. */
  | { kind: 'open'; url: string; queries: number; firstRecord: number }
  /**
   * Reply once every query holds `rows` rows in all; `t0` is the wall-clock ms the records
   * started (times and CPU are counted from the first await with that t0); `final`: every
   * query's last row must be the last record.
   */
  | { kind: 'await'; rows: number; t0: number; timeoutMs: number; final: boolean }
  | { kind: 'close' };

type FromChild =
  | { kind: 'opened'; queries: number }
  | { kind: 'reached'; ok: boolean; elapsedMs: number; firstDoneMs: number; minRows: number; maxRows: number; totalRows: number; wrong: string[]; cpuS: number; loopUtilization: number }
  | { kind: 'closed' };

/** Wall-clock ms with sub-ms resolution, comparable across processes. */
const wallMs = (): number => performance.timeOrigin + performance.now();

interface Phase {
  elapsedS: number;
  firstDoneS: number;
  produceS: number;
  /** Share of the time the server's event loop was busy during delivery, and the clients' (the child's). */
  loopUtilization: number;
  clientLoopUtilization: number;
  /** process.memoryUsage() after a full GC: before the queries open, once open, after the rows (still open), after they closed. */
  before: NodeJS.MemoryUsage;
  open: NodeJS.MemoryUsage;
  after: NodeJS.MemoryUsage;
  closed: NodeJS.MemoryUsage;
  /** As delivery ended, before any forced GC. */
  heapAtEnd: number;
  rssPeak: number;
}

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  const n = ctx.records;
  const warm = Math.min(10_000, Math.max(1, Math.floor(n / 10)));
  const server = await startServer();
  const child = new LoadChild<ToChild, FromChild>(import.meta.url);
  try {
    await ksql(server.url, "CREATE STREAM S (ID STRING KEY, V BIGINT) WITH (KAFKA_TOPIC='s', PARTITIONS=1, VALUE_FORMAT='JSON');");
    let next = 0;
    const send = (count: number): Promise<number> => {
      const from = next;
      next += count;
      return produce(server, count, (i) => ({ topic: 's', key: Buffer.from(key(from + i), 'utf8'), value: Buffer.from(`{"V":${value(from + i)}}`) }));
    };

    const phase = async (queries: number): Promise<Phase> => {
      const before = retainedMemory();
      child.send({ kind: 'open', url: server.url, queries, firstRecord: next });
      await expect(child, 'opened');
      await waitFor(`${queries} push queries`, async () => server.running.ksql.transientQueries().length === queries);
      // The header goes out before the query's shared topic tail has fixed its start position; give it that moment.
      await new Promise((r) => setTimeout(r, 1000));
      const open = retainedMemory();
      const first = next;
      const reach = async (rows: number, what: string, t0: number, final: boolean, timeoutMs = 120_000): Promise<Extract<FromChild, { kind: 'reached' }>> => {
        child.send({ kind: 'await', rows, t0, timeoutMs, final });
        const r = await expect(child, 'reached');
        if (!r.ok) throw new Error(`${what}: not every query got its ${rows} rows within ${timeoutMs} ms (least ${r.minRows}, most ${r.maxRows}).`);
        if (r.wrong.length > 0) throw new Error(`${what}: wrong rows: ${r.wrong.join('; ')}`);
        return r;
      };
      await send(warm);
      await reach(warm, `${queries} queries, warm-up`, wallMs(), true);
      let rssPeak = process.memoryUsage().rss;
      const loop = performance.eventLoopUtilization();
      const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 100);
      const t0 = wallMs();
      const [produceS, done] = await profiled(`push-${queries}`, async () => {
        const start = process.hrtime.bigint();
        for (let k = 0, sent = 0; sent < n; k++) {
          if (k >= WINDOW) await reach(warm + (k - WINDOW + 1) * CHUNK, `${queries} queries`, t0, false);
          const count = Math.min(CHUNK, n - sent);
          await send(count);
          sent += count;
        }
        const produced = seconds(start);
        return [produced, await reach(warm + n, `${queries} queries`, t0, true)] as const;
      });
      clearInterval(sampler);
      const loopUtilization = performance.eventLoopUtilization(loop).utilization;
      const atEnd = process.memoryUsage();
      rssPeak = Math.max(rssPeak, atEnd.rss);
      const after = retainedMemory();
      if (done.totalRows !== queries * (warm + n)) throw new Error(`${queries} queries received ${done.totalRows} rows, expected ${queries * (warm + n)}.`);
      child.send({ kind: 'close' });
      await expect(child, 'closed');
      await waitFor('the push queries to close', async () => server.running.ksql.transientQueries().length === 0);
      const closed = retainedMemory();
      const elapsedS = done.elapsedMs / 1000;
      const m = (u: NodeJS.MemoryUsage, k: 'rss' | 'heapUsed'): string => mb(u[k]).toFixed(0);
      ctx.log(
        `${queries} queries from record ${first}: ${n} records each in ${elapsedS.toFixed(2)} s (first query done at ${(done.firstDoneMs / 1000).toFixed(2)} s, produced in ${produceS.toFixed(2)} s): ` +
          `${Math.round(n / elapsedS)} records/s per query, ${Math.round((queries * n) / elapsedS)} rows/s in all; ` +
          `server event loop ${(100 * loopUtilization).toFixed(0)}% busy, clients' ${(100 * done.loopUtilization).toFixed(0)}% (${done.cpuS.toFixed(1)} s CPU); after GC, before/open/after/closed: ` +
          `rss ${m(before, 'rss')}/${m(open, 'rss')}/${m(after, 'rss')}/${m(closed, 'rss')} MB (peak ${mb(rssPeak).toFixed(0)}), ` +
          `heapUsed ${m(before, 'heapUsed')}/${m(open, 'heapUsed')}/${m(after, 'heapUsed')}/${m(closed, 'heapUsed')} MB (${mb(atEnd.heapUsed).toFixed(0)} before GC)`,
      );
      return { elapsedS, firstDoneS: done.firstDoneMs / 1000, produceS, loopUtilization, clientLoopUtilization: done.loopUtilization, before, open, after, closed, heapAtEnd: atEnd.heapUsed, rssPeak };
    };

    const fan = await phase(QUERIES);
    const single = await phase(1);
    const total = (QUERIES * n) / fan.elapsedS;
    return {
      results: {
        queries: QUERIES,
        records_per_s_per_query: n / fan.elapsedS,
        rows_per_s_total: total,
        elapsed_s: fan.elapsedS,
        first_query_done_s: fan.firstDoneS,
        server_event_loop_busy: fan.loopUtilization,
        clients_event_loop_busy: fan.clientLoopUtilization,
        rss_before_mb: mb(fan.before.rss),
        rss_open_mb: mb(fan.open.rss),
        rss_mb: mb(fan.after.rss),
        rss_peak_mb: mb(fan.rssPeak),
        rss_closed_mb: mb(fan.closed.rss),
        heap_used_before_mb: mb(fan.before.heapUsed),
        heap_used_open_mb: mb(fan.open.heapUsed),
        heap_used_mb: mb(fan.after.heapUsed),
        heap_used_at_end_before_gc_mb: mb(fan.heapAtEnd),
        heap_used_closed_mb: mb(fan.closed.heapUsed),
        single_query_records_per_s: n / single.elapsedS,
      },
      ratios: {
        fanout_vs_single_query: total / (n / single.elapsedS),
      },
    };
  } finally {
    await child.stop();
    await server.stop();
  }
}

async function expect<K extends FromChild['kind']>(child: LoadChild<ToChild, FromChild>, kind: K): Promise<Extract<FromChild, { kind: K }>> {
  const m = await child.next();
  if (m.kind !== kind) throw new Error(`The push clients answered ${m.kind}, expected ${kind}.`);
  return m as Extract<FromChild, { kind: K }>;
}

// ---- the push clients (child process) -----------------------------------------------------------

const NL = 0x0a;

/** One open push query: rows counted as they stream in. */
class PushClient {
  /** Rows (lines after the metadata line). */
  rows = 0;
  private lines = 0;
  private partial = '';
  /** The last complete line. */
  last = '';
  /** Query 0 parses every row and checks it is record `index`, then the next; -1: it does not. */
  private index = -1;
  private partialForCheck = '';
  readonly wrong: string[] = [];
  readonly opened: Promise<void>;
  private readonly request: http.ClientRequest;
  onRows: () => void = () => undefined;

  constructor(url: string, agent: http.Agent, checkFrom: number | undefined) {
    if (checkFrom !== undefined) this.index = checkFrom;
    let markOpened!: () => void;
    let fail!: (e: Error) => void;
    this.opened = new Promise((resolve, reject) => ((markOpened = resolve), (fail = reject)));
    this.request = http.request(`${url}/query-stream`, { method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/vnd.ksqlapi.delimited.v1' } }, (res) => {
      if (res.statusCode !== 200) {
        res.setEncoding('utf8');
        let body = '';
        res.on('data', (c: string) => (body += c));
        res.on('end', () => fail(new Error(`POST /query-stream -> ${res.statusCode}: ${body}`)));
        return;
      }
      res.on('data', (chunk: Buffer) => {
        let lines = 0;
        let at = chunk.indexOf(NL);
        let lastEnd = -1;
        let prevEnd = -1;
        while (at !== -1) {
          lines++;
          prevEnd = lastEnd;
          lastEnd = at;
          at = chunk.indexOf(NL, at + 1);
        }
        const before = this.lines;
        this.lines += lines;
        if (lines > 0) {
          // The last complete line: ends at lastEnd, starts after prevEnd (or in the carried-over part).
          this.last = prevEnd === -1 ? this.partial + chunk.toString('utf8', 0, lastEnd) : chunk.toString('utf8', prevEnd + 1, lastEnd);
        }
        if (this.index >= 0) this.checkAll(chunk, before);
        this.partial = lines > 0 ? chunk.toString('utf8', lastEnd + 1) : this.partial + chunk.toString('utf8');
        if (before === 0 && this.lines > 0) markOpened();
        this.rows = Math.max(0, this.lines - 1);
        this.onRows();
      });
      res.on('error', () => undefined);
    });
    this.request.on('error', (e) => fail(e));
    this.request.end(JSON.stringify({ sql: SQL }));
  }

  /** Parses every row of the chunk and checks it is the next record. */
  private checkAll(chunk: Buffer, linesBefore: number): void {
    const text = this.partialForCheck + chunk.toString('utf8');
    const parts = text.split('\n');
    this.partialForCheck = parts.pop()!;
    let line = linesBefore;
    for (const part of parts) {
      if (line++ === 0) continue; // the metadata line
      const row = JSON.parse(part) as unknown;
      const i = this.index++;
      if (!Array.isArray(row) || row[0] !== key(i) || row[1] !== value(i)) {
        if (this.wrong.length < 3) this.wrong.push(`row ${i}: ${part}, expected ["${key(i)}",${value(i)}]`);
      }
    }
  }

  close(): void {
    this.request.destroy();
  }
}

function serveClients(): void {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512 });
  let clients: PushClient[] = [];
  let firstRecord = 0;
  let since = { t0: -1, cpu: process.cpuUsage(), loop: performance.eventLoopUtilization() };
  serveParent<ToChild, FromChild>(async (m, reply) => {
    switch (m.kind) {
      case 'open':
        firstRecord = m.firstRecord;
        clients = Array.from({ length: m.queries }, (_, q) => new PushClient(m.url, agent, q === 0 ? firstRecord : undefined));
        await Promise.all(clients.map((c) => c.opened));
        reply({ kind: 'opened', queries: clients.length });
        return;
      case 'await': {
        if (m.t0 !== since.t0) since = { t0: m.t0, cpu: process.cpuUsage(), loop: performance.eventLoopUtilization() };
        let firstDone = 0;
        const ok = await new Promise<boolean>((resolve) => {
          let remaining = clients.filter((c) => c.rows < m.rows).length;
          if (remaining === 0) return resolve(true);
          const timer = setTimeout(() => resolve(false), m.timeoutMs);
          for (const c of clients) {
            if (c.rows >= m.rows) continue;
            c.onRows = () => {
              if (c.rows < m.rows) return;
              c.onRows = () => undefined;
              if (firstDone === 0) firstDone = wallMs();
              if (--remaining === 0) {
                clearTimeout(timer);
                resolve(true);
              }
            };
          }
        });
        const end = wallMs();
        const loopUtilization = performance.eventLoopUtilization(since.loop).utilization;
        const used = process.cpuUsage(since.cpu);
        for (const c of clients) c.onRows = () => undefined;
        const wrong = clients.flatMap((c) => c.wrong);
        // With every row there, each query's last row is the last record produced.
        const lastIndex = firstRecord + m.rows - 1;
        const expected = JSON.stringify([key(lastIndex), value(lastIndex)]);
        if (ok && m.final) for (const [q, c] of clients.entries()) if (c.last !== expected && wrong.length < 5) wrong.push(`query ${q} ended with ${c.last}, expected ${expected}`);
        const counts = clients.map((c) => c.rows);
        reply({ kind: 'reached', ok, elapsedMs: end - m.t0, firstDoneMs: firstDone === 0 ? 0 : firstDone - m.t0, minRows: Math.min(...counts), maxRows: Math.max(...counts), totalRows: counts.reduce((a, b) => a + b, 0), wrong, cpuS: (used.user + used.system) / 1e6, loopUtilization });
        return;
      }
      case 'close':
        for (const c of clients) c.close();
        clients = [];
        reply({ kind: 'closed' });
        return;
    }
  });
}

if (isLoadChild(import.meta.url)) serveClients();
