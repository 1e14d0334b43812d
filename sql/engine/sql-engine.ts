/**
 * The SQL engine: statements in, catalog changes and persistent queries out.
 *
 * It owns the catalog (streams, tables, types, queries) and the session's properties; it plans
 * queries to physical plans and hands them out as PersistentQuery objects, which whoever runs
 * them (the server's streams runtime, the conformance runner's test drivers) builds into engine
 * topologies. Topics are reached through a TopicAdmin, so the same engine runs on the embedded
 * broker, a Kafka cluster, or in memory.
 */
import type { Expression } from '../ast/expressions.js';
import type { ColumnDefinition, CreateAsSelect, CreateSource, InsertInto, InsertValues, Query, Statement } from '../ast/statements.js';
import { formatProperties, type DataSource, type FormatInfo, type TimestampColumn, type WindowInfo } from '../catalog/data-source.js';
import { SqlStatementError } from '../catalog/errors.js';
import { isReservedColumnName, LogicalSchema, type SchemaColumn, HEADERS_TYPE, ROWTIME } from '../catalog/logical-schema.js';
import { MetaStore } from '../catalog/metastore.js';
import { compileExpression } from '../codegen/compile-expression.js';
import type { CompileOptions } from '../codegen/compiled.js';
import type { Column, FormatName } from '../formats/format.js';
import { formatColumns } from '../formats/format.js';
import { getFormat } from '../formats/formats.js';
import { checkColumnsMatchSchema, inferColumns } from '../formats/schema-inference.js';
import { jsonToSql } from '../formats/json-codec.js';
import { defaultFunctionRegistry, type FunctionRegistry } from '../functions/index.js';
import { parseStatements } from '../parser/parse.js';
import type { PlannerContext } from '../planner/plan-context.js';
import { planQuery, type PlannedQuery } from '../planner/query-planner.js';
import { RowScope } from '../planner/row-scope.js';
import type { QueryPlan, SinkStep } from '../planner/steps.js';
import { buildQuery, buildTransientQuery, formatSerde, type BuildOptions, type BuiltQuery, type ProcessingErrorSink, type TransientRowSink } from '../runtime/build-query.js';
import type { SchemaRegistryClient } from '../schema-registry/client.js';
import { castValue } from '../types/cast.js';
import { canImplicitlyCast } from '../types/coercion.js';
import { formatSqlType, fromAstType, typeEquals, Types, type SqlType } from '../types/sql-type.js';
import { WithProperties } from './properties.js';
import { SqlConfig } from './sql-config.js';
import type { RecordHeader } from '../../storage/types.js';
import type { Serde } from '../../engine/serde/serde.js';
import type { Row } from '../codegen/compiled.js';

/** What the engine needs of the topics it reads and writes. */
export interface TopicAdmin {
  /** Partition count of an existing topic; undefined when it does not exist. */
  partitions(topic: string): number | undefined;
  createTopic(topic: string, partitions: number, config?: Record<string, string>): Promise<void>;
  deleteTopic(topic: string): Promise<void>;
  /** INSERT INTO … VALUES. */
  produce(topic: string, record: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: RecordHeader[] }): Promise<void>;
}

export interface SqlEngineOptions {
  readonly topics: TopicAdmin;
  readonly registry?: SchemaRegistryClient;
  readonly functions?: FunctionRegistry;
  readonly properties?: Readonly<Record<string, string | number | boolean>>;
  /** Processing errors of queries (bad records, failed expressions): counted, logged, never fatal. */
  readonly onProcessingError?: ProcessingErrorSink;
  /** The clock INSERT VALUES stamps records with when no ROWTIME is given. */
  readonly now?: () => number;
}

export interface PersistentQuery {
  readonly id: string;
  readonly statementText: string;
  readonly sinkName: string;
  readonly plan: QueryPlan;
  /** The engine topology; built anew each call. */
  build(): Promise<BuiltQuery>;
}

export type ExecuteResult =
  | { readonly kind: 'SourceCreated'; readonly source: DataSource; readonly message: string }
  | { readonly kind: 'QueryStarted'; readonly query: PersistentQuery; readonly source: DataSource; readonly message: string }
  | { readonly kind: 'Message'; readonly message: string }
  | { readonly kind: 'Dropped'; readonly name: string; readonly terminated: readonly string[]; readonly message: string }
  | { readonly kind: 'Terminated'; readonly queryIds: readonly string[]; readonly message: string };

export class SqlEngine {
  readonly metaStore = new MetaStore();
  readonly functions: FunctionRegistry;
  private config: SqlConfig;
  private readonly persistent = new Map<string, PersistentQuery>();
  private readonly variables = new Map<string, string>();
  /** Key serdes of sources, for keyBytes (a replaced source is another object). */
  private readonly keySerdes = new WeakMap<DataSource, Serde<Row>>();
  private commandSeq = 0;

  constructor(private readonly options: SqlEngineOptions) {
    this.functions = options.functions ?? defaultFunctionRegistry();
    this.config = new SqlConfig(options.properties ?? {});
  }

  get properties(): SqlConfig {
    return this.config;
  }

  queries(): PersistentQuery[] {
    return [...this.persistent.values()];
  }

  getQuery(id: string): PersistentQuery | undefined {
    return this.persistent.get(id);
  }

