/**
 * The ksqlDB-compatible query server without its HTTP layer: the SQL engine, the command log
 * that makes the catalog survive restarts, the persistent queries running as streams apps,
 * pull queries on materialized views and push queries. The REST routes (server/rest) turn
 * requests into calls here and the results into ksqlDB's JSON.
 *
 *   const server = await KsqlServer.open({ client: broker.client(), dataDir, logger });
 *   await server.execute("CREATE STREAM s (id INT KEY, v STRING) WITH (kafka_topic='s', partitions=1, value_format='json');");
 *   const q = await server.startQuery('SELECT * FROM s EMIT CHANGES;', {}, { onRow: (r) => console.log(r), … });
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Expression } from '../../sql/ast/expressions.js';
import type { Query, Statement } from '../../sql/ast/statements.js';
import type { DataSource } from '../../sql/catalog/data-source.js';
import { SqlStatementError } from '../../sql/catalog/errors.js';
import { ROWOFFSET, ROWPARTITION, WINDOWEND, WINDOWSTART } from '../../sql/catalog/logical-schema.js';
import { nodesOf } from '../../sql/planner/rewrite.js';
import { SqlEngine, type ExecuteResult } from '../../sql/engine/sql-engine.js';
import { parseStatements } from '../../sql/parser/parse.js';
import type { SchemaRegistryClient } from '../../sql/schema-registry/client.js';
import { formatSqlType, type SqlType } from '../../sql/types/sql-type.js';
import { StreamsApp } from '../../engine/runtime/streams-app.js';
import type { Serde } from '../../engine/serde/serde.js';
import type { Row } from '../../sql/formats/format.js';
import type { StorageClient } from '../../storage/client/types.js';
import type { Logger } from '../../storage/logger.js';
import { FreshetError } from '../../storage/errors.js';
import { CommandLog } from './command-log.js';
import { describeEntity, type Entity, type StatementContext } from './entities.js';
import { PersistentQueryRunner, removeApp } from './persistent-queries.js';
import { checkKeyLiterals, checkKeyLookupOnly, pinnedKeys } from './pull-keys.js';
import { QueryParseCache, type QueryShape } from './query-parse-cache.js';
import { lookupPlan, planKeys, PreparedLookup, type Lookup, type LookupPlan } from './key-lookup.js';
import { formatExpressionForMessage } from '../../sql/ast/format-expression.js';
import { ProcessingLog, processingLogDdl, processingLogTopic } from './processing-log.js';
import { toRestValue } from './rest-json.js';
import { TableView } from './table-view.js';
import { isStateless, scanTopic, StatelessRunner, TopicTail } from './transient.js';
import { formatSerde } from '../../sql/runtime/build-query.js';
import { ClientTopicAdmin } from './topic-admin.js';

export type Properties = Readonly<Record<string, string | number | boolean>>;

export interface KsqlServerOptions {
  readonly client: StorageClient;
  /** Query state lives in `<dataDir>/ksql`. */
  readonly dataDir: string;
  readonly logger: Logger;
  readonly registry?: SchemaRegistryClient;
  /** Server-wide ksql properties (ksql.*, processing.guarantee, …). */
  readonly properties?: Properties;
  /** Commit interval of persistent queries (default 2000 ms, as ksqlDB). */
  readonly commitIntervalMs?: number;
}

/** A failed request: ksqlDB's error entity fields. */
export class KsqlRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: number,
    message: string,
    readonly statementText: string | undefined,
    readonly entities: readonly Entity[] = [],
  ) {
    super(message);
  }
}

export interface CommandStatus {
  readonly status: 'SUCCESS';
  readonly message: string;
  readonly queryId: string | null;
}

export interface ResultColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly key: boolean;
}

export interface QueryEvents {
  /** The result's columns, before any row; `print`: PRINT's lines (one STRING column). */
  onHeader(queryId: string, columns: readonly ResultColumn[], kind?: 'query' | 'print'): void;
  /** One row, values already in REST JSON form; `tombstone`: a table's row was deleted. */
  onRow(values: unknown[], tombstone?: boolean): void;
  /** The query ended by itself (LIMIT reached, pull query done, error). */
  onEnd(message?: string, error?: unknown): void;
  /**
   * A pull query's whole result in one call, for a receiver that can use knowing it is whole (one
   * response body); without it, the result comes as onHeader, onRow per row, onEnd.
   */
  onResult?(queryId: string, columns: readonly ResultColumn[], rows: readonly unknown[][], message?: string): void;
}

