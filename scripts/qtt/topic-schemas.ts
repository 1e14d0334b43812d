/**
 * The schemas a case has registered before its statements run, in the order ksqlDB's runner
 * registers them, since cases name schemas by the ids that order gives (KEY_SCHEMA_ID=1 …):
 *
 * - a case's `topics` with their key and value schemas, then, for topics not listed there, the
 *   ones its CREATE STREAM/TABLE statements declare columns for in a schema registry format
 *   (the schema generated from those columns);
 * - topics in the iteration order of the Java HashMap ksqlDB's runner keeps them in (by the
 *   bucket of the name's hash, then insertion), each topic's key schema before its value schema.
 */
import { stringify as stringifyLossless } from 'lossless-json';
import type { Column, FormatName } from '../../sql/formats/format.js';
import { getFormat } from '../../sql/formats/index.js';
import { SqlEngine, type TopicAdmin } from '../../sql/engine/sql-engine.js';
import { formatSerde } from '../../sql/runtime/build-query.js';
import type { SchemaRegistry } from '../../sql/schema-registry/index.js';
import { caseTopics, type QttCase, type QttTopic } from './runner.js';

interface PendingTopic {
  readonly name: string;
  readonly register: (side: 'key' | 'value') => Promise<void>;
}

export async function registerSchemas(registry: SchemaRegistry, c: QttCase): Promise<void> {
  const topics: PendingTopic[] = (c.topics ?? []).map((t) => ({
    name: t.name,
    register: (side) => (side === 'key' ? registerSchema(registry, t.name, 'key', t.keySchema, t.keyFormat, t.keySchemaId) : registerSchema(registry, t.name, 'value', t.valueSchema, t.valueFormat, t.valueSchemaId)),
  }));
  for (const declared of await declaredSchemas(registry, c)) if (!topics.some((t) => t.name === declared.name)) topics.push(declared);
  for (const t of javaHashMapOrder(topics)) {
    await t.register('key');
    await t.register('value');
  }
}

/**
 * Topics whose CREATE statement declares columns in a schema registry format, registering the
 * schema Freshet generates for them. The statements run in a scratch engine that never registers
 * anything itself; one that fails there is left for the case to report.
 */
async function declaredSchemas(registry: SchemaRegistry, c: QttCase): Promise<PendingTopic[]> {
  const creates = c.statements.filter((s) => /^\s*CREATE\s+(OR\s+REPLACE\s+)?(SOURCE\s+)?(STREAM|TABLE|TYPE)\b/i.test(s) && !/\bAS\s+SELECT\b/i.test(s));
  if (creates.length === 0) return [];
  // The case's topics, as the run itself has them.
  const topics = caseTopics(c, 4);
  const admin: TopicAdmin = {
    partitions: (t) => topics.get(t),
    createTopic: async (t, p) => void topics.set(t, p),
    deleteTopic: async (t) => void topics.delete(t),
    produce: async () => undefined,
  };
  const engine = new SqlEngine({ topics: admin, registry, properties: c.properties ?? {}, now: () => 0 });
  const out: PendingTopic[] = [];
  for (const statement of creates) {
    let results: Awaited<ReturnType<SqlEngine['execute']>>;
    try {
      results = await engine.execute(statement);
    } catch {
      continue;
    }
    for (const r of results) {
      // Nothing is registered yet, so a source created here declared its columns.
      if (r.kind !== 'SourceCreated') continue;
      const { source } = r;
      const sides = { key: { format: source.keyFormat, columns: source.schema.keyColumns }, value: { format: source.valueFormat, columns: source.schema.valueColumns } };
      out.push({
        name: source.topic,
        register: async (side) => {
          const { format, columns } = sides[side];
          if (columns.length === 0 || !getFormat(format.format).usesSchemaRegistry) return;
          await formatSerde(format, columns as readonly Column[], side === 'key', source.topic, registry).catch(() => undefined);
        },
      });
    }
  }
  return out;
}

/** Java's String.hashCode. */
function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** The order a java.util.HashMap with default settings iterates these keys in (no tree bins). */
function javaHashMapOrder<T extends { name: string }>(entries: readonly T[]): T[] {
  let capacity = 16;
  while (entries.length > capacity * 0.75) capacity *= 2;
  const bucket = (name: string): number => {
    const h = javaHash(name);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return entries.map((e, i) => ({ e, i, b: bucket(e.name) })).sort((x, y) => x.b - y.b || x.i - y.i).map((x) => x.e);
}

async function registerSchema(registry: SchemaRegistry, topic: string, side: 'key' | 'value', schema: unknown, format: QttTopic['valueFormat'], id: unknown): Promise<void> {
  if (schema === undefined || schema === null) return;
  const name = (typeof format === 'string' ? format : format?.format)?.toUpperCase() as FormatName | undefined;
  const schemaType = name === 'PROTOBUF' ? 'PROTOBUF' : name === 'JSON_SR' || name === 'JSON' ? 'JSON' : 'AVRO';
  const text = typeof schema === 'string' && schemaType === 'PROTOBUF' ? schema : (stringifyLossless(schema) ?? 'null');
  await registry.register(`${topic}-${side}`, { schema: text, schemaType }, id === undefined || id === null ? {} : { id: Number(id) });
}
