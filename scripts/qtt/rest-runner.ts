/**
 * The REST conformance runner (`npm run qtt -- --rest`): ksqlDB's rest-query-validation tests run
 * against the real server over HTTP. Each case gets its own broker (a temporary directory), schema
 * registry, query server and REST listener on a free loopback port, as a user's `freshet start`:
 *
 *   1. the case's topics are created and its schemas registered;
 *   2. the statements before the first SELECT go to POST /ksql, one request each;
 *   3. the inputs are produced, and the runner waits until every persistent query has read all
 *      of its input;
 *   4. the remaining statements run in order: SELECT and PRINT through POST /query (with
 *      auto.offset.reset earliest, as ksqlDB's runner), the others through POST /ksql;
 *   5. the responses are compared with the expected ones (every field the case gives must match;
 *      rows in order), the expected error with the first failing statement's, and the output
 *      topics' records with the expected outputs, as the QTT runner compares them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';
import { Broker } from '../../storage/broker/broker.js';
import { silentLogger } from '../../storage/logger.js';
import type { StorageClient } from '../../storage/client/types.js';
import { InMemorySchemaStore, SchemaRegistry } from '../../sql/schema-registry/index.js';
import { KsqlServer } from '../../server/ksql/ksql-server.js';
import { buildRestServer } from '../../server/rest/rest-server.js';
import { caseTopics, CodecCache, compareOutputs, runFile, type CaseOutcome, type CaseResult, type PendingRecord, type QttCase } from './runner.js';
import { registerSchemas } from './topic-schemas.js';

interface RestCase extends QttCase {
  responses?: ({ admin: unknown } | { query: unknown[] })[];
  expectedError?: { type?: string; message?: string; status?: number };
}

const JSON_V1 = 'application/vnd.ksql.v1+json';
/** How long a push query without LIMIT (or one whose rows do not come) may run. */
const QUERY_TIMEOUT_MS = 5000;

export function runRestFile(path: string, label = path): Promise<CaseResult[]> {
  return runFile<RestCase>(path, label, runRestCase);
}

type Response = { status: number; body: unknown };