export interface QueryHandle {
  readonly queryId: string;
  readonly pull: boolean;
  close(): Promise<void>;
}

/** The statements that change the catalog: validated, appended to the command log, replayed on start. */
const DISTRIBUTED = new Set<Statement['kind']>(['CreateSource', 'CreateAsSelect', 'InsertInto', 'DropSource', 'CreateType', 'DropType', 'Terminate', 'AlterSource']);

export class KsqlServer {
  readonly engine: SqlEngine;
  readonly topics: ClientTopicAdmin;
  private readonly commands: CommandLog;
  private readonly runner: PersistentQueryRunner;
  private readonly queryProperties = new Map<string, Properties>();
  private readonly views = new Map<string, TableView>();
  private readonly tails = new Map<string, TopicTail>();
  private readonly transient = new Map<string, QueryHandle>();
  private readonly parseCache = new QueryParseCache();
  /** The status of each command by id (`stream/`S`/create`): the latest with that id. */
  readonly commandStatuses = new Map<string, CommandStatus>();
  /** Prepared projections of key-lookup pull queries, least recently used first. */
  private readonly preparedPulls = new Map<string, PreparedLookup>();
  /** Key-lookup plans by statement shape, least recently made first. */
  private readonly lookupPlans = new Map<string, LookupPlan>();
  /** Key serdes of tables, for key-lookup plans (a replaced source is another object). */
  private readonly keySerdes = new WeakMap<DataSource, Serde<Row>>();
  private readonly stateDir: string;
  private transientSeq = 0;
  /** Records skipped by queries (bad input, failed expressions): ksqlDB's processing log. */
  readonly processingLog: ProcessingLog;
  /** Commands of the log that could not be executed again at start. */
  readonly skippedCommands: { sequence: number; statement: string; error: string }[] = [];
  private closed = false;

  private constructor(private readonly options: KsqlServerOptions) {
    this.topics = new ClientTopicAdmin(options.client);
    this.stateDir = join(options.dataDir, 'ksql');
    this.processingLog = new ProcessingLog(options.client, processingLogTopic(String(options.properties?.['ksql.service.id'] ?? 'default_')), options.logger);
    this.engine = new SqlEngine({
      topics: this.topics,
      ...(options.registry ? { registry: options.registry } : {}),
      ...(options.properties ? { properties: options.properties } : {}),
      onProcessingError: (error, where) => this.processingLog.processingError(`processing.${where}`, error, null),
    });
    this.commands = new CommandLog(options.client, options.logger);
    this.runner = new PersistentQueryRunner({ client: options.client, stateDir: join(this.stateDir, 'queries'), logger: options.logger, processingLog: this.processingLog, ...(options.commitIntervalMs !== undefined ? { commitIntervalMs: options.commitIntervalMs } : {}) });
  }

  /** Opens the server: replays the command log, then starts every persistent query it left. */
  static async open(options: KsqlServerOptions): Promise<KsqlServer> {
    const server = new KsqlServer(options);
    await mkdir(server.stateDir, { recursive: true });
    await server.replay();
    await server.createProcessingLogStream();
    return server;
  }

  private async replay(): Promise<void> {
    const commands = await this.commands.readAll();
    for (const command of commands) {
      try {
        await this.topics.refresh();
        for (const parsed of parseStatements(command.statement)) {
          const result = await this.engine.executeStatement(parsed.statement, parsed.text, { sequence: command.sequence, properties: command.properties });
          this.currentStatus(parsed.text, parsed.statement, result, command.sequence);
          if (result.kind === 'QueryStarted') this.queryProperties.set(result.query.id, command.properties);
        }
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        this.skippedCommands.push({ sequence: command.sequence, statement: command.statement, error: message });
        this.options.logger.error(`Command log: command ${command.sequence} could not be executed again and is skipped: ${command.statement}\n  ${message}`);
      }
    }
    for (const query of this.engine.queries()) {
      try {
        await this.runner.start(query, { ...this.options.properties, ...this.queryProperties.get(query.id) });
      } catch (error) {
        this.options.logger.error(`Query ${query.id} could not be restarted: ${String(error)}`);
      }
    }
    if (commands.length > 0) this.options.logger.info(`Restored ${commands.length - this.skippedCommands.length} commands, ${this.engine.queries().length} persistent queries.`);
  }

  /** KSQL_PROCESSING_LOG, unless ksql.logging.processing.stream.auto.create is false. */
  private async createProcessingLogStream(): Promise<void> {
    if (String(this.options.properties?.['ksql.logging.processing.stream.auto.create'] ?? 'true') === 'false') return;
    try {
      await this.topics.refresh();
      for (const parsed of parseStatements(processingLogDdl(this.processingLog.topic))) await this.engine.executeStatement(parsed.statement, parsed.text);
    } catch (error) {
      this.options.logger.error(`The processing log stream could not be created: ${String(error)}`);
    }
  }

