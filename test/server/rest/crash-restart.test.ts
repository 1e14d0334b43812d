/**
 * The server killed with SIGKILL while its queries work, then started again on the same data
 * directory: under exactly-once, every input record is in the output exactly once.
 */
import { describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../../helpers/tmp.js';

const bin = fileURLToPath(new URL('../../../bin/freshet.js', import.meta.url));
const JSON_V1 = 'application/vnd.ksql.v1+json';

function startServer(dir: string, config: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, [bin, 'start', '--data-dir', dir, '--kafka-port', '0', '--http-port', '0', '--schema-registry-port', '0', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const m = /ksqlDB REST:\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve({ child, base: m[1]! });
    });
    child.stderr!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`freshet start exited with ${code}: ${out}`)));
  });
}

async function ksql(base: string, sql: string): Promise<unknown> {
  const res = await fetch(`${base}/ksql`, { method: 'POST', headers: { 'content-type': JSON_V1 }, body: JSON.stringify({ ksql: sql, streamsProperties: {} }) });
  const body = await res.json();
  if (res.status !== 200) throw new Error(`${sql}: ${JSON.stringify(body)}`);
  return body;
}

async function rows(base: string, sql: string): Promise<unknown[][]> {
  const res = await fetch(`${base}/query-stream`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ sql, properties: {} }) });
  const body = (await res.json()) as unknown[];
  return body.slice(1) as unknown[][];
}

function kill(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.on('exit', () => resolve());
    child.kill(signal);
  });
}

describe('crash and restart', () => {
  it('loses and duplicates nothing under exactly-once when killed with SIGKILL mid-stream', async () => {
    const { dir, cleanup } = tempDir();
    const config = join(dir, 'freshet.json');
    writeFileSync(config, JSON.stringify({ ksql: { 'processing.guarantee': 'exactly_once_v2' } }));
    const data = join(dir, 'data');
    let server = await startServer(data, config);
    try {
      await ksql(server.base, "CREATE STREAM src (id INT KEY, grp STRING) WITH (kafka_topic='src', partitions=2, value_format='json');");
      await ksql(server.base, 'CREATE STREAM copy AS SELECT * FROM src;');
      await ksql(server.base, 'CREATE TABLE per_group AS SELECT grp, COUNT(*) AS n FROM src GROUP BY grp EMIT CHANGES;');
      const n = 20_000;
      const lines = [JSON.stringify({ target: 'SRC' }), ...Array.from({ length: n }, (_, i) => JSON.stringify({ id: i, grp: `g${i % 5}` }))];
      const response = await fetch(`${server.base}/inserts-stream`, { method: 'POST', headers: { 'content-type': 'application/vnd.ksqlapi.delimited.v1' }, body: lines.join('\n') });
      // Acknowledged rows, read as the server acknowledges them.
      const acked = new Set<number>();
      const reading = (async () => {
        const decoder = new TextDecoder();
        let buffer = '';
        try {
          for await (const chunk of response.body!) {
            buffer += decoder.decode(chunk as Uint8Array, { stream: true });
            let i: number;
            while ((i = buffer.indexOf('\n')) >= 0) {
              const ack = JSON.parse(buffer.slice(0, i)) as { status: string; seq: number };
              buffer = buffer.slice(i + 1);
              if (ack.status === 'ok') acked.add(ack.seq);
            }
          }
        } catch {
          // the server was killed
        }
      })();
      // Killed while rows are still coming in and the queries are working through them.
      while ((await rows(server.base, 'SELECT id FROM copy;')).length === 0) await new Promise((r) => setTimeout(r, 100));
      await kill(server.child, 'SIGKILL');
      await reading;
      expect(acked.size).toBeGreaterThan(0);

      server = await startServer(data, config);
      const deadline = Date.now() + 60_000;
      let source: unknown[][] = [];
      let copied: unknown[][] = [];
      let counted = 0;
      while (Date.now() < deadline) {
        source = await rows(server.base, 'SELECT id FROM src;');
        copied = await rows(server.base, 'SELECT id FROM copy;');
        counted = (await rows(server.base, 'SELECT * FROM per_group;')).reduce((sum, r) => sum + Number(r[1]), 0);
        if (copied.length >= source.length && counted >= source.length) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      // Nothing acknowledged is lost; every input record is in each output exactly once.
      const ids = new Set(source.map((r) => r[0] as number));
      for (const id of acked) expect(ids.has(id)).toBe(true);
      expect(copied).toHaveLength(source.length);
      expect(new Set(copied.map((r) => r[0])).size).toBe(source.length);
      expect(counted).toBe(source.length);
    } finally {
      await kill(server.child, 'SIGKILL');
      cleanup();
    }
  }, 120_000);
});