  /** Parses and executes a script, statement by statement; the first failure stops it. */
  async execute(script: string): Promise<ExecuteResult[]> {
    const results: ExecuteResult[] = [];
    for (const parsed of parseStatements(script, { variables: this.variables })) {
      results.push(await this.executeStatement(parsed.statement, parsed.text));
    }
    return results;
  }

  private compileOptions(): CompileOptions {
    return {
      functions: this.functions,
      config: this.config.functionConfig(),
      customTypes: this.metaStore.customTypes(),
      ...(this.options.onProcessingError ? { onFunctionError: this.options.onProcessingError } : {}),
    };
  }

  private plannerContext(): PlannerContext {
    return { metaStore: this.metaStore, compile: this.compileOptions(), config: this.config, partitionsOf: (t) => this.options.topics.partitions(t) };
  }

  /**
   * Executes one parsed statement. `sequence`: its position in the server's command log, which
   * numbers the query ids (CSAS_NAME_<sequence>) so a replay gives every query its old id.
   */
  async executeStatement(statement: Statement, text: string, options: { sequence?: number; properties?: Readonly<Record<string, string | number | boolean>> } = {}): Promise<ExecuteResult> {
    if (options.properties && Object.keys(options.properties).length > 0) {
      const saved = this.config;
      this.config = this.config.with(options.properties);
      try {
        return await this.executeStatement(statement, text, { ...(options.sequence !== undefined ? { sequence: options.sequence } : {}) });
      } finally {
        // A SET inside keeps its effect; the overrides do not outlive the statement.
        if (statement.kind !== 'SetProperty' && statement.kind !== 'UnsetProperty') this.config = saved;
      }
    }
    this.commandSeq = options.sequence !== undefined ? options.sequence + 1 : this.commandSeq + 1;
    switch (statement.kind) {
      case 'CreateSource':
        return this.createSource(statement, text);
      case 'CreateAsSelect':
        return this.createAsSelect(statement, text);
      case 'InsertInto':
        return this.insertInto(statement, text);
      case 'InsertValues':
        return this.insertValues(statement);
      case 'DropSource': {
        const source = this.metaStore.getSource(statement.name);
        if (!source) {
          if (statement.ifExists) return { kind: 'Message', message: `Source ${statement.name} does not exist.` };
          throw new SqlStatementError('SQL_UNKNOWN_SOURCE', `Source ${statement.name} does not exist.`);
        }
        if (source.sourceType !== statement.sourceType) {
          throw new SqlStatementError('SQL_INVALID_QUERY', `Incompatible data source type is ${source.sourceType}, but statement was DROP ${statement.sourceType}`);
        }
        // The query writing a CREATE … AS SELECT result goes with it, as in ksqlDB.
        const terminated = source.isCasTarget && this.metaStore.queriesReading(statement.name).length === 0 ? this.metaStore.queriesWriting(statement.name).map((q) => q.id) : [];
        for (const id of terminated) this.terminate(id);
        this.metaStore.deleteSource(statement.name);
        if (statement.deleteTopic) {
          if (source.isSource) throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot delete topic for read-only source: ${statement.name}`);
          await this.options.topics.deleteTopic(source.topic);
        }
        return { kind: 'Dropped', name: statement.name, terminated, message: `Source \`${statement.name}\` (topic: ${source.topic}) was dropped.` };
      }
      case 'AlterSource':
        return this.alterSource(statement);
      case 'CreateType': {
        if (this.metaStore.getType(statement.name)) {
          if (statement.ifNotExists) return { kind: 'Message', message: `Type ${statement.name} already exists.` };
          throw new SqlStatementError('SQL_SOURCE_EXISTS', `Cannot register custom type '${statement.name}' since it is already registered with type: ${formatSqlType(this.metaStore.getType(statement.name)!)}`);
        }
        this.metaStore.putType(statement.name, fromAstType(statement.type, this.metaStore.customTypes()));
        return { kind: 'Message', message: `Registered custom type with name '${statement.name}'.` };
      }
      case 'DropType': {
        if (!this.metaStore.deleteType(statement.name) && !statement.ifExists) {
          throw new SqlStatementError('SQL_INVALID_QUERY', `Type ${statement.name} does not exist.`);
        }
        return { kind: 'Message', message: `Dropped type '${statement.name}'.` };
      }
      case 'Terminate': {
        const ids = statement.all ? [...this.persistent.keys()] : [statement.queryId!];
        for (const id of ids) {
          if (!this.persistent.has(id)) throw new SqlStatementError('SQL_UNKNOWN_QUERY', `Unknown queryId: ${id}`);
          this.terminate(id);
        }
        return { kind: 'Terminated', queryIds: ids, message: 'Query terminated.' };
      }
      case 'SetProperty':
        this.config = this.config.with({ [statement.property]: statement.value });
        return { kind: 'Message', message: `Property ${statement.property} set to ${statement.value}.` };
      case 'UnsetProperty': {
        const entries = this.config.entries().filter(([k]) => k !== statement.property);
        this.config = new SqlConfig(Object.fromEntries(entries));
        return { kind: 'Message', message: `Property ${statement.property} unset.` };
      }
      case 'DefineVariable':
        this.variables.set(statement.name.toUpperCase(), statement.value);
        return { kind: 'Message', message: `Variable ${statement.name} defined.` };
      case 'UndefineVariable':
        this.variables.delete(statement.name.toUpperCase());
        return { kind: 'Message', message: `Variable ${statement.name} undefined.` };
      default:
        throw new SqlStatementError('SQL_UNSUPPORTED', `${statement.kind} statements are executed by the server (REST /ksql), not by the SQL engine on its own.`);
    }
  }