  get commandSequence(): number {
    return this.commands.nextSequence;
  }

  persistentQueries(): PersistentQueryRunner {
    return this.runner;
  }

  // ---- /ksql ------------------------------------------------------------------------------------

  /**
   * Runs a script's statements in order (POST /ksql). SET/UNSET and DEFINE/UNDEFINE apply to the
   * rest of the request. The first failure stops it with the entities made so far.
   */
  async execute(script: string, request: { streamsProperties?: Properties; sessionVariables?: Record<string, string> } = {}): Promise<Entity[]> {
    const entities: Entity[] = [];
    const variables = new Map(Object.entries(request.sessionVariables ?? {}).map(([k, v]) => [k.toUpperCase(), String(v)]));
    let properties: Record<string, string | number | boolean> = { ...(request.streamsProperties ?? {}) };
    let parsed;
    try {
      parsed = parseStatements(script, { variables });
    } catch (error) {
      throw this.requestError(error, script, entities);
    }
    // parseStatements substituted variables already, DEFINEs of this request included.
    for (const first of parsed) {
      const statement = first.statement;
      const text = first.text;
      try {
        switch (statement.kind) {
          case 'SetProperty':
            properties = { ...properties, [statement.property]: statement.value };
            continue;
          case 'UnsetProperty': {
            const { [statement.property]: _removed, ...rest } = properties;
            properties = rest;
            continue;
          }
          case 'DefineVariable':
            variables.set(statement.name.toUpperCase(), statement.value);
            continue;
          case 'UndefineVariable':
            variables.delete(statement.name.toUpperCase());
            continue;
          case 'Query':
          case 'Print':
            throw new KsqlRequestError(400, 40002, "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT", text, entities);
          default:
            break;
        }
        await this.topics.refresh();
        if (DISTRIBUTED.has(statement.kind)) {
          entities.push(await this.executeDistributed(statement, text, properties));
        } else if (statement.kind === 'InsertValues') {
          await this.engine.executeStatement(statement, text, { properties });
        } else {
          const entity = await describeEntity(statement, text, this.context(properties, variables));
          if (entity) entities.push(entity);
        }
      } catch (error) {
        throw this.requestError(error, text, entities);
      }
    }
    return entities;
  }

  private context(properties: Properties, variables: ReadonlyMap<string, string>): StatementContext {
    return { server: this, engine: this.engine, runner: this.runner, properties, variables, topics: this.topics, queryProperties: this.queryProperties, ...(this.options.registry ? { registry: this.options.registry } : {}) };
  }

  private async executeDistributed(statement: Statement, text: string, properties: Properties): Promise<Entity> {
    const sequence = this.commands.nextSequence;
    const result = await this.engine.executeStatement(statement, text, { sequence, properties });
    await this.commands.append({ statement: text, properties });
    await this.apply(result, properties);
    return this.currentStatus(text, statement, result, sequence);
  }

  /** A command's currentStatus entity; its status is kept for GET /status/{commandId}. */
  private currentStatus(text: string, statement: Statement, result: ExecuteResult, sequence: number): Entity {
    const id = commandId(statement);
    const status: CommandStatus = { status: 'SUCCESS', message: result.message, queryId: result.kind === 'QueryStarted' ? result.query.id : null };
    this.commandStatuses.set(id, status);
    return { '@type': 'currentStatus', statementText: text, commandId: id, commandStatus: status, commandSequenceNumber: sequence, warnings: [] };
  }

  private async apply(result: ExecuteResult, properties: Properties): Promise<void> {
    switch (result.kind) {
      case 'QueryStarted':
        this.queryProperties.set(result.query.id, properties);
        await this.runner.start(result.query, { ...this.options.properties, ...properties });
        if (result.source.sourceType === 'TABLE') this.view(result.source.name, result.source.topic);
        return;
      case 'Dropped':
      case 'Terminated':
        for (const id of result.kind === 'Dropped' ? result.terminated : result.queryIds) {
          this.queryProperties.delete(id);
          await this.runner.terminate(id);
        }
        if (result.kind === 'Dropped') await this.dropView(result.name);
        return;
      default:
        return;
    }
  }

