/**
 * The entities of POST /ksql as the ksql CLI prints them in its tabular output: a bordered table
 * per list, `Name : value` lines for descriptions. An entity this file does not know is printed
 * as JSON. Pure: entity in, text out.
 */
import type { Entity } from './rest-client.js';
import { formatCell, renderProperties, renderTable } from './table.js';

interface SourceSummary {
  name: string;
  topic: string;
  keyFormat?: string;
  valueFormat?: string;
  format?: string;
  isWindowed?: boolean;
}

interface RunningQuery {
  id: string;
  queryType?: string;
  state?: string;
  statusCount?: Record<string, number>;
  sinks?: string[];
  sinkKafkaTopics?: string[];
  queryString?: string;
}

interface FieldInfo {
  name: string;
  schema: SchemaInfo;
  type?: 'KEY' | 'HEADER';
  headerKey?: string;
}

export interface SchemaInfo {
  type: string;
  fields?: { name: string; schema: SchemaInfo }[] | null;
  memberSchema?: SchemaInfo | null;
  parameters?: Record<string, number> | null;
}

interface SourceDescription {
  name: string;
  type: string;
  windowType?: string | null;
  timestamp?: string;
  keyFormat?: string;
  valueFormat?: string;
  topic?: string;
  partitions?: number;
  replication?: number;
  statement?: string;
  fields?: FieldInfo[];
  readQueries?: RunningQuery[];
  writeQueries?: RunningQuery[];
  extended?: boolean;
  statistics?: string;
  errorStats?: string;
}

/** A column type as SQL: `STRUCT<A INTEGER, B ARRAY<STRING>>`, `DECIMAL(10, 2)`. */
export function formatSchema(schema: SchemaInfo): string {
  switch (schema.type) {
    case 'ARRAY':
      return `ARRAY<${schema.memberSchema ? formatSchema(schema.memberSchema) : '?'}>`;
    case 'MAP':
      return `MAP<STRING, ${schema.memberSchema ? formatSchema(schema.memberSchema) : '?'}>`;
    case 'STRUCT':
      return `STRUCT<${(schema.fields ?? []).map((f) => `${f.name} ${formatSchema(f.schema)}`).join(', ')}>`;
    case 'DECIMAL': {
      const p = schema.parameters;
      return p && p.precision !== undefined ? `DECIMAL(${p.precision}, ${p.scale ?? 0})` : 'DECIMAL';
    }
    default:
      return schema.type;
  }
}

function fieldType(field: FieldInfo, sourceType: string): string {
  const type = formatSchema(field.schema);
  if (field.type === 'KEY') return `${type} (${sourceType === 'TABLE' ? 'primary key' : 'key'})`;
  if (field.type === 'HEADER') return `${type} (header${field.headerKey ? `('${field.headerKey}')` : ''})`;
  return type;
}

function queryStatus(q: RunningQuery): string {
  const counts = Object.entries(q.statusCount ?? {});
  return counts.length > 0 ? counts.map(([state, n]) => `${state}:${n}`).join(',') : (q.state ?? '');
}

function sourcesTable(kind: 'Stream' | 'Table', sources: readonly SourceSummary[]): string {
  return renderTable(
    [`${kind} Name`, 'Kafka Topic', 'Key Format', 'Value Format', 'Windowed'],
    sources.map((s) => [s.name, s.topic, s.keyFormat ?? '', s.valueFormat ?? s.format ?? '', String(s.isWindowed ?? false)]),
  );
}

function queriesTable(queries: readonly RunningQuery[]): string {
  return (
    renderTable(
      ['Query ID', 'Query Type', 'Status', 'Sink Name', 'Sink Kafka Topic', 'Query String'],
      queries.map((q) => [q.id, q.queryType ?? '', queryStatus(q), (q.sinks ?? []).join(', '), (q.sinkKafkaTopics ?? []).join(', '), q.queryString ?? '']),
    ) + 'For detailed information on a Query run: EXPLAIN <Query ID>;\n'
  );
}

function queryList(title: string, queries: readonly RunningQuery[]): string {
  const lines = [title, '-'.repeat(title.length)];
  for (const q of queries) lines.push(`${q.id} (${q.state ?? queryStatus(q)}) : ${q.queryString ?? ''}`);
  return lines.join('\n') + '\n';
}

