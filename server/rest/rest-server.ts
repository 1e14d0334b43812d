/**
 * The ksqlDB-compatible REST API on fastify: the same paths, bodies, content types and error
 * shape as ksqlDB, so its clients (the CLI, the Go, .NET and npm clients, curl scripts) work
 * unchanged.
 *
 *   POST /ksql            statements -> entities
 *   POST /query           SELECT, chunked JSON array (header, rows, finalMessage)
 *   POST /query-stream    SELECT, metadata then one JSON array per line (or one JSON array)
 *   POST /close-query     stops a push query
 *   POST /inserts-stream  rows in, acks out, one JSON object per line each way
 *   GET  /info, /healthcheck, /status[/{commandId}], /clusterStatus, /is_valid_property/{name}
 *   POST /ksql/terminate  terminates every persistent query
 *   GET  /metrics         Prometheus metrics
 *   GET  /ws/query        a query over a WebSocket (browsers)
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { KsqlRequestError, type KsqlServer, type Properties, type QueryEvents, type QueryHandle, type ResultColumn } from '../ksql/ksql-server.js';
import { headerSchema, stringifyRest } from '../ksql/rest-json.js';
import type { ServerResponse } from 'node:http';
import { formatSqlType, someType, type SqlType } from '../../sql/types/sql-type.js';
import type { Logger } from '../../storage/logger.js';
import { registerInserts } from './inserts-stream.js';
import { registerMetrics } from './metrics.js';
import { serveHttp2 } from './http2.js';
import { registerWebSocketQueries } from './ws-query.js';

export const KSQL_V1_JSON = 'application/vnd.ksql.v1+json';
export const KSQLAPI_DELIMITED = 'application/vnd.ksqlapi.delimited.v1';
export const SERVER_VERSION = '7.6.0-freshet';

export interface RestServerOptions {
  readonly ksql: KsqlServer;
  /** HTTP basic authentication: user name -> password. Absent: no authentication. */
  readonly users?: Readonly<Record<string, string>>;
  /** The longest statement text accepted (characters). Default 1 MiB. */
  readonly maxStatementLength?: number;
  readonly logger: Logger;
  readonly kafkaClusterId?: string;
  /** Called to register extra routes (schema registry, metrics) on the same instance. */
  readonly plugins?: ((app: FastifyInstance) => unknown)[];
}

interface KsqlBody {
  ksql?: unknown;
  streamsProperties?: Record<string, string | number | boolean>;
  sessionVariables?: Record<string, string>;
  commandSequenceNumber?: number;
}

interface QueryStreamBody {
  sql?: unknown;
  properties?: Record<string, string | number | boolean>;
  sessionVariables?: Record<string, string>;
}

/** ksqlDB's error entity. */
export function errorBody(type: 'statement_error' | 'generic_error', errorCode: number, message: string, statementText?: string, entities: readonly unknown[] = []) {
  return type === 'statement_error' ? { '@type': type, error_code: errorCode, message, statementText: statementText ?? '', entities } : { '@type': type, error_code: errorCode, message };
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof KsqlRequestError) {
    return reply.code(error.status).type(KSQL_V1_JSON).send(errorBody(error.status >= 500 ? 'generic_error' : 'statement_error', error.errorCode, error.message, error.statementText, error.entities));
  }
  const message = error instanceof Error ? error.message : String(error);
  return reply.code(500).type(KSQL_V1_JSON).send(errorBody('generic_error', 50000, message));
}

function responseType(request: FastifyRequest): string {
  const accept = request.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes(KSQL_V1_JSON) ? 'application/json' : KSQL_V1_JSON;
}

