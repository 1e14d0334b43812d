/**
 * The ksqlDB REST API as the CLI uses it, on node:http(s) so that query rows can be shown as
 * they arrive:
 *
 *   POST /ksql           {ksql, streamsProperties, sessionVariables} -> [entity, …]
 *   POST /query-stream   {sql, properties, sessionVariables} -> metadata line, then a JSON array per row
 *   POST /query          {ksql, streamsProperties} -> PRINT's text lines
 *   POST /close-query    {queryId}
 *   GET  /info
 */
import http from 'node:http';
import https from 'node:https';
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';

export const KSQL_V1_JSON = 'application/vnd.ksql.v1+json';
export const KSQLAPI_DELIMITED = 'application/vnd.ksqlapi.delimited.v1';

/** ksqlDB's error entity. */
export interface ErrorEntity {
  '@type': string;
  error_code: number;
  message: string;
  statementText?: string;
  entities?: unknown[];
  [field: string]: unknown;
}

export type Entity = { '@type': string; statementText?: string; warnings?: { message: string }[] } & Record<string, unknown>;

/** The server answered with an error. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    readonly entity: ErrorEntity,
  ) {
    super(entity.message);
  }
}

/** The server could not be reached, or answered with something that is not ksqlDB's API. */
export class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
  }
}

/** The user stopped the request (Ctrl-C). */
export class CancelledError extends Error {
  constructor() {
    super('Cancelled');
  }
}

export interface QueryMetadata {
  queryId?: string;
  columnNames: string[];
  columnTypes: string[];
}

export interface QueryHandlers {
  onMetadata(meta: QueryMetadata): void;
  /** A row, its numbers as lossless-json numbers (BIGINT and DECIMAL keep their digits). */
  onRow(row: unknown[], text: string): void;
}

type Properties = Readonly<Record<string, string>>;

function isErrorEntity(value: unknown): value is ErrorEntity {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as ErrorEntity).message === 'string' && ('error_code' in value || '@type' in value);
}

export class KsqlRestClient {
  readonly url: URL;

