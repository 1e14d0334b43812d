/**
 * The answers of read-only statements (SHOW, LIST, DESCRIBE, EXPLAIN, ASSERT) as ksqlDB's REST
 * entities: the same `@type` names and fields, so ksqlDB clients and the CLI read them.
 */
import type { Statement } from '../../sql/ast/statements.js';
import type { DataSource } from '../../sql/catalog/data-source.js';
import { SqlStatementError } from '../../sql/catalog/errors.js';
import { WINDOWSTART, WINDOWEND } from '../../sql/catalog/logical-schema.js';
import type { SqlEngine } from '../../sql/engine/sql-engine.js';
import type { SchemaRegistryClient } from '../../sql/schema-registry/client.js';
import { DEFAULTS } from '../../sql/engine/sql-config.js';
import type { SqlType } from '../../sql/types/sql-type.js';
import type { KsqlServer, Properties } from './ksql-server.js';
import type { PersistentQueryRunner } from './persistent-queries.js';
import { restSchema } from './rest-json.js';
import type { ClientTopicAdmin } from './topic-admin.js';

export type Entity = { '@type': string; statementText: string; warnings?: unknown[] } & Record<string, unknown>;

export interface StatementContext {
  readonly server: KsqlServer;
  readonly engine: SqlEngine;
  readonly runner: PersistentQueryRunner;
  readonly properties: Properties;
  readonly variables: ReadonlyMap<string, string>;
  readonly topics: ClientTopicAdmin;
  readonly queryProperties: ReadonlyMap<string, Properties>;
  readonly registry?: SchemaRegistryClient;
}

/** ksqlDB's format names as SHOW/DESCRIBE print them. */
function formatName(source: DataSource, side: 'key' | 'value'): string {
  return (side === 'key' ? source.keyFormat : source.valueFormat).format;
}

function sourceSummary(source: DataSource) {
  return {
    type: source.sourceType,
    name: source.name,
    topic: source.topic,
    keyFormat: formatName(source, 'key'),
    valueFormat: formatName(source, 'value'),
    isWindowed: source.window !== undefined,
  };
}

function field(name: string, type: SqlType, kind?: 'KEY' | 'HEADER') {
  return { name, schema: restSchema(type), ...(kind ? { type: kind } : {}) };
}

function queryState(ctx: StatementContext, id: string): string {
  const state = ctx.runner.state(id);
  return state === 'RUNNING' || state === 'REBALANCING' || state === 'CREATED' ? 'RUNNING' : state === 'ERROR' ? 'ERROR' : state === 'UNKNOWN' ? 'UNKNOWN' : 'PENDING_SHUTDOWN';
}

function runningQuery(ctx: StatementContext, id: string) {
  const info = ctx.engine.metaStore.getQuery(id)!;
  const sink = ctx.engine.metaStore.getSource(info.sink);
  const state = queryState(ctx, id);
  return {
    queryString: info.statementText,
    sinks: [info.sink],
    sinkKafkaTopics: sink ? [sink.topic] : [],
    id,
    statusCount: { [state]: 1 },
    queryType: 'PERSISTENT',
    state,
  };
}

function sourceDescription(ctx: StatementContext, source: DataSource, extended: boolean) {
  const meta = ctx.engine.metaStore;
  const fields = [
    ...source.schema.key.map((c) => field(c.name, c.type, 'KEY')),
    ...(source.window ? [field(WINDOWSTART, { kind: 'BIGINT' }, 'KEY'), field(WINDOWEND, { kind: 'BIGINT' }, 'KEY')] : []),
    ...source.schema.value.map((c) => field(c.name, c.type, c.namespace === 'HEADER' ? 'HEADER' : undefined)),
  ];
  const statistics = extended ? ctx.engine.metaStore.queriesWriting(source.name).map((q) => ctx.runner.metrics(q.id)).filter((m) => m !== undefined) : [];
  const processed = statistics.reduce((n, m) => n + m.processed, 0);
  return {
    name: source.name,
    windowType: source.window?.type ?? null,
    readQueries: meta.queriesReading(source.name).map((q) => runningQuery(ctx, q.id)),
    writeQueries: meta.queriesWriting(source.name).map((q) => runningQuery(ctx, q.id)),
    fields,
    type: source.sourceType,
    timestamp: source.timestamp?.column ?? '',
    statistics: extended ? `messages-processed: ${processed}` : '',
    errorStats: extended ? `processing-errors: ${ctx.server.processingLog.count}` : '',
    extended,
    keyFormat: formatName(source, 'key'),
    valueFormat: formatName(source, 'value'),
    topic: source.topic,
    partitions: ctx.topics.partitions(source.topic) ?? 0,
    replication: 1,
    statement: source.sqlText,
    queryOffsetSummaries: [],
    sourceConstraints: meta.allSources().filter((s) => s.name !== source.name && meta.queriesReading(source.name).some((q) => q.sink === s.name)).map((s) => s.name),
    clusterStatistics: [],
    clusterErrorStats: [],
  };
}