export async function buildRestServer(options: RestServerOptions): Promise<FastifyInstance> {
  const { ksql } = options;
  // Closing ends push queries' open responses too, not only idle connections.
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024, forceCloseConnections: true });
  // ksqlDB's content types are JSON bodies.
  app.addContentTypeParser([KSQL_V1_JSON, 'application/vnd.ksql+json', KSQLAPI_DELIMITED], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch (error) {
      (error as { statusCode?: number }).statusCode = 400;
      done(error as Error, undefined);
    }
  });
  app.setErrorHandler((error: Error & { statusCode?: number }, _request, reply) => {
    const status = error.statusCode ?? 500;
    void reply.code(status).type(KSQL_V1_JSON).send(errorBody('generic_error', status >= 500 ? 50000 : 40000, status === 400 ? `Malformed request: ${error.message}` : error.message));
  });
  if (options.users) requireBasicAuth(app, options.users);
  const maxStatement = options.maxStatementLength ?? 1 << 20;
  // A callback hook, not an async one: it runs on every request, and a promise per request shows.
  app.addHook('preHandler', (request, reply, done) => {
    const body = request.body as { ksql?: unknown; sql?: unknown } | undefined;
    const text = typeof body?.ksql === 'string' ? body.ksql : typeof body?.sql === 'string' ? body.sql : undefined;
    if (text !== undefined && text.length > maxStatement) {
      void reply.code(413).type(KSQL_V1_JSON).send(errorBody('generic_error', 41300, `The statement text is ${text.length} characters long; the server accepts at most ${maxStatement}. Split the script into several requests.`));
      return;
    }
    done();
  });
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).type(KSQL_V1_JSON).send(errorBody('generic_error', 40400, `Path not found: ${request.method} ${request.url}`));
  });

  app.post('/ksql', async (request, reply) => {
    const body = (request.body ?? {}) as KsqlBody;
    if (typeof body.ksql !== 'string') return reply.code(400).type(KSQL_V1_JSON).send(errorBody('statement_error', 40000, 'The request has no "ksql" field: send {"ksql": "<statements>;", "streamsProperties": {}}.'));
    try {
      const entities = await ksql.execute(body.ksql, { ...(body.streamsProperties ? { streamsProperties: body.streamsProperties } : {}), ...(body.sessionVariables ? { sessionVariables: body.sessionVariables } : {}) });
      return reply.type(responseType(request)).send(stringifyRest(entities));
    } catch (error) {
      return sendError(reply, error);
    }
  });

  // Not async handlers: the query answers on the raw response (or through reply on an error) when it can.
  app.post('/query', (request, reply) => {
    const body = (request.body ?? {}) as KsqlBody;
    if (typeof body.ksql !== 'string') return reply.code(400).type(KSQL_V1_JSON).send(errorBody('statement_error', 40000, 'The request has no "ksql" field: send {"ksql": "SELECT …;", "streamsProperties": {}}.'));
    streamQuery(ksql, reply, body.ksql, body.streamsProperties ?? {}, body.sessionVariables, 'v1');
  });

  app.post('/query-stream', (request, reply) => {
    const body = (request.body ?? {}) as QueryStreamBody;
    if (typeof body.sql !== 'string') return reply.code(400).type('application/json').send(errorBody('generic_error', 40000, 'The request has no "sql" field: send {"sql": "SELECT …;", "properties": {}}.'));
    const accept = request.headers.accept ?? '';
    streamQuery(ksql, reply, body.sql, body.properties ?? {}, body.sessionVariables, accept.includes('application/json') ? 'json' : 'delimited');
  });

  app.post('/close-query', async (request, reply) => {
    const body = (request.body ?? {}) as { queryId?: unknown };
    if (typeof body.queryId !== 'string') return reply.code(400).type('application/json').send(errorBody('generic_error', 40000, 'The request has no "queryId" field.'));
    const closed = await ksql.closeQuery(body.queryId);
    if (!closed) return reply.code(404).type('application/json').send(errorBody('generic_error', 40400, `No query with id ${body.queryId} is running.`));
    return reply.type('application/json').send('');
  });

  registerInserts(app, ksql);
  registerMetrics(app, ksql);
  await registerWebSocketQueries(app, ksql);

  app.get('/info', async (_request, reply) =>
    reply.type(KSQL_V1_JSON).send({ KsqlServerInfo: { version: SERVER_VERSION, kafkaClusterId: options.kafkaClusterId ?? 'freshet', ksqlServiceId: 'default_', serverStatus: 'RUNNING' } }),
  );
  app.get('/healthcheck', async (_request, reply) =>
    reply.type(KSQL_V1_JSON).send({ isHealthy: true, details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } } }),
  );
  app.get('/status', async (_request, reply) => reply.type(KSQL_V1_JSON).send({ commandStatuses: Object.fromEntries([...ksql.commandStatuses].map(([id, st]) => [id, st.status])) }));
  app.get('/status/*', async (request, reply) => {
    const id = decodeURIComponent((request.params as { '*': string })['*']);
    const status = ksql.commandStatuses.get(id);
    if (!status) return reply.code(404).type(KSQL_V1_JSON).send(errorBody('generic_error', 40400, `Command not found: ${id}`));
    return reply.type(KSQL_V1_JSON).send(status);
  });
  app.get('/clusterStatus', async (request, reply) => {
    const host = `http://${request.hostname}`;
    return reply.type(KSQL_V1_JSON).send({ clusterStatus: { [host]: { hostAlive: true, lastStatusUpdateMs: Date.now(), activeStandbyPerQuery: {}, hostStoreLags: { stateStoreLags: {}, updateTimeMs: Date.now() } } } });
  });
  app.get('/is_valid_property/:name', async (request, reply) => {
    const { name } = request.params as { name: string };
    if (isKnownProperty(name)) return reply.type(KSQL_V1_JSON).send(true);
    return reply.code(400).type(KSQL_V1_JSON).send(errorBody('generic_error', 40000, `Not recognizable as ksql, streams, consumer, or producer property: '${name}'`));
  });
  app.post('/ksql/terminate', async (_request, reply) => {
    try {
      await ksql.execute('TERMINATE ALL;');
      return reply.type(KSQL_V1_JSON).send({ status: 200, message: 'All queries terminated.' });
    } catch (error) {
      return sendError(reply, error);
    }
  });

  for (const plugin of options.plugins ?? []) await plugin(app);
  serveHttp2(app);
  return app;
}