  private terminate(id: string): void {
    this.persistent.delete(id);
    this.metaStore.removeQuery(id);
  }

  // ---- CREATE STREAM / TABLE -------------------------------------------------------------------

  private async createSource(s: CreateSource, text: string): Promise<ExecuteResult> {
    const existing = this.metaStore.getSource(s.name);
    const kind = s.sourceType === 'STREAM' ? 'stream' : 'table';
    if (s.orReplace && (s.isSource || existing?.isSource)) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot add ${kind} '${s.name}': CREATE OR REPLACE is not supported on source ${kind}s.`);
    }
    const exists = alreadyExists(s, existing);
    if (exists) return exists;
    const props = new WithProperties(s.properties);
    const topic = props.string('KAFKA_TOPIC');
    if (topic === undefined) throw new SqlStatementError('SQL_INVALID_PROPERTY', `Missing required property "KAFKA_TOPIC" which has no default value.`);
    const keyFormatName = props.format('KEY') ?? (this.config.get('ksql.persistence.default.format.key') as FormatName);
    const valueFormatName = props.format('VALUE') ?? (this.config.get('ksql.persistence.default.format.value') as FormatName | undefined);
    if (valueFormatName === undefined) {
      throw new SqlStatementError(
        'SQL_INVALID_PROPERTY',
        "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
      );
    }
    const keyFormat = props.formatInfo('KEY', keyFormatName);
    const givenValueFormat = props.formatInfo('VALUE', valueFormatName);
    let valueFormat = withDefaultWrapping(givenValueFormat, this.config);
    let columns = this.columnsOf(s);
    // Schema inference for the side(s) without declared columns.
    const declaredKeys = columns.filter((c) => c.namespace === 'KEY');
    const declaredValues = columns.filter((c) => c.namespace === 'VALUE');
    if (this.options.registry) {
      const registry = this.options.registry;
      if (declaredKeys.length === 0 && getFormat(keyFormat.format).supportsSchemaInference) {
        const inferred = await inferColumns(keyFormat.format, { registry, isKey: true, topic, ...(keyFormat.schemaId !== undefined ? { schemaId: keyFormat.schemaId } : {}), ...(keyFormat.schemaFullName ? { schemaFullName: keyFormat.schemaFullName } : {}) }).catch((e: unknown) => {
          if (keyFormat.schemaId !== undefined) throw e;
          return undefined;
        });
        if (inferred) {
          columns = [...inferred.columns.map((c) => ({ name: c.name, type: c.type, namespace: 'KEY' as const })), ...columns];
        }
      }
      if (declaredValues.length === 0 && getFormat(valueFormat.format).supportsSchemaInference) {
        const inferred = await inferColumns(valueFormat.format, {
          registry,
          isKey: false,
          topic,
          ...(valueFormat.schemaId !== undefined ? { schemaId: valueFormat.schemaId } : {}),
          ...(valueFormat.schemaFullName ? { schemaFullName: valueFormat.schemaFullName } : {}),
          ...(valueFormat.wrapSingleValue !== undefined ? { wrapSingleValue: valueFormat.wrapSingleValue } : {}),
        });
        columns = [...columns, ...inferred.columns.map((c) => ({ name: c.name, type: c.type, namespace: 'VALUE' as const }))];
      }
    }
    if (columns.length === 0) {
      throw new SqlStatementError('SQL_INVALID_SCHEMA', `No columns supplied. Declare the columns, or use a format whose schema can be inferred from the schema registry (AVRO, PROTOBUF, JSON_SR).`);
    }
    const schema = new LogicalSchema(columns);
    if (s.sourceType === 'TABLE' && schema.key.length === 0) {
      throw new SqlStatementError('SQL_INVALID_SCHEMA', 'Tables require a PRIMARY KEY. Please define the PRIMARY KEY.\nUse a partial schema to define the primary key and still load the value columns from the Schema Registry, for example:\n\tCREATE TABLE ' + s.name + ' (ID INT PRIMARY KEY) WITH (...);');
    }
    const window = windowOf(props);
    if (window && schema.key.length === 0) throw new SqlStatementError('SQL_INVALID_SCHEMA', 'Windowed sources require a key column.');
    for (const side of ['KEY', 'VALUE'] as const) {
      const declared = side === 'KEY' ? declaredKeys : declaredValues;
      if (props.has(`${side}_SCHEMA_ID`) && declared.length > 0) {
        throw new SqlStatementError('SQL_INVALID_SCHEMA', `Table elements and ${side}_SCHEMA_ID cannot both exist for create statement.`);
      }
    }
    const timestamp = timestampOf(props, schema);
    valueFormat = withDefaultWrapping(givenValueFormat, this.config, schema.valueColumns);
    validateFormat(keyFormat, schema.keyColumns, true, topic);
    validateFormat(valueFormat, schema.valueColumns, false, topic);
    if (keyFormat.format === 'NONE' && schema.key.length > 0) {
      throw new SqlStatementError('SQL_INVALID_SCHEMA', `The 'NONE' format can only be used when no columns are defined. Got: ${formatColumns(schema.keyColumns, true)}`);
    }
    await this.ensureTopic(topic, props, s.name);
    const source: DataSource = {
      name: s.name,
      sourceType: s.sourceType,
      schema,
      topic,
      keyFormat: schema.key.length === 0 && !props.has('KEY_FORMAT') && !props.has('FORMAT') ? { format: 'NONE' } : keyFormat,
      valueFormat,
      ...(timestamp ? { timestamp } : {}),
      ...(window ? { window } : {}),
      isSource: s.isSource,
      isCasTarget: false,
      sqlText: text,
    };
    this.metaStore.putSource(source, s.orReplace);
    return { kind: 'SourceCreated', source, message: `${s.sourceType === 'STREAM' ? 'Stream' : 'Table'} created` };
  }

  /**
   * A sink written with a registered schema (KEY_SCHEMA_ID / VALUE_SCHEMA_ID): the query's columns
   * must be that schema's first columns, in order and of the same types; the schema may have more
   * (written with their defaults).
   */
  private async checkSinkSchemaId(format: FormatInfo, columns: readonly Column[], isKey: boolean, topic: string): Promise<void> {
    const registry = this.options.registry;
    if (format.schemaId === undefined || !registry || columns.length === 0) return;
    const registered = await inferColumns(format.format, {
      registry,
      isKey,
      topic,
      schemaId: format.schemaId,
      ...(format.schemaFullName ? { schemaFullName: format.schemaFullName } : {}),
      ...(format.wrapSingleValue !== undefined ? { wrapSingleValue: format.wrapSingleValue } : {}),
    });
    try {
      checkColumnsMatchSchema(columns, registered.columns, isKey);
    } catch (error) {
      throw new SqlStatementError('SQL_INVALID_SCHEMA', error instanceof Error ? error.message : String(error), { cause: error });
    }
  }

  private columnsOf(s: CreateSource): SchemaColumn[] {
    const seen = new Set<string>();
    const out: SchemaColumn[] = [];
    for (const c of s.columns) {
      if (isReservedColumnName(c.name)) {
        throw new SqlStatementError('SQL_INVALID_SCHEMA', `'${c.name}' is a reserved column name. You cannot use it as a name for a column.`);
      }
      if (seen.has(c.name)) throw new SqlStatementError('SQL_INVALID_SCHEMA', `Duplicate column names: ${c.name}`);
      seen.add(c.name);
      out.push(this.column(s, c));
    }
    return out;
  }

  private column(s: CreateSource, c: ColumnDefinition): SchemaColumn {
    const type = fromAstType(c.type, this.metaStore.customTypes());
    const where = `Line: ${c.loc.line}, Col: ${c.loc.column + 1}: `;
    switch (c.constraint?.kind) {
      case 'Key':
        if (s.sourceType === 'TABLE') throw new SqlStatementError('SQL_INVALID_SCHEMA', `${where}Column \`${c.name}\` is a 'KEY' column: please use 'PRIMARY KEY' for tables.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
        return { name: c.name, type, namespace: 'KEY' };
      case 'PrimaryKey':
        if (s.sourceType === 'STREAM') throw new SqlStatementError('SQL_INVALID_SCHEMA', `${where}Column \`${c.name}\` is a 'PRIMARY KEY' column: please use 'KEY' for streams.\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.`);
        return { name: c.name, type, namespace: 'KEY' };
      case 'Headers':
        if (!typeEquals(type, HEADERS_TYPE)) throw new SqlStatementError('SQL_INVALID_SCHEMA', `Invalid type for HEADERS column: expected ${formatSqlType(HEADERS_TYPE)}, got ${formatSqlType(type)}`);
        return { name: c.name, type, namespace: 'HEADER' };
      case 'Header':
        if (type.kind !== 'BYTES') throw new SqlStatementError('SQL_INVALID_SCHEMA', `Invalid type for HEADER('${c.constraint.key}') column: expected BYTES, got ${formatSqlType(type)}`);
        return { name: c.name, type, namespace: 'HEADER', headerKey: c.constraint.key };
      default:
        return { name: c.name, type, namespace: 'VALUE' };
    }
  }

  private async ensureTopic(topic: string, props: WithProperties, name: string): Promise<number> {
    const existing = this.options.topics.partitions(topic);
    const partitions = props.int('PARTITIONS');
    if (existing !== undefined) {
      if (partitions !== undefined && partitions !== existing) {
        throw new SqlStatementError('SQL_TOPIC_ERROR', `A Kafka topic with the name '${topic}' already exists, with different partition/replica configuration than required. KSQL expects ${partitions} partitions (topic has ${existing}).`);
      }
      return existing;
    }
    if (partitions === undefined) {
      throw new SqlStatementError(
        'SQL_TOPIC_ERROR',
        `Topic '${topic}' does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). For example: CREATE STREAM ${name} (...) WITH (KAFKA_TOPIC='${topic}', PARTITIONS=2, REPLICAS=1, ...);`,
      );
    }
    const retention = props.string('RETENTION_MS');
    await this.options.topics.createTopic(topic, partitions, retention !== undefined ? { 'retention.ms': retention } : undefined);
    return partitions;
  }

  /**
   * `ALTER STREAM|TABLE name ADD [COLUMN] c type, …`: value columns added to a stream or table
   * made by CREATE (records written before simply have no value for them).
   */
  private alterSource(s: Extract<Statement, { kind: 'AlterSource' }>): ExecuteResult {
    const source = this.metaStore.requireSource(s.name);
    if (source.sourceType !== s.sourceType) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Incompatible data source type is ${source.sourceType}, but statement was ALTER ${s.sourceType}`);
    }
    if (source.isCasTarget) throw new SqlStatementError('SQL_UNSUPPORTED', 'ALTER command is not supported for CREATE ... AS statements.');
    const kind = s.sourceType === 'STREAM' ? 'stream' : 'table';
    if (source.isSource) throw new SqlStatementError('SQL_UNSUPPORTED', `Cannot alter ${kind} '${s.name}': ALTER operations are not supported on source ${kind}s.`);
    const added: SchemaColumn[] = [];
    for (const c of s.columns) {
      if (c.constraint !== undefined) throw new SqlStatementError('SQL_INVALID_SCHEMA', `ALTER ${s.sourceType} ADD COLUMN adds value columns only: ${c.name} cannot be a key or header column.`);
      if (source.schema.find(c.name) || added.some((a) => a.name === c.name)) {
        throw new SqlStatementError('SQL_INVALID_SCHEMA', `Cannot add column \`${c.name}\` to schema. A column with the same name already exists.`);
      }
      if (isReservedColumnName(c.name)) throw new SqlStatementError('SQL_INVALID_SCHEMA', `'${c.name}' is a reserved column name. You cannot use it as a name for a column.`);
      added.push({ name: c.name, type: fromAstType(c.type, this.metaStore.customTypes()), namespace: 'VALUE' });
    }
    const schema = new LogicalSchema([...source.schema.columns, ...added]);
    validateFormat(source.valueFormat, schema.valueColumns, false, source.topic);
    this.metaStore.putSource({ ...source, schema }, true);
    return { kind: 'Message', message: `${s.sourceType === 'STREAM' ? 'Stream' : 'Table'} ${s.name} altered: added ${added.map((a) => a.name).join(', ')}.` };
  }

  // ---- CREATE … AS SELECT, INSERT INTO … SELECT ------------------------------------------------

  private async createAsSelect(s: CreateAsSelect, text: string): Promise<ExecuteResult> {
    const existing = this.metaStore.getSource(s.name);
    const exists = alreadyExists(s, existing);
    if (exists) return exists;
    const planned = this.plan(s.query, s.name);
    if (planned.primary.window && planned.primary.sourceType === 'TABLE' && planned.sources.length === 1) {
      throw new SqlStatementError('SQL_UNSUPPORTED', 'KSQL does not support persistent queries on windowed tables.');
    }
    if (planned.resultType !== s.sourceType) {
      throw new SqlStatementError(
        'SQL_INVALID_QUERY',
        `Invalid result type. Your SELECT query produces a ${planned.resultType}. Please use CREATE ${planned.resultType} AS SELECT statement instead.`,
      );
    }
    const props = new WithProperties(s.properties);
    const prefix = this.config.get('ksql.output.topic.name.prefix') ?? '';
    const topic = props.string('KAFKA_TOPIC') ?? `${prefix}${s.name}`;
    const schema = LogicalSchema.of(planned.step.schema.key, planned.step.schema.value);
    const keyFormat = this.sinkKeyFormat(props, planned, schema);
    const givenValueFormat = props.format('VALUE');
    let valueFormat = withDefaultWrapping(props.formatInfo('VALUE', givenValueFormat ?? planned.primary.valueFormat.format), this.config, schema.valueColumns);
    // An inherited DELIMITED format keeps the source's delimiter.
    const inheritedDelimiter = planned.primary.valueFormat.delimiter;
    if (givenValueFormat === undefined && valueFormat.delimiter === undefined && inheritedDelimiter !== undefined) valueFormat = { ...valueFormat, delimiter: inheritedDelimiter };
    validateFormat(keyFormat, schema.keyColumns, true, topic, text);
    validateFormat(valueFormat, schema.valueColumns, false, topic, text);
    await this.checkSinkSchemaId(keyFormat, schema.keyColumns, true, topic);
    await this.checkSinkSchemaId(valueFormat, schema.valueColumns, false, topic);
    const timestamp = timestampOf(props, schema);
    const existingTopic = this.options.topics.partitions(topic);
    const partitions = props.int('PARTITIONS') ?? existingTopic ?? this.config.getInt('ksql.sink.partitions') ?? planned.partitions ?? 1;
    if (existingTopic === undefined) await this.options.topics.createTopic(topic, partitions, planned.window || planned.resultType === 'TABLE' ? { 'cleanup.policy': 'compact' } : undefined);
    const source: DataSource = {
      name: s.name,
      sourceType: s.sourceType,
      schema,
      topic,
      keyFormat,
      valueFormat,
      ...(timestamp ? { timestamp } : {}),
      ...(planned.window ? { window: planned.window } : {}),
      isSource: false,
      isCasTarget: true,
      sqlText: text,
    };
    if (existing && s.orReplace) for (const q of this.metaStore.queriesWriting(s.name)) this.terminate(q.id);
    this.metaStore.putSource(source, s.orReplace);
    const id = `${s.sourceType === 'STREAM' ? 'CSAS' : 'CTAS'}_${s.name}_${this.commandSeq - 1}`;
    const query = this.register(id, text, s.name, planned, source);
    return { kind: 'QueryStarted', query, source, message: `Created query with ID ${id}` };
  }

  private sinkKeyFormat(props: WithProperties, planned: PlannedQuery, schema: LogicalSchema): FormatInfo {
    const given = props.format('KEY');
    if (schema.key.length === 0) {
      if (given !== undefined && given !== 'NONE' && props.has('KEY_FORMAT')) {
        throw new SqlStatementError('SQL_INVALID_PROPERTY', 'Key format specified for stream without key columns.');
      }
      return { format: 'NONE' };
    }
    if (given !== undefined) return props.formatInfo('KEY', given);
    const inherited = planned.primary.keyFormat;
    if (inherited.format === 'NONE') return { format: (this.config.get('ksql.persistence.default.format.key') ?? 'KAFKA') as FormatName };
    // A re-keyed result does not keep the source's key schema id or delimiter.
    return planned.rekeyed ? { format: inherited.format, ...(inherited.delimiter !== undefined ? { delimiter: inherited.delimiter } : {}) } : inherited;
  }

  private plan(query: Query, sinkName: string): PlannedQuery {
    if (query.limit !== undefined) throw new SqlStatementError('SQL_INVALID_QUERY', 'LIMIT is not supported for persistent queries: it applies to push and pull queries only.');
    return planQuery(query, this.plannerContext(), { sinkName, persistent: true });
  }

  private async insertInto(s: InsertInto, text: string): Promise<ExecuteResult> {
    const target = this.metaStore.requireSource(s.target);
    if (target.isSource) throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot insert into read-only ${target.sourceType.toLowerCase()}: ${s.target}`);
    const planned = this.plan(s.query, s.target);
    if (planned.resultType !== target.sourceType || target.sourceType === 'TABLE') {
      throw new SqlStatementError('SQL_INVALID_QUERY', `INSERT INTO can only be used to insert into a stream. ${target.name} is a table.`);
    }
    const result = LogicalSchema.of(planned.step.schema.key, planned.step.schema.value);
    const same =
      result.key.length === target.schema.key.length &&
      result.valueColumns.length === target.schema.valueColumns.length &&
      result.key.every((c, i) => c.name === target.schema.key[i]!.name && typeEquals(c.type, target.schema.key[i]!.type)) &&
      result.valueColumns.every((c, i) => c.name === target.schema.valueColumns[i]!.name && typeEquals(c.type, target.schema.valueColumns[i]!.type));
    if (!same) {
      throw new SqlStatementError(
        'SQL_INVALID_SCHEMA',
        `Incompatible schema between results and sink.\nResult schema is ${result.format()}\nSink schema is ${target.schema.format()}`,
      );
    }
    const id = `INSERTQUERY_${this.commandSeq - 1}`;
    const query = this.register(id, text, s.target, planned, target);
    return { kind: 'QueryStarted', query, source: target, message: `Created query with ID ${id}` };
  }

  private register(id: string, text: string, sinkName: string, planned: PlannedQuery, sink: DataSource): PersistentQuery {
    const sinkStep: SinkStep = {
      kind: planned.resultType === 'STREAM' ? 'StreamSink' : 'TableSink',
      id: `${sinkName}`,
      source: planned.step,
      topic: sink.topic,
      formats: { key: sink.keyFormat, value: sink.valueFormat },
      schema: planned.step.schema,
      ...(sink.timestamp ? { timestamp: sink.timestamp } : {}),
    };
    const plan: QueryPlan = { queryId: id, sink: sinkStep, sources: planned.sources };
    const options = this.buildOptions();
    const query: PersistentQuery = { id, statementText: text, sinkName, plan, build: () => buildQuery(plan, options) };
    this.persistent.set(id, query);
    this.metaStore.addQuery({ id, statementText: text, sink: sinkName, sources: planned.sources });
    return query;
  }

  private buildOptions(): BuildOptions {
    const registry = this.options.registry;
    const onError = this.options.onProcessingError;
    const throwOnInvalidTimestamp = this.config.getBoolean('ksql.timestamp.throw.on.invalid') === true;
    return { compile: this.compileOptions(), ...(registry ? { registry } : {}), ...(onError ? { onError } : {}), ...(throwOnInvalidTimestamp ? { throwOnInvalidTimestamp } : {}) };
  }

  // ---- transient (push and pull) queries -------------------------------------------------------

  /**
   * Plans a push or pull query. `tablesAsStreams`: tables are read as streams of their rows
   * (a pull query is fed the latest row of each key by the server's materialized view).
   */
  planTransient(query: Query, options: { tablesAsStreams?: boolean } = {}): PlannedQuery {
    const metaStore = options.tablesAsStreams ? this.metaStore.copy((s) => (s.sourceType === 'TABLE' ? { ...s, sourceType: 'STREAM' } : s)) : this.metaStore;
    return planQuery(query, { ...this.plannerContext(), metaStore, transient: true }, { sinkName: 'TRANSIENT', persistent: false });
  }

  /** The topology of a planned transient query; its rows go to `deliver`. */
  buildTransient(planned: PlannedQuery, deliver: TransientRowSink): Promise<Omit<BuiltQuery, 'sinkTopic'>> {
    return buildTransientQuery(planned.step, this.buildOptions(), deliver);
  }

  /**
   * The key bytes of a source for rows of constant expressions (a pull query's key lookups), in
   * the source's key format; a row whose values do not fit the key columns' types is left out.
   */
  async keyBytes(sourceName: string, rows: readonly (readonly Expression[])[]): Promise<Buffer[]> {
    const source = this.metaStore.requireSource(sourceName);
    let serde = this.keySerdes.get(source);
    if (!serde) {
      serde = await formatSerde(source.keyFormat, source.schema.keyColumns, true, source.topic, this.options.registry, false);
      this.keySerdes.set(source, serde);
    }
    const scope = new RowScope([]);
    const out: Buffer[] = [];
    for (const row of rows) {
      try {
        const values = row.map((e, i) => this.literalValue(e, source.schema.key[i]!.type, source.schema.key[i]!.name, scope));
        out.push(serde.serialize(source.topic, values)!);
      } catch {
        // a value of another type matches no key
      }
    }
    return out;
  }

  // ---- INSERT INTO … VALUES --------------------------------------------------------------------

  private async insertValues(s: InsertValues): Promise<ExecuteResult> {
    const target = this.metaStore.requireSource(s.target);
    if (target.isSource) throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot insert values into read-only ${target.sourceType.toLowerCase()}: ${s.target}`);
    const all = [...target.schema.key, ...target.schema.value];
    const names = s.columns.length > 0 ? s.columns : [...(s.values.length === all.length + 1 ? [ROWTIME] : []), ...all.map((c) => c.name)];
    if (names.length !== s.values.length) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Expected a value for each column. Expected Columns: [${names.join(', ')}]. Got ${s.values.length} values.`);
    }
    const values = new Map<string, unknown>();
    const scope = new RowScope([]);
    names.forEach((name, i) => {
      const column = name === ROWTIME ? { name, type: Types.BIGINT, namespace: 'VALUE' as const } : target.schema.find(name);
      if (!column) throw new SqlStatementError('SQL_UNKNOWN_COLUMN', `Column name ${name} does not exist.`);
      if (column.namespace === 'HEADER') throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot insert into HEADER columns: ${name}`);
      values.set(name, this.literalValue(s.values[i]!, column.type, name, scope));
    });
    await this.produceRow(target, values);
    return { kind: 'Message', message: `Inserted a row into ${target.name}.` };
  }

  /**
   * Inserts one row given as a parsed JSON object (the REST API's /inserts-stream): values are
   * read as the JSON format reads them, field names case-insensitively; ROWTIME sets the timestamp.
   */
  async insertJsonRow(targetName: string, row: Readonly<Record<string, unknown>>): Promise<void> {
    const target = this.metaStore.requireSource(targetName);
    if (target.isSource) throw new SqlStatementError('SQL_INVALID_QUERY', `Cannot insert values into read-only ${target.sourceType.toLowerCase()}: ${targetName}`);
    const byName = new Map(Object.entries(row).map(([k, v]) => [k.toUpperCase(), v]));
    const values = new Map<string, unknown>();
    for (const c of [...target.schema.key, ...target.schema.valueColumns, { name: ROWTIME, type: Types.BIGINT }]) {
      const v = byName.get(c.name);
      if (v !== undefined) values.set(c.name, jsonToSql(v, c.type, c.name));
      byName.delete(c.name);
    }
    if (byName.size > 0) throw new SqlStatementError('SQL_UNKNOWN_COLUMN', `Unknown column(s) for ${target.name}: ${[...byName.keys()].join(', ')}`);
    await this.produceRow(target, values);
  }

  private async produceRow(target: DataSource, values: ReadonlyMap<string, unknown>): Promise<void> {
    const key = target.schema.key.map((c) => values.get(c.name) ?? null);
    const value = target.schema.valueColumns.map((c) => values.get(c.name) ?? null);
    const ts = values.get(ROWTIME);
    const timestamp = ts === undefined || ts === null ? (this.options.now ?? Date.now)() : Number(ts);
    const registry = this.options.registry;
    const keySerde = await formatSerde(target.keyFormat, target.schema.keyColumns, true, target.topic, registry);
    const valueSerde = await formatSerde(target.valueFormat, target.schema.valueColumns, false, target.topic, registry);
    const headers: RecordHeader[] = [];
    await this.options.topics.produce(target.topic, { key: target.schema.key.length === 0 ? null : keySerde.serialize(target.topic, key), value: valueSerde.serialize(target.topic, value), timestamp, headers });
  }

  private literalValue(e: Expression, type: SqlType, name: string, scope: RowScope): unknown {
    const compiled = compileExpression(e, scope, this.compileOptions());
    const v = compiled.evaluate([]);
    if (v === null || v === undefined) return null;
    if (typeEquals(compiled.type, type)) return v;
    if (!canImplicitlyCast(compiled.type, type) && !(compiled.type.kind === 'STRING')) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Expected type ${formatSqlType(type)} for field ${name} but got ${formatSqlType(compiled.type)}(${String(v)})`);
    }
    try {
      return castValue(v, compiled.type, type);
    } catch (error) {
      throw new SqlStatementError('SQL_INVALID_QUERY', `Expected type ${formatSqlType(type)} for field ${name} but got ${formatSqlType(compiled.type)}(${String(v)})`, { cause: error });
    }
  }
}

/**
 * CREATE of a name in use: IF NOT EXISTS makes it a no-op (the message returned), OR REPLACE
 * goes on to replace it; otherwise it is an error.
 */
function alreadyExists(s: CreateSource | CreateAsSelect, existing: DataSource | undefined): ExecuteResult | undefined {
  if (!existing) return undefined;
  const kind = s.sourceType.toLowerCase();
  if (s.ifNotExists) return { kind: 'Message', message: `Cannot add ${kind} ${s.name}: it already exists.` };
  if (s.orReplace) return undefined;
  throw new SqlStatementError('SQL_SOURCE_EXISTS', `Cannot add ${kind} '${s.name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`);
}

