/** The REST API's guards: basic authentication, statement size, malformed input, unknown query ids. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { KsqlServer } from '../../../server/ksql/ksql-server.js';
import { buildRestServer } from '../../../server/rest/rest-server.js';
import { tempDir } from '../../helpers/tmp.js';

let tmp: { dir: string; cleanup: () => void };
let broker: Broker;
let ksql: KsqlServer;
let app: FastifyInstance;
let base: string;
const auth = `Basic ${Buffer.from('alice:s3cret').toString('base64')}`;

beforeAll(async () => {
  tmp = tempDir();
  broker = await Broker.open({ dataDir: tmp.dir, logger: silentLogger });
  ksql = await KsqlServer.open({ client: broker.client(), dataDir: tmp.dir, logger: silentLogger });
  app = await buildRestServer({ ksql, logger: silentLogger, users: { alice: 's3cret' }, maxStatementLength: 1000 });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await app?.close();
  await ksql?.close();
  await broker?.close();
  tmp?.cleanup();
});

function post(path: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksql.v1+json', authorization: auth, ...headers }, body });
}

describe('REST API guards', () => {
  it('requires HTTP basic credentials, except for /healthcheck', async () => {
    const none = await fetch(`${base}/info`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Basic realm="freshet"');
    expect(await none.json()).toMatchObject({ '@type': 'generic_error', error_code: 40100 });
    const wrong = await fetch(`${base}/info`, { headers: { authorization: `Basic ${Buffer.from('alice:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { message: string }).message).toContain('wrong');
    expect((await fetch(`${base}/info`, { headers: { authorization: auth } })).status).toBe(200);
    expect((await fetch(`${base}/healthcheck`)).status).toBe(200);
  });

  it('answers malformed JSON and SQL with 400 and the error shape, SQL errors with the position', async () => {
    const json = await post('/ksql', '{"ksql": ');
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ '@type': 'generic_error', error_code: 40000 });
    const sql = await post('/ksql', JSON.stringify({ ksql: 'CREATE STREM s (a INT);' }));
    expect(sql.status).toBe(400);
    const body = (await sql.json()) as { '@type': string; message: string };
    expect(body['@type']).toBe('statement_error');
    expect(body.message).toMatch(/^line 1:8/);
  });

  it('refuses statements over the size limit with 413', async () => {
    const res = await post('/ksql', JSON.stringify({ ksql: `SHOW STREAMS; ${'-- padding\n'.repeat(200)}` }));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toContain('at most 1000');
  });

  it('answers 404 for an unknown query id on /close-query', async () => {
    const res = await post('/close-query', JSON.stringify({ queryId: 'transient_NOPE_1' }), { 'content-type': 'application/json' });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error_code: 40400 });
  });

  it('lets the CLI in with --user, and not without', async () => {
    const bin = fileURLToPath(new URL('../../../bin/freshet.js', import.meta.url));
    const run = (args: string[]) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, 'ksql', '--server', base, ...args, '-e', 'SHOW STREAMS;'], (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }));
      });
    const denied = await run([]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toContain('Unauthorized');
    const allowed = await run(['--user', 'alice:s3cret']);
    expect(allowed.stderr).toBe('');
    expect(allowed.stdout).toContain('| KSQL_PROCESSING_LOG |');
  });
});