export async function runRestCase(c: RestCase): Promise<CaseOutcome> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-rest-qtt-'));
  const broker = await Broker.open({ dataDir: dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0 });
  let ksql: KsqlServer | undefined;
  let app: Awaited<ReturnType<typeof buildRestServer>> | undefined;
  try {
    const client = broker.client();
    // ksqlDB's runner uses a mock registry client, which checks no compatibility between versions.
    const registry = await SchemaRegistry.open(new InMemorySchemaStore(), { defaultCompatibility: 'NONE' });
    await registerSchemas(registry, c);
    const admin = client.admin();
    // ksqlDB's REST runner makes topics of 4 partitions; inputs go where their keys hash to.
    const topics = [...caseTopics(c, 4)].map(([name, partitions]) => ({ name, partitions }));
    if (topics.length > 0) await admin.createTopics(topics);
    await admin.close();
    ksql = await KsqlServer.open({ client, dataDir: dir, logger: silentLogger, registry, properties: { 'ksql.streams.cache.max.bytes.buffering': 0, ...(c.properties ?? {}), 'ksql.logging.processing.stream.auto.create': 'false' }, commitIntervalMs: 100 });
    app = await buildRestServer({ ksql, logger: silentLogger });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const codecs = new CodecCache(ksql.engine, registry, (c.properties?.['use.exact.numeric.comparison'] ?? 'true').toString() !== 'false');

    const actual: ({ admin: unknown } | { query: unknown[] })[] = [];
    const isQuery = (s: string) => /^\s*(SELECT|PRINT)\b/i.test(s);
    const firstQuery = c.statements.findIndex(isQuery);
    const split = firstQuery < 0 ? c.statements.length : firstQuery;
    let produced = false;
    for (let i = 0; i < c.statements.length; i++) {
      if (i === split) {
        await produceInputs(c, client, codecs);
        produced = true;
        await waitForQueries(ksql, client);
      }
      const statement = c.statements[i]!;
      const response = isQuery(statement) ? await query(base, statement, c.properties ?? {}) : await ksqlRequest(base, statement, c.properties ?? {});
      if (response.status !== 200) {
        if (c.expectedError) return expectedErrorOutcome(c.expectedError, response);
        return { status: 'failed', reason: `statement ${i + 1} failed (${response.status}): ${errorMessage(response.body)}` };
      }
      if (isQuery(statement)) actual.push({ query: response.body as unknown[] });
      else for (const entity of response.body as unknown[]) actual.push({ admin: entity });
    }
    if (c.expectedError) return { status: 'failed', reason: `expected an error (${c.expectedError.message ?? ''}), every statement succeeded` };
    if (!produced) await produceInputs(c, client, codecs);
    await waitForQueries(ksql, client);

    const problem = compareResponses(c.responses ?? [], actual);
    if (problem) return { status: 'failed', reason: problem };
    if (!c.outputs || c.outputs.length === 0) return { status: 'passed' };
    const records = await readTopics(client, [...new Set(c.outputs.map((o) => o.topic))]);
    return await compareOutputs(c.outputs, records, codecs);
  } finally {
    await app?.close().catch(() => undefined);
    await ksql?.close().catch(() => undefined);
    await broker.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function produceInputs(c: RestCase, client: StorageClient, codecs: CodecCache): Promise<void> {
  if (!c.inputs || c.inputs.length === 0) return;
  const producer = client.producer({ lingerMs: 0 });
  try {
    for (const input of c.inputs) {
      const key = await codecs.encode(input.topic, true, input.key ?? null, input.window);
      const value = await codecs.encode(input.topic, false, input.value ?? null);
      const headers = (input.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') }));
      // Records without a key go to partition 0 (a sticky partitioner would scatter them).
      await producer.send({ topic: input.topic, key, value, timestamp: Number(input.timestamp ?? 0), headers, ...(key === null ? { partition: 0 } : {}) });
    }
  } finally {
    await producer.close();
  }
}

/**
 * Waits until every persistent query has processed every record of its inputs (source topics and
 * its own repartition topics) up to their end offsets, twice in a row (queries feeding queries
 * settle too).
 */
async function waitForQueries(ksql: KsqlServer, client: StorageClient): Promise<void> {
  const admin = client.admin();
  try {
    const deadline = Date.now() + 15_000;
    let quiet = 0;
    while (Date.now() < deadline && quiet < 2) {
      await new Promise((r) => setTimeout(r, 50));
      const queries = ksql.persistentQueries().all();
      const wanted: { topic: string; partition: number }[] = [];
      const positions = new Map<string, number>();
      for (const q of queries) {
        const m = q.app.metrics();
        for (const l of m.lag) {
          wanted.push({ topic: l.topic, partition: l.partition });
          positions.set(`${q.applicationId}|${l.topic}|${l.partition}`, l.position);
        }
      }
      const sources = queries.flatMap((q) => q.query.plan.sources.map((name) => ({ q, topic: ksql.engine.metaStore.getSource(name)?.topic })));
      const topics = [...new Set([...wanted.map((w) => w.topic), ...sources.flatMap((s) => (s.topic ? [s.topic] : []))])];
      const infos = topics.length === 0 ? [] : await admin.describeTopics(topics);
      const partitions = infos.flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition, spec: 'latest' as const })));
      const ends = new Map((partitions.length === 0 ? [] : await admin.listOffsets(partitions)).map((e) => [`${e.topic}|${e.partition}`, e.offset]));
      const caughtUp = queries.every((q) => {
        if (q.app.state !== 'RUNNING') return false;
        const mine = [...new Set([...q.app.metrics().lag.map((l) => l.topic), ...sources.filter((s) => s.q === q).flatMap((s) => (s.topic ? [s.topic] : []))])];
        return mine.every((topic) =>
          [...ends].filter(([k]) => k.startsWith(`${topic}|`)).every(([k, end]) => end === 0 || (positions.get(`${q.applicationId}|${k}`) ?? -1) >= end),
        );
      });
      quiet = caughtUp ? quiet + 1 : 0;
    }
  } finally {
    await admin.close();
  }
}

async function ksqlRequest(base: string, statement: string, properties: Record<string, unknown>): Promise<Response> {
  const res = await fetch(`${base}/ksql`, { method: 'POST', headers: { 'content-type': JSON_V1, accept: JSON_V1 }, body: JSON.stringify({ ksql: statement, streamsProperties: properties }) });
  return { status: res.status, body: parseLossless(await res.text()) };
}