  private requestError(error: unknown, text: string, entities: readonly Entity[]): KsqlRequestError {
    if (error instanceof KsqlRequestError) return error;
    if (error instanceof FreshetError) return new KsqlRequestError(400, 40001, error.message, text, entities);
    this.options.logger.error(`Statement failed: ${text}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return new KsqlRequestError(500, 50000, error instanceof Error ? error.message : String(error), text, entities);
  }

  // ---- pull and push queries -------------------------------------------------------------------

  /** Runs a SELECT: a pull query (no EMIT) to completion, or a push query (EMIT CHANGES) until closed or LIMIT. */
  async startQuery(sql: string, request: { properties?: Properties; sessionVariables?: Record<string, string> }, events: QueryEvents): Promise<QueryHandle> {
    const variables = request.sessionVariables ? new Map(Object.entries(request.sessionVariables).map(([k, v]) => [k.toUpperCase(), String(v)])) : undefined;
    const shape = variables?.size ? undefined : this.parseCache.shape(sql);
    if (shape) {
      // A key lookup of a shape answered before: no parse, no plan.
      const plan = this.lookupPlans.get(shape.key);
      const keys = plan && this.engine.metaStore.getSource(plan.source.name) === plan.source && this.preparedPulls.get(plan.preparedKey) === plan.prepared ? planKeys(plan, shape.literals) : undefined;
      if (keys) {
        try {
          return await this.runLookup(plan!, keys, events);
        } catch (error) {
          const text = sql.trim();
          throw this.requestError(error, text.endsWith(';') ? text : `${text};`, []);
        }
      }
    }
    let statement: Statement;
    let text: string;
    try {
      const parsed = variables?.size ? parseStatements(sql, { variables }) : this.parseCache.parseShaped(sql, shape);
      if (parsed.length !== 1) throw new SqlStatementError('SQL_INVALID_QUERY', `Expected exactly one statement, got ${parsed.length}.`);
      statement = parsed[0]!.statement;
      text = parsed[0]!.text;
    } catch (error) {
      throw this.requestError(error, sql, []);
    }
    if (statement.kind === 'Print') return this.print(statement, events);
    if (statement.kind !== 'Query') throw new KsqlRequestError(400, 40001, `The /query endpoint runs SELECT and PRINT statements; use /ksql for ${statement.kind} statements.`, text);
    try {
      return statement.emit === undefined ? await this.pullQuery(statement, request.properties ?? {}, events, shape) : await this.pushQuery(statement, request.properties ?? {}, events);
    } catch (error) {
      throw this.requestError(error, text, []);
    }
  }

  private nextQueryId(query: Query, kind: 'transient' | 'query'): string {
    const from = query.from.kind === 'AliasedSource' ? query.from.name : 'JOIN';
    return `${kind}_${from}_${Date.now()}${this.transientSeq++}`;
  }

  /** `shape`: the statement's shape, to keep a key lookup's plan for statements of that shape. */
  private async pullQuery(query: Query, properties: Properties, events: QueryEvents, shape?: QueryShape): Promise<QueryHandle> {
    if (query.from.kind !== 'AliasedSource') throw new SqlStatementError('SQL_UNSUPPORTED', "Pull queries don't support JOIN clauses.");
    if (query.groupBy) throw new SqlStatementError('SQL_UNSUPPORTED', "Pull queries don't support GROUP BY clauses.");
    if (query.partitionBy) throw new SqlStatementError('SQL_UNSUPPORTED', "Pull queries don't support PARTITION BY clauses.");
    if (query.window) throw new SqlStatementError('SQL_UNSUPPORTED', "Pull queries don't support WINDOW clauses.");
    if (query.having) throw new SqlStatementError('SQL_UNSUPPORTED', "Pull queries don't support HAVING clauses.");
    const source = this.engine.metaStore.requireSource(query.from.name);
    // Where a row was written (ROWPARTITION, ROWOFFSET) is not part of what a pull query reads, as in ksqlDB.
    const positional = (exprs: readonly Expression[]) => [...new Set(exprs.flatMap((e) => nodesOf(e)).flatMap((x) => (x.kind === 'ColumnRef' && (x.name === ROWPARTITION || x.name === ROWOFFSET) ? [x.name] : [])))];
    for (const [clause, exprs] of [['SELECT', query.select.flatMap((item) => (item.kind === 'SingleColumn' ? [item.expression] : []))], ['WHERE', query.where ? [query.where] : []]] as const) {
      const names = positional(exprs);
      if (names.length > 0) throw new SqlStatementError('SQL_UNSUPPORTED', `Pull queries don't support the following columns in ${clause} clauses: ${names.map((p) => `\`${p}\``).join(', ')}`);
    }
    if (source.sourceType === 'TABLE') checkKeyLiterals(query.where, source.schema.key, namesOf(source, query.from), formatExpressionForMessage);
    const scans = String(properties['ksql.query.pull.table.scan.enabled'] ?? this.engine.properties.get('ksql.query.pull.table.scan.enabled') ?? 'true') !== 'false';
    if (source.sourceType === 'TABLE' && !scans) {
      checkKeyLookupOnly(query.where, source.schema.key.map((k) => ({ name: k.name, text: `\`${k.name}\` ${formatSqlType(k.type)} KEY` })), formatExpressionForMessage);
    }
    const prepared = source.sourceType === 'TABLE' ? await this.preparedLookup(query, source) : undefined;
    if (prepared) {
      const keys = await this.engine.keyBytes(source.name, prepared.pins);
      const lookup: Lookup = { source, from: query.from.name, prepared: prepared.prepared, limit: query.limit, windowSuffix: windowSuffix(source) };
      // Statements of this shape that differ in their keys can take this one's plan.
      const plan = shape && lookupPlan(lookup, { shape, query, preparedKey: prepared.key, pins: prepared.pins, keys, keySerde: await this.keySerde(source) });
      if (plan) {
        this.lookupPlans.delete(shape.key);
        if (this.lookupPlans.size >= 512) this.lookupPlans.delete(this.lookupPlans.keys().next().value as string);
        this.lookupPlans.set(shape.key, plan);
      }
      return this.runLookup(lookup, keys, events);
    }
    const queryId = this.nextQueryId(query, 'query');
    // Planning reads the topics' partition counts.
    await this.topics.refresh();
    const planned = this.engine.planTransient(query, { tablesAsStreams: true });
    const rows: unknown[][] = [];
    // A pull query on a table marks its key columns (`ID` STRING KEY); other results do not.
    const columns = resultColumns(planned.step.schema, source.sourceType === 'TABLE', source.window !== undefined);
    const limit = query.limit;
    const built = await this.engine.buildTransient(planned, (_key, row) => {
      if (row === null || (limit !== undefined && rows.length >= limit)) return;
      rows.push(row.map((v, i) => toRestValue(columns[i]!.type, v)));
    });
    if (!isStateless(built.topology)) throw new SqlStatementError('SQL_UNSUPPORTED', 'This pull query needs state (table functions, aggregates); run it as a push query with EMIT CHANGES.');
    const runner = new StatelessRunner(built.topology, this.options.logger);
    try {
      if (source.sourceType === 'TABLE') {
        for (const r of await this.view(source.name, source.topic).snapshot(await this.lookupKeys(query, source), windowSuffix(source))) runner.process(source.topic, r.partition, [r]);
      } else {
        await scanTopic(this.options.client, source.topic, (partition, records) => runner.process(source.topic, partition, records));
      }
    } finally {
      await runner.close();
    }
    // A scan of a stream says how it ended, as ksqlDB's does.
    wholeResult(events, queryId, columns, rows, source.sourceType === 'TABLE' ? undefined : limit !== undefined && rows.length >= limit ? 'Limit Reached' : 'Query Completed');
    return { queryId, pull: true, close: async () => undefined };
  }

