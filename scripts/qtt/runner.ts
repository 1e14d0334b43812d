/**
 * The conformance runner: ksqlDB's query-validation tests (QTT) run through Freshet's SQL engine
 * and streams engine. Each case gets a fresh engine, an in-memory schema registry and in-memory
 * topics; every persistent query its statements start runs in its own TopologyTestDriver (one
 * partition per topic, caching off, as ksqlDB's own runner does), and records flow between
 * queries through the topics they share, in the order they are produced.
 *
 * As in ksqlDB's runner: topics the case does not size have 4 partitions (what the statements
 * see), the registry checks no compatibility between versions (ksqlDB's is a mock), and an
 * expected exception may be one a query fails with while processing the inputs.
 */
import { readFileSync } from 'node:fs';
import type { Serde } from '../../engine/serde/serde.js';
import { sessionWindowedSerde, timeWindowedSerde } from '../../engine/serde/windowed.js';
import { TopologyTestDriver } from '../../engine/test-driver/topology-test-driver.js';
import type { Windowed } from '../../storage/state/stores.js';
import type { RecordHeader } from '../../storage/types.js';
import type { DataSource, FormatInfo } from '../../sql/catalog/data-source.js';
import { SqlEngine, type TopicAdmin } from '../../sql/engine/sql-engine.js';
import type { ColumnDefinition, CreateSource } from '../../sql/ast/statements.js';
import { parseStatements } from '../../sql/parser/parse.js';
import { fromAstType, typeEquals } from '../../sql/types/sql-type.js';
import type { BuiltQuery } from '../../sql/runtime/build-query.js';
import { InMemorySchemaStore, SchemaRegistry } from '../../sql/schema-registry/index.js';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { parseLenientJson } from './lenient-json.js';
import { formatSpec, specCodec, type SpecCodec } from './spec-codec.js';
import { registerSchemas } from './topic-schemas.js';

export interface QttRecord {
  topic: string;
  key?: unknown;
  value?: unknown;
  timestamp?: number;
  headers?: { KEY: string; VALUE: string | null }[];
  window?: { start: number; end: number; type: string };
}

export interface QttTopic {
  name: string;
  partitions?: number;
  valueSchema?: unknown;
  keySchema?: unknown;
  valueFormat?: string | { format: string };
  keyFormat?: string | { format: string };
  valueSchemaId?: number;
  keySchemaId?: number;
}

export interface QttCase {
  name: string;
  statements: string[];
  inputs?: QttRecord[];
  outputs?: QttRecord[];
  topics?: QttTopic[];
  expectedException?: { type?: string; message?: string };
  format?: string[];
  config?: string[];
  properties?: Record<string, string>;
  versions?: { min?: string; max?: string };
  post?: { sources?: { name: string; type: string; schema?: string; keyFormat?: { format?: string }; valueFormat?: { format?: string } }[] };
}

export type CaseOutcome = { status: 'passed'; messageMatched?: boolean } | { status: 'failed'; reason: string } | { status: 'skipped' };

export interface CaseResult {
  readonly file: string;
  readonly name: string;
  readonly outcome: CaseOutcome;
}

/** The cases of a file, each format/config variant its own case, `{FORMAT}`/`{CONFIG}` substituted. */
export function expandCases(text: string): QttCase[] {
  const parsed = parseLenientJson(text, { lossless: true }) as { tests?: QttCase[] };
  const out: QttCase[] = [];
  for (const t of parsed.tests ?? []) {
    const formats = t.format && t.format.length > 0 ? t.format : [undefined];
    const configs = t.config && t.config.length > 0 ? t.config : [undefined];
    for (const f of formats) {
      for (const c of configs) {
        const sub = (s: string) => {
          let r = s;
          if (f !== undefined) r = r.replaceAll('{FORMAT}', f);
          if (c !== undefined) r = r.replaceAll('{CONFIG}', c);
          return r;
        };
        const name = [t.name, f, c].filter((x) => x !== undefined).join(' - ');
        out.push({
          ...t,
          name,
          statements: (t.statements ?? []).map(sub),
          ...(t.properties ? { properties: Object.fromEntries(Object.entries(t.properties).map(([k, v]) => [k, sub(String(v))])) } : {}),
          ...(t.topics ? { topics: parseLossless(sub(stringifyLossless(t.topics) ?? '[]')) as QttTopic[] } : {}),
        });
      }
    }
  }
  return out;
}

function isHistorical(c: QttCase): boolean {
  const max = c.versions?.max;
  if (!max) return false;
  const major = Number(max.split('.')[0]);
  return Number.isFinite(major) && major < 6;
}