/**
 * HTTP basic authentication on every path but /healthcheck: a request without valid credentials
 * gets 401 with ksqlDB's error body and a WWW-Authenticate challenge.
 */
function requireBasicAuth(app: FastifyInstance, users: Readonly<Record<string, string>>): void {
  const valid = new Set(Object.entries(users).map(([user, password]) => Buffer.from(`${user}:${password}`).toString('base64')));
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/healthcheck') return;
    const header = request.headers.authorization ?? '';
    const m = /^Basic\s+(\S+)$/i.exec(header);
    if (m && valid.has(m[1]!)) return;
    return reply
      .code(401)
      .header('www-authenticate', 'Basic realm="freshet"')
      .type(KSQL_V1_JSON)
      .send(errorBody('generic_error', 40100, m ? 'Unauthorized: the user name or password is wrong.' : 'Unauthorized: send HTTP basic credentials (Authorization: Basic …).'));
  });
}

type StreamFormat = 'v1' | 'delimited' | 'json';

/** How much of a query's output may wait for a slow client before the query is closed. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

function hasDecimal(type: SqlType): boolean {
  return someType(type, (t) => t.kind === 'DECIMAL');
}

/** What a result's columns make of its header, kept per column list (a prepared pull query's is one object). */
interface ColumnsText {
  /** No DECIMAL column (written as raw JSON numbers): rows are plain JSON. */
  readonly plainJson: boolean;
  /** /query's header after the query id: `,"schema":"…"}}`. */
  readonly v1: string;
  /** /query-stream's metadata after the query id: `,"columnNames":[…],"columnTypes":[…]}`. */
  readonly meta: string;
}