  /** A key lookup: the view's rows for the keys through the prepared projection. */
  private async runLookup(lookup: Lookup, keys: readonly Buffer[], events: QueryEvents): Promise<QueryHandle> {
    const view = this.view(lookup.source.name, lookup.source.topic);
    if (!view.caughtUpNow()) await view.catchUp();
    const rows = lookup.prepared.run(view.read(keys, lookup.windowSuffix), lookup.limit);
    const queryId = `query_${lookup.from}_${Date.now()}${this.transientSeq++}`;
    wholeResult(events, queryId, lookup.prepared.columns, rows);
    return { queryId, pull: true, close: closeNothing };
  }

  /** A table's key serde, as the engine's keyBytes serializes keys with it. */
  private async keySerde(source: DataSource): Promise<Serde<Row>> {
    let serde = this.keySerdes.get(source);
    if (!serde) {
      serde = await formatSerde(source.keyFormat, source.schema.keyColumns, true, source.topic, this.options.registry, false);
      this.keySerdes.set(source, serde);
    }
    return serde;
  }

  /**
   * A pull query whose WHERE clause is only key lookups (`k = 1`, `k IN (…)`) on a table with
   * KAFKA keys: its key rows, and the query's projection prepared once per SELECT list and table
   * (parsed, planned and built without the WHERE clause, which the lookup answers), so repeated
   * lookups skip planning.
   */
  private async preparedLookup(query: Query, source: DataSource): Promise<{ pins: Expression[][]; prepared: PreparedLookup; key: string } | undefined> {
    if (source.keyFormat.format !== 'KAFKA' || query.from.kind !== 'AliasedSource') return undefined;
    const pins = pinnedKeys(query.where, source.schema.key.map((k) => k.name), namesOf(source, query.from), { exact: true });
    if (!pins) return undefined;
    const cacheKey = JSON.stringify([source.name, query.from, query.select], (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
    let prepared = this.preparedPulls.get(cacheKey);
    if (prepared && prepared.source !== source) {
      this.preparedPulls.delete(cacheKey);
      await prepared.close();
      prepared = undefined;
    }
    if (!prepared) {
      await this.topics.refresh();
      const planned = this.engine.planTransient({ ...query, where: undefined, limit: undefined }, { tablesAsStreams: true });
      const columns = resultColumns(planned.step.schema, true, source.window !== undefined);
      const sink: { rows: unknown[][] } = { rows: [] };
      const built = await this.engine.buildTransient(planned, (_key, row) => {
        if (row !== null) sink.rows.push(row.map((v, i) => toRestValue(columns[i]!.type, v)));
      });
      if (!isStateless(built.topology)) return undefined;
      prepared = new PreparedLookup(source, columns, sink, built.topology, this.options.logger);
      if (this.preparedPulls.size >= 256) {
        const [oldestKey, oldest] = this.preparedPulls.entries().next().value as [string, PreparedLookup];
        this.preparedPulls.delete(oldestKey);
        await oldest.close();
      }
    } else {
      this.preparedPulls.delete(cacheKey);
    }
    this.preparedPulls.set(cacheKey, prepared);
    return { pins, prepared, key: cacheKey };
  }

  /**
   * The key bytes a pull query reads, when its WHERE clause pins every key column to constants
   * and the key format's bytes are canonical (KAFKA); undefined: scan the table.
   */
  private async lookupKeys(query: Query, source: DataSource): Promise<Buffer[] | undefined> {
    if (source.keyFormat.format !== 'KAFKA' || query.from.kind !== 'AliasedSource') return undefined;
    const rows = pinnedKeys(query.where, source.schema.key.map((k) => k.name), namesOf(source, query.from));
    return rows && this.engine.keyBytes(source.name, rows);
  }

  private async pushQuery(query: Query, properties: Properties, events: QueryEvents): Promise<QueryHandle> {
    await this.topics.refresh();
    const planned = this.engine.planTransient(query);
    const columns = resultColumns(planned.step.schema, false);
    const queryId = this.nextQueryId(query, 'transient');
    const limit = query.limit;
    let count = 0;
    let ended = false;
    /** Frees what the query holds; set once it holds something. */
    let release: () => Promise<void> = async () => undefined;
    let closing: Promise<void> | null = null;
    // Ends the query once: the client hears why (LIMIT, close, error), then resources go.
    const end = (message?: string, error?: unknown): Promise<void> => {
      if (!ended) {
        ended = true;
        this.transient.delete(queryId);
        events.onEnd(message, error);
      }
      return (closing ??= Promise.resolve().then(() => release()));
    };
    const handle: QueryHandle = { queryId, pull: false, close: () => end() };
    // A table's delete is a tombstone row: its key columns (and window bounds), nulls elsewhere.
    const keyNames = planned.step.schema.key.map((k) => k.name);
    const tombstone = planned.resultType === 'TABLE' ? tombstoneRow(columns, keyNames) : undefined;
    const built = await this.engine.buildTransient(planned, (key, row) => {
      if (ended) return;
      if (row === null) {
        if (!tombstone || key === null) return;
        events.onRow(tombstone(key).map((v, i) => toRestValue(columns[i]!.type, v)), true);
      } else {
        events.onRow(row.map((v, i) => toRestValue(columns[i]!.type, v)));
      }
      count++;
      if (limit !== undefined && count >= limit) void end('Limit Reached');
    });
    const from = properties['auto.offset.reset'] === 'earliest' ? 'earliest' : 'latest';
    events.onHeader(queryId, columns);
    if (limit === 0) {
      await end('Limit Reached');
      return handle;
    }
    this.transient.set(queryId, handle);
    if (isStateless(built.topology)) {
      const runner = new StatelessRunner(built.topology, this.options.logger);
      const topic = runner.sourceTopics[0]!;
      const tail = from === 'latest' ? this.sharedTail(topic) : new TopicTail(this.options.client, topic, 'earliest', this.options.logger);
      const unsubscribe = tail.subscribe((partition, records) => {
        if (!ended) runner.process(topic, partition, records);
      });
      release = async () => {
        unsubscribe();
        if (from === 'earliest') await tail.close();
        else await this.releaseTail(topic);
        await runner.close();
      };
      await tail.ready;
    } else {
      const applicationId = `_confluent-ksql-default_${queryId}`;
      const stateDir = join(this.stateDir, 'transient');
      const app = new StreamsApp(
        built.topology,
        // No record cache: a push query shows every change as it happens.
        { applicationId, stateDir, autoOffsetReset: from, commitIntervalMs: 1000, cacheMaxBytes: 0, deserializationExceptionHandler: 'log-and-continue', processingExceptionHandler: 'log-and-continue', logger: this.options.logger },
        this.options.client,
      );
      release = async () => {
        await app.close({ timeoutMs: 30_000 });
        await removeApp(this.options.client, applicationId, stateDir);
      };
      app.onStateChange((state) => {
        if (state === 'ERROR') void end(undefined, app.error);
      });
      await app.start();
    }
    if (ended) await end();
    return handle;
  }

  /**
   * PRINT topic [FROM BEGINNING] [INTERVAL n] [LIMIT n]: the topic's records as text lines (one
   * row of one STRING column each), every n-th record, until LIMIT or the client leaves.
   */
  private async print(statement: Extract<Statement, { kind: 'Print' }>, events: QueryEvents): Promise<QueryHandle> {
    await this.topics.refresh();
    if (this.topics.partitions(statement.topic) === undefined) {
      throw new KsqlRequestError(400, 40001, `Could not find topic '${statement.topic}', or the KSQL user does not have permissions to list the topic. Topic names are case-sensitive.`, `PRINT ${statement.topic};`);
    }
    const queryId = `print_${statement.topic}_${Date.now()}${this.transientSeq++}`;
    const interval = Math.max(1, statement.interval ?? 1);
    let seen = 0;
    let printed = 0;
    let ended = false;
    const tail = new TopicTail(this.options.client, statement.topic, statement.fromBeginning ? 'earliest' : 'latest', this.options.logger);
    let closing: Promise<void> | null = null;
    const end = (message?: string): Promise<void> => {
      if (!ended) {
        ended = true;
        this.transient.delete(queryId);
        events.onEnd(message);
      }
      return (closing ??= tail.close());
    };
    const handle: QueryHandle = { queryId, pull: false, close: () => end() };
    events.onHeader(queryId, [{ name: 'RECORD', type: { kind: 'STRING' }, key: false }], 'print');
    this.transient.set(queryId, handle);
    tail.subscribe((partition, records) => {
      for (const r of records) {
        if (ended) return;
        if (seen++ % interval !== 0) continue;
        events.onRow([printRecord(r.timestamp, r.key, r.value, partition, r.headers)]);
        printed++;
        if (statement.limit !== undefined && printed >= statement.limit) void end('Limit Reached');
      }
    });
    await tail.ready;
    return handle;
  }

  private sharedTail(topic: string): TopicTail {
    let tail = this.tails.get(topic);
    if (!tail) {
      tail = new TopicTail(this.options.client, topic, 'latest', this.options.logger);
      this.tails.set(topic, tail);
    }
    return tail;
  }

  private async releaseTail(topic: string): Promise<void> {
    const tail = this.tails.get(topic);
    if (tail && tail.listenerCount === 0) {
      this.tails.delete(topic);
      await tail.close();
    }
  }

  /** Running push queries, by id. */
  transientQueries(): QueryHandle[] {
    return [...this.transient.values()];
  }

  async closeQuery(queryId: string): Promise<boolean> {
    const handle = this.transient.get(queryId);
    if (!handle) return false;
    await handle.close();
    return true;
  }

  private view(name: string, topic: string): TableView {
    let view = this.views.get(name);
    if (!view || view.topic !== topic) {
      view = new TableView(this.options.client, topic, this.options.logger);
      this.views.set(name, view);
    }
    return view;
  }

  private async dropView(name: string): Promise<void> {
    const view = this.views.get(name);
    this.views.delete(name);
    await view?.close();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.transient.values()].map((h) => h.close()));
    await this.runner.close();
    await Promise.all([...this.views.values()].map((v) => v.close()));
    await Promise.all([...this.preparedPulls.values()].map((p) => p.close()));
    this.lookupPlans.clear();
    await Promise.all([...this.tails.values()].map((t) => t.close()));
    await this.commands.close();
    await this.processingLog.close();
    await this.topics.close();
  }
}