/** Runs a file's cases (each format/config variant its own) with `run`: the engine's runner by default, or the REST one. */
export async function runFile<C extends QttCase>(path: string, label = path, run: (c: C) => Promise<CaseOutcome> = runCase as (c: C) => Promise<CaseOutcome>): Promise<CaseResult[]> {
  const cases = expandCases(readFileSync(path, 'utf8')) as C[];
  const results: CaseResult[] = [];
  for (const c of cases) {
    if (isHistorical(c)) {
      results.push({ file: label, name: c.name, outcome: { status: 'skipped' } });
      continue;
    }
    let outcome: CaseOutcome;
    try {
      outcome = await run(c);
    } catch (error) {
      outcome = { status: 'failed', reason: `runner error: ${error instanceof Error ? error.message : String(error)}` };
    }
    results.push({ file: label, name: c.name, outcome });
  }
  return results;
}

export interface PendingRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: RecordHeader[];
}

class MemoryTopics implements TopicAdmin {
  readonly topics = new Map<string, number>();
  readonly produced: PendingRecord[] = [];

  partitions(topic: string): number | undefined {
    return this.topics.get(topic);
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    this.topics.set(topic, partitions);
  }

  async deleteTopic(topic: string): Promise<void> {
    this.topics.delete(topic);
  }

  async produce(topic: string, record: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: RecordHeader[] }): Promise<void> {
    this.produced.push({ topic, key: record.key, value: record.value, timestamp: record.timestamp, headers: record.headers ?? [] });
  }
}

interface RunningQuery {
  readonly built: BuiltQuery;
  readonly driver: TopologyTestDriver;
}

export async function runCase(c: QttCase): Promise<CaseOutcome> {
  // ksqlDB's runner uses a mock registry client, which checks no compatibility between versions.
  const registry = await SchemaRegistry.open(new InMemorySchemaStore(), { defaultCompatibility: 'NONE' });
  const topics = new MemoryTopics();
  await registerSchemas(registry, c);
  for (const [name, partitions] of caseTopics(c, 4)) topics.topics.set(name, partitions);
  let processingErrors = 0;
  const engine = new SqlEngine({ topics, registry, properties: c.properties ?? {}, onProcessingError: () => processingErrors++, now: () => 0 });
  const running: RunningQuery[] = [];
  try {
    try {
      for (const statement of c.statements) {
        const results = await engine.execute(statement);
        for (const r of results) {
          if (r.kind !== 'QueryStarted') continue;
          const built = await r.query.build();
          const driver = await TopologyTestDriver.create(built.topology, { applicationId: `_confluent-ksql-default_query_${r.query.id}`, onDeserializationError: () => 'continue', onProcessingError: () => 'fail' });
          running.push({ built, driver });
        }
      }
    } catch (error) {
      if (c.expectedException) return expectedFailure(c.expectedException, error);
      return { status: 'failed', reason: `statement rejected: ${error instanceof Error ? error.message : String(error)}` };
    }

    const codecs = new CodecCache(engine, registry, (c.properties?.['use.exact.numeric.comparison'] ?? 'true').toString() !== 'false');
    const produced = new Map<string, PendingRecord[]>();
    const deliver = async (record: PendingRecord): Promise<void> => {
      const queue = [record];
      while (queue.length > 0) {
        const r = queue.shift()!;
        for (const q of running) {
          if (!q.built.sourceTopics.includes(r.topic)) continue;
          q.driver.pipe(r.topic, r.key, r.value, r.timestamp, r.headers);
          for (let out = q.driver.readRaw(q.built.sinkTopic); out; out = q.driver.readRaw(q.built.sinkTopic)) {
            const rec: PendingRecord = { topic: q.built.sinkTopic, key: out.key, value: out.value, timestamp: out.timestamp, headers: out.headers };
            const list = produced.get(rec.topic) ?? [];
            list.push(rec);
            produced.set(rec.topic, list);
            queue.push(rec);
          }
        }
      }
    };
    // As ksqlDB's runner: an expected exception may also be one a query fails with while processing.
    const feed = async (record: PendingRecord): Promise<CaseOutcome | undefined> => {
      try {
        await deliver(record);
        return undefined;
      } catch (error) {
        if (c.expectedException) return expectedFailure(c.expectedException, error);
        throw error;
      }
    };
    for (const r of topics.produced) {
      const failed = await feed(r);
      if (failed) return failed;
    }
    for (const input of c.inputs ?? []) {
      const key = await codecs.encode(input.topic, true, input.key ?? null, input.window);
      const value = await codecs.encode(input.topic, false, input.value ?? null);
      const headers = (input.headers ?? []).map((h) => ({ key: h.KEY, value: h.VALUE === null ? null : Buffer.from(h.VALUE, 'base64') }));
      const failed = await feed({ topic: input.topic, key, value, timestamp: Number(input.timestamp ?? 0), headers });
      if (failed) return failed;
    }
    if (c.expectedException) return { status: 'failed', reason: `expected the statements to be rejected (${c.expectedException.message ?? c.expectedException.type ?? ''})` };
    const outputs = await compareOutputs(c.outputs ?? [], produced, codecs);
    if (outputs.status !== 'passed') return outputs;
    const post = checkPostSources(c, engine);
    return post ? { status: 'failed', reason: post } : outputs;
  } finally {
    for (const q of running) await q.driver.close().catch(() => undefined);
  }
}