const columnsTexts = new WeakMap<readonly ResultColumn[], ColumnsText>();

function columnsText(columns: readonly ResultColumn[]): ColumnsText {
  let text = columnsTexts.get(columns);
  if (!text) {
    text = {
      plainJson: !columns.some((c) => hasDecimal(c.type)),
      v1: `,"schema":${JSON.stringify(headerSchema(columns))}}}`,
      meta: `,${JSON.stringify({ columnNames: columns.map((c) => c.name), columnTypes: columns.map((c) => formatSqlType(c.type)) }).slice(1)}`,
    };
    columnsTexts.set(columns, text);
  }
  return text;
}

/**
 * Runs a SELECT and streams its result on the raw response: the header first, then each row as
 * it comes; a push query runs until LIMIT or until the client goes away. An error before the
 * header is the reply's error response.
 */
function streamQuery(ksql: KsqlServer, reply: FastifyReply, sql: string, properties: Properties, sessionVariables: Record<string, string> | undefined, format: StreamFormat): void {
  const response = new QueryResponse(reply, format);
  ksql.startQuery(sql, { properties, ...(sessionVariables ? { sessionVariables } : {}) }, response).then(
    (handle) => response.running(handle),
    (error: unknown) => response.failed(error),
  );
}

/**
 * One query's response: QueryEvents in, ksqlDB's response format out. A class rather than
 * closures: a pull query is a few microseconds of work, and closures per request show.
 */
class QueryResponse implements QueryEvents {
  private started = false;
  private finished = false;
  /** PRINT through /query answers plain text lines, as ksqlDB's. */
  private text = false;
  private plainJson = false;
  private handle: QueryHandle | undefined;
  private readonly writer: ResponseWriter;

  constructor(
    private readonly reply: FastifyReply,
    private readonly format: StreamFormat,
  ) {
    this.writer = new ResponseWriter(reply.raw);
  }

  onHeader(queryId: string, columns: readonly ResultColumn[], kind?: 'query' | 'print'): void {
    this.started = true;
    this.reply.hijack();
    if (kind === 'print' && this.format === 'v1') {
      this.text = true;
      this.writer.start('text/plain; charset=utf-8');
      return;
    }
    const text = columnsText(columns);
    this.plainJson = text.plainJson;
    const id = JSON.stringify(queryId);
    switch (this.format) {
      case 'v1':
        this.writer.start(KSQL_V1_JSON);
        this.writer.write(`[{"header":{"queryId":${id}${text.v1}`);
        return;
      case 'json':
        this.writer.start('application/json');
        this.writer.write(`[{"queryId":${id}${text.meta}`);
        return;
      default:
        this.writer.start(KSQLAPI_DELIMITED);
        this.writer.write(`{"queryId":${id}${text.meta}\n`);
    }
  }

  onResult(queryId: string, columns: readonly ResultColumn[], rows: readonly unknown[][], message?: string): void {
    // Whole: the writer need not plan for rows coming later.
    this.writer.whole = true;
    this.onHeader(queryId, columns);
    for (const r of rows) this.onRow(r as unknown[]);
    this.onEnd(message);
  }

  onRow(values: unknown[], tombstone?: boolean): void {
    if (this.finished) return;
    if (this.text) {
      this.writer.write(`${String(values[0])}\n`);
    } else {
      const json = this.plainJson ? JSON.stringify(values) : stringifyRest(values);
      if (this.format === 'v1') this.writer.write(`,\n{"row":{"columns":${json}${tombstone ? ',"tombstone":true' : ''}}}`);
      else if (this.format === 'json') this.writer.write(`,${json}`);
      else this.writer.write(`${json}\n`);
    }
    // A client that does not read its rows does not make the server hold them without bound.
    if (this.writer.waiting > MAX_BUFFERED_BYTES) {
      this.onEnd(undefined, new Error(`The client read the query's rows too slowly (more than ${MAX_BUFFERED_BYTES >> 20} MiB waiting); the query was closed.`));
      void this.handle?.close();
    }
  }