/**
 * The value format with ksql.persistence.wrap.single.values applied when WITH does not say. The
 * default is only a default: it applies to a value of a single column in a format where wrapping
 * is a choice (`columns`, once known), and is dropped elsewhere, where WRAP_SINGLE_VALUE itself
 * would be an error.
 */
function withDefaultWrapping(f: FormatInfo, config: SqlConfig, columns?: readonly Column[]): FormatInfo {
  if (f.wrapSingleValue !== undefined) return f;
  const wrap = config.getBoolean('ksql.persistence.wrap.single.values');
  if (wrap === undefined) return f;
  const format = getFormat(f.format);
  if (columns !== undefined && (columns.length !== 1 || !format.canWrap || !format.canUnwrap)) return f;
  return { ...f, wrapSingleValue: wrap };
}

function validateFormat(format: FormatInfo, columns: readonly Column[], isKey: boolean, topic: string, statement?: string): void {
  try {
    getFormat(format.format).validate(columns, { isKey, topic, ...formatProperties(format), ...(isKey ? { wrapSingleValue: undefined } : {}) });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const side = isKey ? 'Key' : 'Value';
    throw new SqlStatementError(
      'SQL_INVALID_SCHEMA',
      `${side} format does not support schema.\nformat: ${format.format}\nschema: Persistence{columns=${formatColumns(columns, isKey)}, features=[]}\nreason: ${reason}${statement ? `\nStatement: ${statement}` : ''}`,
      { cause: error },
    );
  }
}