/** Hands a pull query's result to `events`, in one call when they take it so. */
function wholeResult(events: QueryEvents, queryId: string, columns: readonly ResultColumn[], rows: readonly unknown[][], message?: string): void {
  if (events.onResult) return events.onResult(queryId, columns, rows, message);
  events.onHeader(queryId, columns);
  for (const r of rows) events.onRow(r as unknown[]);
  events.onEnd(message);
}

/** A pull query's handle: it has ended by the time anyone holds it. */
async function closeNothing(): Promise<void> {}

/** How many bytes of window follow the key in a windowed table's record keys. */
function windowSuffix(source: DataSource): number | undefined {
  return source.window ? (source.window.type === 'SESSION' ? 16 : 8) : undefined;
}

function resultColumns(schema: { key: readonly { name: string; type: SqlType }[]; value: readonly { name: string; type: SqlType }[] }, markKeys: boolean, windowed = false): ResultColumn[] {
  // A windowed table's key includes its window bounds.
  const keys = new Set(markKeys ? [...schema.key.map((k) => k.name), ...(windowed ? [WINDOWSTART, WINDOWEND] : [])] : []);
  return schema.value.map((c) => ({ name: c.name, type: c.type, key: keys.has(c.name) }));
}

/** Builds a deleted table row's result row from its record key: key columns by name, window bounds, nulls. */
function tombstoneRow(columns: readonly ResultColumn[], keyNames: readonly string[]): (key: unknown) => unknown[] {
  return (key) => {
    const windowed = typeof key === 'object' && key !== null && !Array.isArray(key) && 'window' in key;
    const w = windowed ? (key as { key: unknown[] | null; window: { start: number; end: number } }) : undefined;
    const k = (w ? w.key : (key as unknown[] | null)) ?? [];
    return columns.map((c) => {
      if (w && c.name === WINDOWSTART) return w.window.start;
      if (w && c.name === WINDOWEND) return w.window.end;
      const i = keyNames.indexOf(c.name);
      return i >= 0 ? (k[i] ?? null) : null;
    });
  };
}