  onEnd(message?: string, error?: unknown): void {
    if (this.finished) return;
    this.finished = true;
    if (!this.started) return;
    const problem = error === undefined ? undefined : String(error instanceof Error ? error.message : error);
    if (this.text) {
      this.writer.end(problem !== undefined ? `${problem}\n` : '');
    } else if (this.format === 'v1') {
      const last = problem !== undefined ? `,\n${JSON.stringify({ errorMessage: errorBody('generic_error', 50000, problem) })}` : message ? `,\n${JSON.stringify({ finalMessage: message })}` : '';
      this.writer.end(`${last}]\n`);
    } else if (this.format === 'json') {
      this.writer.end(']\n');
    } else {
      this.writer.end(problem !== undefined ? `${JSON.stringify(errorBody('generic_error', 50000, problem))}\n` : '');
    }
  }

  /** The query started: it runs until it ends by itself or the response closes (the client went away). */
  running(handle: QueryHandle): void {
    this.handle = handle;
    const out = this.reply.raw;
    if (this.finished || out.destroyed) void handle.close();
    else out.once('close', () => void handle.close());
  }

  failed(error: unknown): void {
    if (!this.started) {
      this.finished = true;
      sendError(this.reply, error);
    } else {
      this.onEnd(undefined, error);
    }
  }
}

/**
 * Writes a query's response. What comes in the tick the response starts is held: a result that
 * ends in that tick (a pull query) goes out as one body with its length; otherwise the held part
 * goes out as the first chunk, and later rows are joined per tick into one write each.
 */
class ResponseWriter {
  /** The result is written and ended within the call that starts it: no flush needs planning. */
  whole = false;
  private held: string | null = null;
  private batch = '';
  private contentType = '';
  private ended = false;
  private pending = 0;

  constructor(private readonly out: ServerResponse) {}

  start(contentType: string): void {
    this.contentType = contentType;
    this.held = '';
    if (!this.whole) process.nextTick(flushHeld, this);
  }

  /** The held part as the first chunk, when the response did not end in the tick it started. */
  flushHeld(): void {
    if (this.held === null || this.ended) return;
    this.out.writeHead(200, { 'content-type': this.contentType });
    this.out.write(this.held);
    this.held = null;
    this.pending = 0;
  }

  write(chunk: string): void {
    this.pending += chunk.length;
    if (this.held !== null) {
      this.held += chunk;
      return;
    }
    if (this.batch === '') process.nextTick(flushBatch, this);
    this.batch += chunk;
  }

  /** The rows written in this tick as one write. */
  flushBatch(): void {
    if (this.batch === '' || this.ended) return;
    const data = this.batch;
    this.batch = '';
    this.pending = 0;
    this.out.write(data);
  }

  /** Roughly how many bytes wait: written but not taken by the client, or not written yet. */
  get waiting(): number {
    return this.out.writableLength + this.pending;
  }

  end(last: string): void {
    if (this.ended) return;
    this.ended = true;
    if (this.held !== null) {
      const body = this.held + last;
      this.held = null;
      this.out.writeHead(200, { 'content-type': this.contentType, 'content-length': Buffer.byteLength(body) });
      this.out.end(body);
      return;
    }
    const rest = this.batch + last;
    this.batch = '';
    this.out.end(rest);
  }
}

function flushHeld(writer: ResponseWriter): void {
  writer.flushHeld();
}

function flushBatch(writer: ResponseWriter): void {
  writer.flushBatch();
}

/** Properties a request may set in streamsProperties. */
export function isKnownProperty(name: string): boolean {
  return /^(ksql\.|processing\.guarantee$|auto\.offset\.reset$|commit\.interval\.ms$|cache\.max\.bytes\.buffering$)/.test(name);
}