function windowOf(props: WithProperties): WindowInfo | undefined {
  const type = props.string('WINDOW_TYPE')?.toUpperCase();
  if (type === undefined) {
    if (props.has('WINDOW_SIZE')) throw new SqlStatementError('SQL_INVALID_PROPERTY', 'WINDOW_SIZE should only be set when WINDOW_TYPE is set.');
    return undefined;
  }
  if (type !== 'TUMBLING' && type !== 'HOPPING' && type !== 'SESSION') {
    throw new SqlStatementError('SQL_INVALID_PROPERTY', `Invalid value ${type} for property WINDOW_TYPE: String must be one of: SESSION, HOPPING, TUMBLING, null`);
  }
  const size = props.string('WINDOW_SIZE');
  if (type === 'SESSION') {
    if (size !== undefined) throw new SqlStatementError('SQL_INVALID_PROPERTY', "'WINDOW_SIZE' should not be set for SESSION windows.");
    return { type };
  }
  if (size === undefined) throw new SqlStatementError('SQL_INVALID_PROPERTY', `${type} windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'`);
  return { type, sizeMs: parseDuration(size) };
}

function parseDuration(text: string): number {
  const m = /^\s*(\d+)\s*([A-Za-z]+)\s*$/.exec(text);
  const units: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
  const unit = m ? units[m[2]!.toUpperCase().replace(/S$/, '')] : undefined;
  if (!m || unit === undefined) {
    throw new SqlStatementError('SQL_INVALID_PROPERTY', `Invalid duration: '${text}'. Use a number and a unit, such as '10 SECONDS'.`);
  }
  return Number(m[1]) * unit;
}