function commandId(statement: Statement): string {
  switch (statement.kind) {
    case 'CreateSource':
    case 'CreateAsSelect':
      return `${statement.sourceType.toLowerCase()}/\`${statement.name}\`/create`;
    case 'DropSource':
      return `${statement.sourceType.toLowerCase()}/\`${statement.name}\`/drop`;
    case 'InsertInto':
      return `stream/\`${statement.target}\`/create`;
    case 'CreateType':
      return `type/\`${statement.name}\`/create`;
    case 'DropType':
      return `type/\`${statement.name}\`/drop`;
    case 'AlterSource':
      return `${statement.sourceType.toLowerCase()}/\`${statement.name}\`/alter`;
    case 'Terminate':
      return `terminate/${statement.all ? 'ALL' : statement.queryId}/execute`;
    default:
      return `${statement.kind.toLowerCase()}/execute`;
  }
}


/** One record as PRINT shows it: `rowtime: …, key: …, value: …, partition: n`. */
export function printRecord(timestamp: number, key: Buffer | null, value: Buffer | null, partition: number, headers: readonly { key: string; value: Buffer | null }[]): string {
  const time = new Date(timestamp).toISOString().replace('T', ' ').replace(/-/g, '/').replace('Z', ' Z');
  const hs = headers.length === 0 ? '' : `, headers: [${headers.map((h) => `${h.key}=${h.value === null ? 'null' : bytesText(h.value)}`).join(', ')}]`;
  return `rowtime: ${time}, key: ${key === null ? '<null>' : bytesText(key)}, value: ${value === null ? '<null>' : bytesText(value)}, partition: ${partition}${hs}`;
}

/** Bytes as text when they are printable UTF-8 (strings, JSON, delimited); else Kafka's INT/BIGINT layouts; else base64. */
function bytesText(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // eslint-disable-next-line no-control-regex
  if (!text.includes('\uFFFD') && !/[\u0000-\u0008\u000e-\u001f]/.test(text)) return text;
  if (bytes.length === 4) return String(bytes.readInt32BE(0));
  if (bytes.length === 8) return String(bytes.readBigInt64BE(0));
  return bytes.toString('base64');
}

/** The names a pull query's columns may be qualified with: the source's, and its alias. */
function namesOf(source: DataSource, from: Query['from']): string[] {
  return from.kind === 'AliasedSource' && from.alias ? [source.name, from.alias] : [source.name];
}