export async function describeEntity(statement: Statement, text: string, ctx: StatementContext): Promise<Entity | undefined> {
  const meta = ctx.engine.metaStore;
  switch (statement.kind) {
    case 'Show':
      switch (statement.subject) {
        case 'STREAMS':
        case 'TABLES': {
          const type = statement.subject === 'STREAMS' ? 'STREAM' : 'TABLE';
          const sources = meta.allSources().filter((s) => s.sourceType === type).sort((a, b) => a.name.localeCompare(b.name));
          if (statement.extended) {
            return { '@type': 'source_descriptions', statementText: text, sourceDescriptions: sources.map((s) => sourceDescription(ctx, s, true)), warnings: [] };
          }
          return { '@type': statement.subject.toLowerCase(), statementText: text, [statement.subject.toLowerCase()]: sources.map(sourceSummary), warnings: [] };
        }
        case 'TOPICS': {
          const topics = (await ctx.topics.listTopics()).filter((t) => statement.all || !t.name.startsWith('_')).sort((a, b) => a.name.localeCompare(b.name));
          return { '@type': 'kafka_topics', statementText: text, topics: topics.map((t) => ({ name: t.name, replicaInfo: Array.from({ length: t.partitions }, () => 1) })), warnings: [] };
        }
        case 'QUERIES':
          return { '@type': 'queries', statementText: text, queries: meta.allQueries().map((q) => runningQuery(ctx, q.id)), warnings: [] };
        case 'PROPERTIES': {
          // Every property in effect: ksqlDB's defaults, the server's settings, the request's overrides.
          const effective = new Map<string, string>(Object.entries(DEFAULTS).filter(([, v]) => v !== ''));
          for (const [k, v] of ctx.engine.properties.entries()) effective.set(k, v);
          for (const [k, v] of Object.entries(ctx.properties)) effective.set(k, String(v));
          const set = new Set([...ctx.engine.properties.entries().map(([k]) => k), ...Object.keys(ctx.properties)]);
          return {
            '@type': 'properties',
            statementText: text,
            properties: [...effective].sort(([a], [b]) => a.localeCompare(b)).map(([name, value]) => ({ name, scope: name.startsWith('ksql.') ? 'KSQL' : 'STREAMS', value })),
            overwrittenProperties: Object.keys(ctx.properties),
            defaultProperties: [...effective.keys()].filter((k) => !set.has(k)).sort(),
            warnings: [],
          };
        }
        case 'FUNCTIONS':
          return { '@type': 'function_names', statementText: text, functions: ctx.engine.functions.list().map((f) => ({ name: f.name, type: f.type, category: f.category })), warnings: [] };
        case 'TYPES': {
          const types: Record<string, unknown> = {};
          for (const [name, type] of meta.customTypes()) types[name] = restSchema(type);
          return { '@type': 'type_list', statementText: text, types, warnings: [] };
        }
        case 'VARIABLES':
          return { '@type': 'variables', statementText: text, variables: [...ctx.variables].map(([name, value]) => ({ name, value })), warnings: [] };
        default:
          throw new SqlStatementError('SQL_UNSUPPORTED', `SHOW ${statement.subject} is not supported: Freshet has no Kafka Connect integration.`);
      }
    case 'DescribeSource': {
      const source = meta.getSource(statement.name);
      if (!source) throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `Could not find STREAM/TABLE '${statement.name}' in the Metastore`);
      return { '@type': 'sourceDescription', statementText: text, sourceDescription: sourceDescription(ctx, source, statement.extended), warnings: [] };
    }
    case 'DescribeAll': {
      const sources = meta.allSources().filter((s) => s.sourceType === statement.sourceType);
      return { '@type': 'source_descriptions', statementText: text, sourceDescriptions: sources.map((s) => sourceDescription(ctx, s, statement.extended)), warnings: [] };
    }
    case 'DescribeFunction': {
      const d = ctx.engine.functions.describe(statement.name);
      return {
        '@type': 'describe_function',
        statementText: text,
        name: d.name,
        description: d.description,
        author: d.author,
        version: d.version,
        path: 'internal',
        functions: d.variants.map((v) => ({ arguments: v.arguments.map((a) => ({ name: a.name, type: a.type, description: a.description, isVariadic: a.type.startsWith('...') })), returnType: v.returnType, description: v.description, argumentTypes: v.arguments.map((a) => a.type) })),
        type: d.type,
        warnings: [],
      };
    }
    case 'Explain':
      return explain(statement, text, ctx);
    case 'AssertTopic': {
      const exists = ctx.topics.partitions(statement.topic) !== undefined;
      if (exists !== statement.exists) throw new SqlStatementError('SQL_ASSERTION_FAILED', `Topic ${statement.topic} ${exists ? 'exists' : 'does not exist'}.`);
      return { '@type': 'assert_topic', statementText: text, topicName: statement.topic, exists, warnings: [] };
    }
    case 'AssertSchema': {
      const registry = ctx.registry;
      if (!registry) throw new SqlStatementError('SQL_UNSUPPORTED', 'ASSERT SCHEMA needs a schema registry; this server has none.');
      let exists: boolean;
      if (statement.subject !== undefined) {
        const latest = await registry.getLatest(statement.subject).catch(() => null);
        exists = latest !== null && (statement.id === undefined || latest.id === statement.id);
      } else {
        exists = await registry.getById(statement.id!).then(
          () => true,
          () => false,
        );
      }
      if (exists !== statement.exists) {
        const what = [statement.subject !== undefined ? `subject ${statement.subject}` : undefined, statement.id !== undefined ? `id ${statement.id}` : undefined].filter((x) => x !== undefined).join(' and ');
        throw new SqlStatementError('SQL_ASSERTION_FAILED', `Schema with ${what} ${exists ? 'exists' : 'does not exist'}.`);
      }
      return { '@type': 'assert_schema', statementText: text, subject: statement.subject ?? null, id: statement.id ?? null, exists, warnings: [] };
    }
    default:
      throw new SqlStatementError('SQL_UNSUPPORTED', `${statement.kind} statements are not supported by this server.`);
  }
}