function expectedFailure(expected: NonNullable<QttCase['expectedException']>, error: unknown): CaseOutcome {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'passed', messageMatched: expected.message === undefined || message.includes(expected.message) };
}

export async function compareOutputs(expected: readonly QttRecord[], produced: Map<string, PendingRecord[]>, codecs: CodecCache): Promise<CaseOutcome> {
  const byTopic = new Map<string, QttRecord[]>();
  for (const e of expected) byTopic.set(e.topic, [...(byTopic.get(e.topic) ?? []), e]);
  for (const [topic, records] of byTopic) {
    const actual = produced.get(topic) ?? [];
    for (let i = 0; i < records.length; i++) {
      const e = records[i]!;
      const a = actual[i];
      if (!a) return { status: 'failed', reason: `topic ${topic}: expected ${records.length} records, got ${actual.length}; missing #${i}: ${describe(e)}` };
      const problem = await codecs.mismatch(topic, e, a);
      if (problem) return { status: 'failed', reason: `topic ${topic} record #${i}: ${problem}` };
    }
    if (actual.length > records.length) {
      const extra = actual[records.length]!;
      return { status: 'failed', reason: `topic ${topic}: expected ${records.length} records, got ${actual.length}; first extra: ${await codecs.show(topic, extra)}` };
    }
  }
  return { status: 'passed' };
}

function describe(r: QttRecord): string {
  return formatSpec({ key: r.key, value: r.value, timestamp: r.timestamp, ...(r.window ? { window: r.window } : {}) });
}

/** Spec codecs per topic side, from the stream or table the topic belongs to. */
export class CodecCache {
  private readonly cache = new Map<string, Promise<SpecCodec | undefined>>();

  constructor(
    private readonly engine: SqlEngine,
    private readonly registry: SchemaRegistry,
    private readonly exactNumbers: boolean,
  ) {}

  private sourceOf(topic: string): DataSource | undefined {
    const all = this.engine.metaStore.allSources().filter((s) => s.topic === topic);
    return all.find((s) => s.isCasTarget) ?? all[0];
  }

  codec(topic: string, isKey: boolean): Promise<SpecCodec | undefined> {
    const id = `${topic}\u0000${isKey}`;
    let c = this.cache.get(id);
    if (!c) {
      const source = this.sourceOf(topic);
      c = source
        ? specCodec({
            topic,
            isKey,
            columns: isKey ? source.schema.keyColumns : source.schema.valueColumns,
            format: isKey ? source.keyFormat : source.valueFormat,
            registry: this.registry,
            exactNumericComparison: this.exactNumbers,
          })
        : Promise.resolve(undefined);
      this.cache.set(id, c);
    }
    return c;
  }

  private windowSerde(topic: string): ((inner: Serde<Buffer>) => Serde<Windowed<Buffer>>) | undefined {
    const w = this.sourceOf(topic)?.window;
    if (!w) return undefined;
    return (inner) => (w.type === 'SESSION' ? sessionWindowedSerde(inner) : timeWindowedSerde(inner, w.sizeMs ?? 0));
  }

  async encode(topic: string, isKey: boolean, spec: unknown, window?: QttRecord['window']): Promise<Buffer | null> {
    const codec = await this.codec(topic, isKey);
    const bytes = codec ? codec.encode(spec) : spec === null || spec === undefined ? null : Buffer.from(typeof spec === 'string' ? spec : JSON.stringify(spec));
    const wrap = isKey ? this.windowSerde(topic) : undefined;
    if (!wrap || bytes === null) return bytes;
    const serde = wrap(passThrough);
    return serde.serialize(topic, { key: bytes, window: { start: Number(window?.start ?? 0), end: Number(window?.end ?? 0) } });
  }

  private async decodeKey(topic: string, bytes: Buffer | null): Promise<{ key: Buffer | null; window?: { start: number; end: number } }> {
    const wrap = this.windowSerde(topic);
    if (!wrap || bytes === null) return { key: bytes };
    const w = wrap(passThrough).deserialize(topic, bytes);
    return w === null ? { key: null } : { key: w.key, window: w.window };
  }

