/**
 * GET /ws/query?request={"ksql": "SELECT …;", "streamsProperties": {}}: a push or pull query over
 * a WebSocket, for browsers (which cannot stream a POST body's response as easily). The first
 * message is the result's columns (`[{name, schema}]`), then one `{"row": {"columns": […]}}`
 * message per row, then `{"finalMessage": …}` or `{"errorMessage": …}` and the socket closes;
 * closing the socket stops the query.
 */
import type { FastifyInstance } from 'fastify';
import websocket from '@fastify/websocket';
import type { KsqlServer, QueryHandle } from '../ksql/ksql-server.js';
import { KsqlRequestError } from '../ksql/ksql-server.js';
import { restSchema, stringifyRest } from '../ksql/rest-json.js';

export async function registerWebSocketQueries(app: FastifyInstance, ksql: KsqlServer): Promise<void> {
  await app.register(websocket);
  app.get('/ws/query', { websocket: true }, (socket, request) => {
    const raw = (request.query as { request?: string }).request;
    let body: { ksql?: unknown; streamsProperties?: Record<string, string | number | boolean> };
    try {
      body = raw === undefined ? {} : (JSON.parse(raw) as typeof body);
    } catch {
      body = {};
    }
    if (typeof body.ksql !== 'string') {
      socket.send(JSON.stringify({ errorMessage: { '@type': 'generic_error', error_code: 40000, message: 'Pass the query as ?request={"ksql": "SELECT …;", "streamsProperties": {}}.' } }));
      socket.close(1003, 'bad request');
      return;
    }
    let handle: QueryHandle | undefined;
    let open = true;
    socket.on('close', () => {
      open = false;
      void handle?.close();
    });
    ksql
      .startQuery(body.ksql, { properties: body.streamsProperties ?? {} }, {
        onHeader: (_queryId, columns) => {
          if (open) socket.send(JSON.stringify(columns.map((c) => ({ name: c.name, schema: restSchema(c.type) }))));
        },
        onRow: (values, tombstone) => {
          if (open) socket.send(`{"row":{"columns":${stringifyRest(values)}${tombstone ? ',"tombstone":true' : ''}}}`);
        },
        onEnd: (message, error) => {
          if (!open) return;
          if (error !== undefined) socket.send(JSON.stringify({ errorMessage: { '@type': 'generic_error', error_code: 50000, message: error instanceof Error ? error.message : String(error) } }));
          else socket.send(JSON.stringify({ finalMessage: message ?? 'Query Completed' }));
          socket.close(1000, 'done');
        },
      })
      .then(
        (h) => {
          handle = h;
          if (!open) void h.close();
        },
        (error: unknown) => {
          if (!open) return;
          const e = error instanceof KsqlRequestError ? { '@type': 'statement_error', error_code: error.errorCode, message: error.message, statementText: error.statementText ?? '' } : { '@type': 'generic_error', error_code: 50000, message: String(error) };
          socket.send(JSON.stringify({ errorMessage: e }));
          socket.close(1011, 'query failed');
        },
      );
  });
}