export function renderSourceDescription(d: SourceDescription): string {
  const pairs: [string, string][] = [
    ['Name', d.name],
    ['Type', d.type],
    ['Timestamp field', d.timestamp ? d.timestamp : 'Not set - using <ROWTIME>'],
    ['Key format', d.keyFormat ?? ''],
    ['Value format', d.valueFormat ?? ''],
    ['Kafka topic', `${d.topic ?? ''}${d.partitions !== undefined ? ` (partitions: ${d.partitions}, replication: ${d.replication ?? 1})` : ''}`],
  ];
  if (d.windowType) pairs.push(['Window type', d.windowType]);
  if (d.extended && d.statement) pairs.push(['Statement', d.statement]);
  const parts = [renderProperties(pairs), renderTable(['Field', 'Type'], (d.fields ?? []).map((f) => [f.name, fieldType(f, d.type)]))];
  const reading = d.readQueries ?? [];
  const writing = d.writeQueries ?? [];
  if (reading.length > 0) parts.push(queryList(`Queries that read from this ${d.type}`, reading));
  if (writing.length > 0) parts.push(queryList(`Queries that write to this ${d.type}`, writing));
  if (reading.length + writing.length > 0) parts.push('For query topology and execution plan please run: EXPLAIN <QueryId>\n');
  if (d.extended) {
    const stats = [d.statistics, d.errorStats].filter((s): s is string => !!s);
    if (stats.length > 0) parts.push(['Local runtime statistics', '------------------------', ...stats].join('\n') + '\n');
  } else {
    parts.push(`For runtime statistics and query details run: DESCRIBE ${d.name} EXTENDED;\n`);
  }
  return parts.join('\n');
}

interface QueryDescription {
  id: string;
  queryType?: string;
  state?: string;
  statementText?: string;
  fields?: FieldInfo[];
  sources?: string[];
  sinks?: string[];
  executionPlan?: string;
  topology?: string;
  overriddenProperties?: Record<string, unknown>;
}

function renderQueryDescription(q: QueryDescription): string {
  const pairs: [string, string][] = [];
  if (q.id) pairs.push(['ID', q.id]);
  if (q.queryType) pairs.push(['Query type', q.queryType]);
  if (q.state) pairs.push(['Status', q.state]);
  pairs.push(['SQL', q.statementText ?? '']);
  const parts = [renderProperties(pairs), renderTable(['Field', 'Type'], (q.fields ?? []).map((f) => [f.name, fieldType(f, 'STREAM')]))];
  const section = (title: string, body: string): string => `${title}\n${'-'.repeat(title.length)}\n${body.replace(/\n$/, '')}\n`;
  parts.push(section('Sources that this query reads from:', (q.sources ?? []).join('\n')));
  parts.push(section('Sinks that this query writes to:', (q.sinks ?? []).join('\n')));
  if (q.executionPlan) parts.push(section('Execution plan', q.executionPlan));
  if (q.topology) parts.push(section('Processing topology', q.topology));
  const overridden = Object.entries(q.overriddenProperties ?? {});
  if (overridden.length > 0) parts.push(`Overridden Properties\n---------------------\n${renderTable(['Property', 'Value'], overridden.map(([k, v]) => [k, formatCell(v)]))}`);
  return parts.join('\n');
}

interface FunctionDescription {
  name: string;
  author?: string;
  version?: string;
  description?: string;
  type?: string;
  path?: string;
  functions?: { arguments?: { name: string; type: string; description?: string }[]; returnType?: string; description?: string }[];
}

function renderFunction(f: FunctionDescription): string {
  const head = renderProperties([
    ['Name', f.name],
    ['Author', f.author ?? ''],
    ['Version', f.version ?? ''],
    ['Overview', f.description ?? ''],
    ['Type', f.type ?? ''],
    ['Jar', f.path ?? ''],
    ['Variations', ''],
  ]);
  const variations = (f.functions ?? []).map((v) => {
    const args = v.arguments ?? [];
    const pairs: [string, string][] = [
      ['Variation', `${f.name}(${args.map((a) => `${a.name} ${a.type}`).join(', ')})`],
      ['Returns', v.returnType ?? ''],
    ];
    if (v.description) pairs.push(['Description', v.description]);
    for (const a of args) if (a.description) pairs.push([a.name, a.description]);
    return renderProperties(pairs)
      .split('\n')
      .map((l) => (l === '' ? l : `\t${l}`))
      .join('\n');
  });
  return [head, ...variations].join('\n');
}