  async mismatch(topic: string, e: QttRecord, a: PendingRecord): Promise<string | undefined> {
    const { key, window } = await this.decodeKey(topic, a.key);
    const keyCodec = await this.codec(topic, true);
    const valueCodec = await this.codec(topic, false);
    await keyCodec?.prepare(key);
    await valueCodec?.prepare(a.value);
    const keyOk = keyCodec ? keyCodec.matches(e.key ?? null, key) : key === null ? e.key === null || e.key === undefined : true;
    const valueOk = valueCodec ? valueCodec.matches(e.value ?? null, a.value) : true;
    const tsOk = e.timestamp === undefined || Number(e.timestamp) === a.timestamp;
    const winOk = e.window === undefined || (window !== undefined && window.start === Number(e.window.start) && window.end === Number(e.window.end));
    if (keyOk && valueOk && tsOk && winOk) return undefined;
    return `expected ${describe(e)}, got ${await this.show(topic, a)}`;
  }

  async show(topic: string, a: PendingRecord): Promise<string> {
    const { key, window } = await this.decodeKey(topic, a.key);
    const keyCodec = await this.codec(topic, true);
    const valueCodec = await this.codec(topic, false);
    const safe = (f: () => unknown) => {
      try {
        return f();
      } catch (error) {
        return `<undecodable: ${error instanceof Error ? error.message : String(error)}>`;
      }
    };
    return formatSpec({
      key: safe(() => (keyCodec ? keyCodec.decode(key) : key?.toString('hex'))),
      value: safe(() => (valueCodec ? valueCodec.decode(a.value) : a.value?.toString())),
      timestamp: a.timestamp,
      ...(window ? { window } : {}),
    });
  }
}

const passThrough: Serde<Buffer> = {
  serialize: (_t, d) => d,
  deserialize: (_t, d) => d,
};

/**
 * The case's `post.sources`: each named stream or table exists with the given type, columns
 * (names, types, key or value) and key/value formats. Undefined when they match, else the problem.
 */
export function checkPostSources(c: QttCase, engine: SqlEngine): string | undefined {
  for (const expected of c.post?.sources ?? []) {
    const source = engine.metaStore.getSource(expected.name);
    if (!source) return `post: source ${expected.name} does not exist`;
    if (source.sourceType.toLowerCase() !== expected.type.toLowerCase()) return `post: ${expected.name} is a ${source.sourceType}, expected a ${expected.type}`;
    if (expected.keyFormat?.format && expected.keyFormat.format.toUpperCase() !== source.keyFormat.format) return `post: ${expected.name} has key format ${source.keyFormat.format}, expected ${expected.keyFormat.format}`;
    if (expected.valueFormat?.format && expected.valueFormat.format.toUpperCase() !== source.valueFormat.format) return `post: ${expected.name} has value format ${source.valueFormat.format}, expected ${expected.valueFormat.format}`;
    if (expected.schema === undefined) continue;
    let columns: ColumnDefinition[];
    try {
      const [parsed] = parseStatements(`CREATE STREAM POST_SCHEMA (${expected.schema}) WITH (KAFKA_TOPIC='x', VALUE_FORMAT='JSON');`);
      columns = [...(parsed!.statement as CreateSource).columns];
    } catch (error) {
      return `post: cannot read the expected schema of ${expected.name}: ${error instanceof Error ? error.message : String(error)}`;
    }
    const actual = source.schema.columns;
    const types = engine.metaStore.customTypes();
    const same =
      actual.length === columns.length &&
      columns.every((e, i) => {
        const a = actual[i]!;
        const key = e.constraint?.kind === 'Key' || e.constraint?.kind === 'PrimaryKey';
        return a.name === e.name && (a.namespace === 'KEY') === key && typeEquals(a.type, fromAstType(e.type, types));
      });
    if (!same) return `post: ${expected.name} has schema ${source.schema.format()}, expected ${expected.schema}`;
  }
  return undefined;
}

/**
 * The topics that exist before a case's statements run, with their partitions: the case's
 * `topics`, those its CREATE (not AS SELECT) statements name (with the PARTITIONS they ask for),
 * and its input and output topics; `defaultPartitions` where nothing says.
 */
export function caseTopics(c: QttCase, defaultPartitions = 1): Map<string, number> {
  const topics = new Map<string, number>();
  for (const t of c.topics ?? []) if (t.partitions !== undefined) topics.set(t.name, Number(t.partitions));
  for (const s of c.statements) {
    if (/\bAS\s+SELECT\b/i.test(s) || !/^\s*CREATE\b/i.test(s)) continue;
    const m = /kafka_topic\s*=\s*'([^']*)'/i.exec(s);
    const p = /\bPARTITIONS\s*=\s*(\d+)/i.exec(s);
    if (m && !topics.has(m[1]!)) topics.set(m[1]!, p ? Number(p[1]) : defaultPartitions);
  }
  for (const t of [...(c.topics ?? []).map((x) => x.name), ...[...(c.inputs ?? []), ...(c.outputs ?? [])].map((r) => r.topic)]) if (!topics.has(t)) topics.set(t, defaultPartitions);
  return topics;
}

export type { FormatInfo };