function timestampOf(props: WithProperties, schema: LogicalSchema): TimestampColumn | undefined {
  const column = props.string('TIMESTAMP');
  const format = props.string('TIMESTAMP_FORMAT');
  if (column === undefined) {
    if (format !== undefined) throw new SqlStatementError('SQL_INVALID_PROPERTY', 'TIMESTAMP_FORMAT requires TIMESTAMP to be set.');
    return undefined;
  }
  const name = column.startsWith('`') ? column.slice(1, -1) : column.toUpperCase();
  const c = schema.find(name);
  if (!c) throw new SqlStatementError('SQL_UNKNOWN_COLUMN', `The TIMESTAMP column set in the WITH clause does not exist in the schema: '${name}'`);
  const ok = c.type.kind === 'BIGINT' || c.type.kind === 'TIMESTAMP' || (c.type.kind === 'STRING' && format !== undefined);
  if (!ok) {
    throw new SqlStatementError(
      'SQL_INVALID_PROPERTY',
      c.type.kind === 'STRING'
        ? `A String timestamp field has been specified without also specifying the TIMESTAMP_FORMAT property.`
        : `Timestamp column, \`${name}\`, should be LONG(INT64), TIMESTAMP, or a String with a TIMESTAMP_FORMAT specified.`,
    );
  }
  return { column: name, ...(format !== undefined ? { format } : {}) };
}
