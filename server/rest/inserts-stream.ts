/**
 * POST /inserts-stream: the first line names the target (`{"target": "S"}`), every following
 * line is a row as a JSON object; each row is acknowledged on its own line once written
 * (`{"status":"ok","seq":n}`) or rejected (`{"status":"error","seq":n,"error_code":…,"message":…}`)
 * without ending the stream. Rows are read as the request body arrives, so a client can keep the
 * request open and insert as it goes.
 */
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { parseJson } from '../../sql/formats/json-codec.js';
import type { KsqlServer } from '../ksql/ksql-server.js';
import { FreshetError } from '../../storage/errors.js';

export function registerInserts(app: FastifyInstance, ksql: KsqlServer): void {
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    scope.post('/inserts-stream', async (request, reply) => {
      const body = request.body as Readable;
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'application/vnd.ksqlapi.delimited.v1' });
      const lines = createInterface({ input: body, crlfDelay: Infinity });
      let target: string | undefined;
      let seq = 0;
      for await (const line of lines) {
        if (line.trim() === '') continue;
        if (target === undefined) {
          const header = safeParse(line);
          const name = header && typeof header === 'object' ? (header as { target?: unknown }).target : undefined;
          if (typeof name !== 'string') {
            out.end(`${JSON.stringify({ status: 'error', error_code: 40000, message: 'The first line must name the target stream: {"target": "<name>"}.' })}\n`);
            return;
          }
          target = name.startsWith('`') ? name.slice(1, -1) : name.toUpperCase();
          if (!ksql.engine.metaStore.getSource(target)) {
            out.end(`${JSON.stringify({ status: 'error', error_code: 40001, message: `Cannot insert into ${target}: no such stream or table.` })}\n`);
            return;
          }
          continue;
        }
        const n = seq++;
        const row = safeParse(line);
        if (row === undefined || row === null || typeof row !== 'object' || Array.isArray(row)) {
          out.write(`${JSON.stringify({ status: 'error', seq: n, error_code: 40000, message: `Row ${n} is not a JSON object: ${line.slice(0, 100)}` })}\n`);
          continue;
        }
        try {
          await ksql.engine.insertJsonRow(target, row as Record<string, unknown>);
          out.write(`${JSON.stringify({ status: 'ok', seq: n })}\n`);
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          out.write(`${JSON.stringify({ status: 'error', seq: n, error_code: error instanceof FreshetError ? 40000 : 50000, message })}\n`);
        }
      }
      out.end();
    });
  });
}

function safeParse(text: string): unknown {
  try {
    return parseJson(text);
  } catch {
    return undefined;
  }
}