  constructor(server: string) {
    const url = new URL(/^[a-z]+:\/\//i.test(server) ? server : `http://${server}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`The server URL must start with http:// or https://, not ${url.protocol}`);
    if (!url.pathname.endsWith('/')) url.pathname += '/';
    this.url = url;
  }

  /** The server URL as the user gave it, without a trailing slash. */
  get server(): string {
    // Without credentials: this goes into messages.
    const shown = new URL(this.url.href);
    shown.username = '';
    shown.password = '';
    return shown.href.replace(/\/$/, '');
  }

  private open(method: string, path: string, headers: Record<string, string>, signal?: AbortSignal): { request: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const target = new URL(path.replace(/^\//, ''), this.url);
    const transport = target.protocol === 'https:' ? https : http;
    // A connection per request: nothing keeps the process alive afterwards.
    const request = transport.request(target, { method, headers: { ...headers }, agent: false, ...(signal ? { signal } : {}) });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.on('response', resolve);
      request.on('error', (error: NodeJS.ErrnoException) => reject(this.translate(error, signal)));
    });
    return { request, response };
  }

  private translate(error: NodeJS.ErrnoException, signal?: AbortSignal): Error {
    if (signal?.aborted || error.name === 'AbortError') return new CancelledError();
    switch (error.code) {
      case 'ECONNREFUSED':
        return new ConnectionError(`Could not connect to the server at ${this.server}: connection refused. Is it running? Start one with \`freshet start\`, or pass --server <URL>.`);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new ConnectionError(`Could not connect to the server at ${this.server}: unknown host ${this.url.hostname}. Check --server <URL>.`);
      case 'ECONNRESET':
        return new ConnectionError(`The server at ${this.server} closed the connection.`);
      default:
        return new ConnectionError(`Could not talk to the server at ${this.server}: ${error.message}`);
    }
  }

  private async call(method: string, path: string, body: unknown, signal?: AbortSignal, contentType = KSQL_V1_JSON): Promise<{ status: number; text: string }> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const { request, response } = this.open(method, path, { accept: `${KSQL_V1_JSON}, application/json`, ...(payload !== undefined ? { 'content-type': contentType, 'content-length': String(Buffer.byteLength(payload)) } : {}) }, signal);
    request.end(payload);
    const res = await response;
    const text = await new Promise<string>((resolve, reject) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve(data));
      res.on('error', (error: NodeJS.ErrnoException) => reject(this.translate(error, signal)));
    });
    return { status: res.statusCode ?? 0, text };
  }

  private failure(status: number, text: string, path: string): Error {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isErrorEntity(parsed)) return new ServerError(status, { ...parsed, '@type': typeof parsed['@type'] === 'string' ? parsed['@type'] : 'generic_error' });
    const snippet = text.trim().slice(0, 200);
    return new ConnectionError(`The server at ${this.server} answered ${path} with HTTP ${status}${snippet ? `: ${snippet}` : ''}. Is it a Freshet or ksqlDB server?`);
  }

  /** Runs statements (POST /ksql): the entities they made. */
  async ksql(statements: string, streamsProperties: Properties, sessionVariables: Properties, signal?: AbortSignal): Promise<Entity[]> {
    const { status, text } = await this.call('POST', '/ksql', { ksql: statements, streamsProperties, sessionVariables }, signal);
    if (status !== 200) throw this.failure(status, text, '/ksql');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw this.failure(status, text, '/ksql');
    }
    if (!Array.isArray(parsed)) throw this.failure(status, text, '/ksql');
    return parsed as Entity[];
  }

  /** GET /info: the server's version and status. */
  async info(signal?: AbortSignal): Promise<{ version?: string; serverStatus?: string; kafkaClusterId?: string }> {
    const { status, text } = await this.call('GET', '/info', undefined, signal);
    if (status !== 200) throw this.failure(status, text, '/info');
    try {
      return ((JSON.parse(text) as { KsqlServerInfo?: object }).KsqlServerInfo ?? {}) as { version?: string };
    } catch {
      throw this.failure(status, text, '/info');
    }
  }

  /**
   * Runs a SELECT (POST /query-stream), calling the handlers as the metadata and each row
   * arrive. Resolves when the server ends the result; rejects with CancelledError when the
   * signal aborts (the query is then closed on the server).
   */
  async query(sql: string, properties: Properties, sessionVariables: Properties, handlers: QueryHandlers, signal?: AbortSignal): Promise<void> {
    const payload = JSON.stringify({ sql, properties, sessionVariables });
    const { request, response } = this.open('POST', '/query-stream', { accept: KSQLAPI_DELIMITED, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }, signal);
    request.end(payload);
    let queryId: string | undefined;
    try {
      const res = await response;
      if (res.statusCode !== 200) {
        const text = await readAll(res);
        throw this.failure(res.statusCode ?? 0, text, '/query-stream');
      }
      const isArray = (res.headers['content-type'] ?? '').startsWith('application/json');
      await new Promise<void>((resolve, reject) => {
        let buffered = '';
        let first = true;
        let failed = false;
        const handle = (value: unknown, text: string): void => {
          if (failed) return;
          if (Array.isArray(value)) {
            handlers.onRow(value, text);
          } else if (isErrorEntity(value)) {
            failed = true;
            reject(new ServerError(200, value));
          } else if (first && typeof value === 'object' && value !== null) {
            const meta = value as Partial<QueryMetadata>;
            queryId = meta.queryId;
            handlers.onMetadata({ ...meta, columnNames: meta.columnNames ?? [], columnTypes: meta.columnTypes ?? [] });
          }
          first = false;
        };
        const line = (text: string): void => {
          if (text.trim() !== '') handle(parseLossless(text), text);
        };
        const lines = (final: boolean): void => {
          let at: number;
          while ((at = buffered.indexOf('\n')) !== -1) {
            line(buffered.slice(0, at));
            buffered = buffered.slice(at + 1);
          }
          if (final) line(buffered);
        };
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buffered += chunk;
          if (!isArray) lines(false);
        });
        res.on('end', () => {
          try {
            if (isArray) {
              // application/json: one array, the metadata first.
              const all = parseLossless(buffered) as unknown[];
              for (const item of all) handle(item, stringifyLossless(item) ?? 'null');
            } else lines(true);
            resolve();
          } catch (error) {
            reject(error instanceof SyntaxError ? new ConnectionError(`The server at ${this.server} sent a query result that is not JSON: ${error.message}`) : error);
          }
        });
        res.on('error', (error: NodeJS.ErrnoException) => reject(this.translate(error, signal)));
        res.on('close', () => {
          if (!res.complete) reject(signal?.aborted ? new CancelledError() : new ConnectionError(`The server at ${this.server} ended the query result early.`));
        });
      });
    } catch (error) {
      if (error instanceof CancelledError || signal?.aborted) {
        // Closing the connection stops the query on the server too; say so explicitly anyway.
        if (queryId !== undefined) await this.closeQuery(queryId).catch(() => undefined);
        throw new CancelledError();
      }
      throw error;
    }
  }

  /** POST /close-query. */
  async closeQuery(queryId: string): Promise<void> {
    const { status, text } = await this.call('POST', '/close-query', { queryId }, undefined, 'application/json');
    if (status !== 200) throw this.failure(status, text, '/close-query');
  }

  /** PRINT (POST /query): the server's text, chunk by chunk, until it ends or the signal aborts. */
  async print(statement: string, streamsProperties: Properties, onText: (text: string) => void, signal?: AbortSignal): Promise<void> {
    const payload = JSON.stringify({ ksql: statement, streamsProperties });
    const { request, response } = this.open('POST', '/query', { accept: `${KSQL_V1_JSON}, application/json`, 'content-type': KSQL_V1_JSON, 'content-length': String(Buffer.byteLength(payload)) }, signal);
    request.end(payload);
    const res = await response;
    if (res.statusCode !== 200) throw this.failure(res.statusCode ?? 0, await readAll(res), '/query');
    await new Promise<void>((resolve, reject) => {
      res.setEncoding('utf8');
      res.on('data', onText);
      res.on('end', resolve);
      res.on('error', (error: NodeJS.ErrnoException) => reject(this.translate(error, signal)));
      res.on('close', () => {
        if (!res.complete) reject(signal?.aborted ? new CancelledError() : new ConnectionError(`The server at ${this.server} ended PRINT's output early.`));
      });
    });
  }
}

function readAll(res: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => (data += chunk));
    res.on('end', () => resolve(data));
    res.on('error', reject);
  });
}