/** POST /query, read until the server ends the response or the timeout; a partial array is closed. */
async function query(base: string, statement: string, properties: Record<string, unknown>): Promise<Response> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), QUERY_TIMEOUT_MS);
  let text = '';
  let status = 0;
  try {
    const res = await fetch(`${base}/query`, { method: 'POST', headers: { 'content-type': JSON_V1 }, body: JSON.stringify({ ksql: statement, streamsProperties: { 'auto.offset.reset': 'earliest', ...properties } }), signal: abort.signal });
    status = res.status;
    const decoder = new TextDecoder();
    for await (const chunk of res.body!) text += decoder.decode(chunk as Uint8Array, { stream: true });
  } catch {
    // timed out: what came so far is the answer
  } finally {
    clearTimeout(timer);
  }
  const trimmed = text.trim();
  if (status === 200 && !trimmed.endsWith(']')) return { status, body: parseLossless(`${trimmed}]`) };
  if (status === 200 && !trimmed.startsWith('[')) return { status, body: trimmed.split('\n').map((line) => ({ line })) };
  return { status, body: trimmed === '' ? [] : parseLossless(trimmed) };
}

function errorMessage(body: unknown): string {
  return typeof body === 'object' && body !== null && 'message' in body ? String((body as { message: unknown }).message) : JSON.stringify(body);
}

function expectedErrorOutcome(expected: NonNullable<RestCase['expectedError']>, response: Response): CaseOutcome {
  if (expected.status !== undefined && Number(expected.status) !== response.status) {
    return { status: 'failed', reason: `expected HTTP ${String(expected.status)}, got ${response.status}: ${errorMessage(response.body)}` };
  }
  return { status: 'passed', messageMatched: expected.message === undefined || errorMessage(response.body).includes(expected.message) };
}

function compareResponses(expected: readonly unknown[], actual: readonly unknown[]): string | undefined {
  for (let i = 0; i < expected.length; i++) {
    if (i >= actual.length) return `expected ${expected.length} responses, got ${actual.length}; missing: ${show(expected[i])}`;
    const problem = mismatch(expected[i], actual[i], `response ${i + 1}`);
    if (problem) return problem;
  }
  return undefined;
}

/** Where `actual` differs from `expected`: objects need the expected fields; arrays match element by element and in length. */
function mismatch(expected: unknown, actual: unknown, path: string): string | undefined {
  if (isLosslessNumber(expected) || typeof expected === 'number') {
    const e = Number(isLosslessNumber(expected) ? expected.value : expected);
    const a = isLosslessNumber(actual) ? Number(actual.value) : typeof actual === 'number' ? actual : NaN;
    return e === a ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${path}: expected an array ${show(expected)}, got ${show(actual)}`;
    for (let i = 0; i < Math.min(expected.length, actual.length); i++) {
      const problem = mismatch(expected[i], actual[i], `${path}[${i}]`);
      if (problem) return problem;
    }
    if (expected.length !== actual.length) return `${path}: expected ${expected.length} elements ${show(expected)}, got ${actual.length}: ${show(actual)}`;
    return undefined;
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return `${path}: expected ${show(expected)}, got ${show(actual)}`;
    for (const [k, v] of Object.entries(expected)) {
      const problem = mismatch(v, (actual as Record<string, unknown>)[k], `${path}.${k}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return expected === actual ? undefined : `${path}: expected ${show(expected)}, got ${show(actual)}`;
}

function show(v: unknown): string {
  const text = JSON.stringify(v, (_k, x: unknown) => (isLosslessNumber(x) ? Number(x.value) : x));
  return text === undefined ? String(v) : text.length > 300 ? `${text.slice(0, 300)}…` : text;
}

async function readTopics(client: StorageClient, topics: readonly string[]): Promise<Map<string, PendingRecord[]>> {
  const out = new Map<string, PendingRecord[]>();
  const admin = client.admin();
  const consumer = client.consumer({ autoOffsetReset: 'earliest', enableAutoCommit: false, isolationLevel: 'read_committed' });
  try {
    const existing = new Set(await admin.listTopics());
    const tps = (await admin.describeTopics(topics.filter((t) => existing.has(t)))).flatMap((t) => t.partitions.map((p) => ({ topic: t.name, partition: p.partition })));
    if (tps.length === 0) return out;
    consumer.assign(tps);
    consumer.seekToBeginning(tps);
    const ends = await consumer.endOffsets(tps);
    const deadline = Date.now() + 5000;
    const done = async () => (await Promise.all(tps.map((tp) => consumer.position(tp)))).every((p, i) => p >= ends[i]!);
    while (!(await done()) && Date.now() < deadline) {
      for (const r of await consumer.poll(200)) {
        const list = out.get(r.topic) ?? [];
        list.push({ topic: r.topic, key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers });
        out.set(r.topic, list);
      }
    }
    // Records of several partitions in the order they were written.
    for (const list of out.values()) list.sort((a, b) => a.timestamp - b.timestamp);
    return out;
  } finally {
    await consumer.close();
    await admin.close();
  }
}