function explain(statement: Extract<Statement, { kind: 'Explain' }>, text: string, ctx: StatementContext): Entity {
  if (statement.queryId !== undefined) {
    const query = ctx.engine.getQuery(statement.queryId);
    const running = ctx.runner.get(statement.queryId);
    if (!query) throw new SqlStatementError('SQL_UNKNOWN_QUERY', `Query with id:${statement.queryId} does not exist, use SHOW QUERIES to view the full set of running queries.`);
    const sink = ctx.engine.metaStore.getSource(query.sinkName);
    return {
      '@type': 'queryDescription',
      statementText: text,
      queryDescription: {
        id: query.id,
        statementText: query.statementText,
        windowType: sink?.window?.type ?? null,
        fields: sink ? [...sink.schema.key.map((c) => field(c.name, c.type, 'KEY')), ...sink.schema.value.map((c) => field(c.name, c.type))] : [],
        sources: query.plan.sources,
        sinks: [query.sinkName],
        topology: running ? String(running.app.topology.describe()) : '',
        executionPlan: JSON.stringify(query.plan, null, 2),
        overriddenProperties: ctx.queryProperties.get(query.id) ?? {},
        ksqlHostQueryStatus: {},
        queryType: 'PERSISTENT',
        queryErrors: [],
        tasksMetadata: [],
        state: queryState(ctx, query.id),
      },
      warnings: [],
    };
  }
  const inner = statement.statement!;
  const query = inner.kind === 'Query' ? inner : inner.query;
  const planned = ctx.engine.planTransient(query);
  return {
    '@type': 'queryDescription',
    statementText: text,
    queryDescription: {
      id: '',
      statementText: text.replace(/^\s*EXPLAIN\s+/i, ''),
      windowType: planned.window?.type ?? null,
      fields: planned.step.schema.value.map((c) => field(c.name, c.type)),
      sources: planned.sources,
      sinks: [],
      topology: '',
      executionPlan: JSON.stringify(planned.step, null, 2),
      overriddenProperties: ctx.properties,
      ksqlHostQueryStatus: {},
      queryType: 'PUSH',
      queryErrors: [],
      tasksMetadata: [],
      state: 'UNKNOWN',
    },
    warnings: [],
  };
}