function warnings(entity: Entity): string {
  return (entity.warnings ?? []).map((w) => `WARNING: ${w.message}\n`).join('');
}

/** One entity as the tabular output prints it (ends with a newline). */
export function renderEntity(entity: Entity): string {
  return renderBody(entity) + warnings(entity);
}

function renderBody(entity: Entity): string {
  const e = entity as Record<string, unknown>;
  switch (entity['@type']) {
    case 'currentStatus': {
      const status = (e.commandStatus ?? {}) as { message?: string; status?: string };
      return renderTable(['Message'], [[status.message ?? status.status ?? '']]);
    }
    case 'streams':
      return sourcesTable('Stream', (e.streams ?? []) as SourceSummary[]);
    case 'tables':
      return sourcesTable('Table', (e.tables ?? []) as SourceSummary[]);
    case 'queries':
      return queriesTable((e.queries ?? []) as RunningQuery[]);
    case 'kafka_topics': {
      const topics = (e.topics ?? []) as { name: string; replicaInfo?: number[] }[];
      return renderTable(
        ['Kafka Topic', 'Partitions', 'Partition Replicas'],
        topics.map((t) => [t.name, String(t.replicaInfo?.length ?? 0), String(t.replicaInfo?.[0] ?? 0)]),
      );
    }
    case 'kafka_topics_extended': {
      const topics = (e.topics ?? []) as { name: string; replicaInfo?: number[]; consumerCount?: number; consumerGroupCount?: number }[];
      return renderTable(
        ['Kafka Topic', 'Partitions', 'Partition Replicas', 'Consumers', 'Consumer Groups'],
        topics.map((t) => [t.name, String(t.replicaInfo?.length ?? 0), String(t.replicaInfo?.[0] ?? 0), String(t.consumerCount ?? 0), String(t.consumerGroupCount ?? 0)]),
      );
    }
    case 'properties': {
      const overwritten = new Set((e.overwrittenProperties ?? []) as string[]);
      const properties = (e.properties ?? []) as { name: string; scope?: string; level?: string; value: unknown }[];
      return renderTable(
        ['Property', 'Scope', 'Level', 'Value'],
        properties.map((p) => [p.name, p.scope ?? '', p.level ?? (overwritten.has(p.name) ? 'SESSION' : 'SERVER'), formatCell(p.value)]),
      );
    }
    case 'function_names': {
      const functions = [...((e.functions ?? []) as { name: string; type?: string; category?: string }[])].sort((a, b) => a.name.localeCompare(b.name));
      return renderTable(['Function Name', 'Type', 'Category'], functions.map((f) => [f.name, f.type ?? '', f.category ?? ''])) + 'For detailed information on a function run: DESCRIBE FUNCTION <Function Name>;\n';
    }
    case 'type_list': {
      const types = Object.entries((e.types ?? {}) as Record<string, SchemaInfo>);
      return renderTable(['Type Name', 'Schema'], types.map(([name, schema]) => [name, formatSchema(schema)]));
    }
    case 'variables': {
      const variables = (e.variables ?? []) as { name: string; value: string }[];
      return renderTable(['Variable Name', 'Value'], variables.map((v) => [v.name, v.value]));
    }
    case 'sourceDescription':
      return renderSourceDescription(e.sourceDescription as SourceDescription);
    case 'source_descriptions':
      return ((e.sourceDescriptions ?? []) as SourceDescription[]).map(renderSourceDescription).join('\n');
    case 'queryDescription':
      return renderQueryDescription(e.queryDescription as QueryDescription);
    case 'describe_function':
      return renderFunction(e as unknown as FunctionDescription);
    case 'assert_topic':
      return `Topic ${String(e.topicName)} ${e.exists ? 'exists' : 'does not exist'}\n`;
    case 'assert_schema':
      return `Schema ${String(e.subject ?? e.id ?? '')} ${e.exists ? 'exists' : 'does not exist'}\n`;
    default:
      return JSON.stringify(entity, null, 2) + '\n';
  }
}
