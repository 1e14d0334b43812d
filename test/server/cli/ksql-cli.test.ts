/**
 * `freshet ksql` as a user runs it: the real command in a child process, against a real server
 * on loopback; the tests read what it prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Running } from '../../../server/cli/start.js';
import { freePort, runFreshet, startQuietly, type CliOptions, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

let running: Running;
let server: string;
let dir: string;
let cleanup: () => void;

function ksql(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runFreshet(['ksql', ...args], { ...options, env: { FRESHET_HISTORY: join(dir, 'history') } });
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  running = await startQuietly({ dataDir: join(dir, 'data'), host: '127.0.0.1', kafkaPort: 0, httpPort: 0 });
  server = `http://127.0.0.1:${running.http.port}`;
});

afterAll(async () => {
  await running?.stop();
  cleanup?.();
});

describe('freshet ksql', () => {
  it('-e creates a stream, inserts rows and shows streams as a bordered table', async () => {
    const result = await ksql([
      '--server',
      server,
      '-e',
      "CREATE STREAM pageviews (id INT KEY, page STRING) WITH (kafka_topic='pageviews', partitions=1, value_format='json');\n" +
        "INSERT INTO pageviews (id, page) VALUES (1, 'home;index');\nINSERT INTO pageviews (id, page) VALUES (2, 'it''s');\nSHOW STREAMS;",
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(
      [
        '+----------------+',
        '| Message        |',
        '+----------------+',
        '| Stream created |',
        '+----------------+',
        '+---------------------+-----------------------------+------------+--------------+----------+',
        '| Stream Name         | Kafka Topic                 | Key Format | Value Format | Windowed |',
        '+---------------------+-----------------------------+------------+--------------+----------+',
        '| KSQL_PROCESSING_LOG | default_ksql_processing_log | NONE       | JSON         | false    |',
        '| PAGEVIEWS           | pageviews                   | KAFKA      | JSON         | false    |',
        '+---------------------+-----------------------------+------------+--------------+----------+',
        '',
      ].join('\n'),
    );
  });

  it('prints the rows of a pull query, and of a push query with LIMIT as they come', async () => {
    const result = await ksql(['--server', server, '-e', "SELECT * FROM pageviews;\nSET 'auto.offset.reset' = 'earliest';\nSELECT id, page FROM pageviews EMIT CHANGES LIMIT 2;"]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(['+----+------------+', '| ID | PAGE       |', '+----+------------+', '| 1  | home;index |', "| 2  | it's       |", '+----+------------+', ''].join('\n'));
    expect(result.stdout).toContain("Successfully changed local property 'auto.offset.reset' to 'earliest'.");
    const push = result.stdout.slice(result.stdout.indexOf('Successfully'));
    expect(push).toMatch(/\| ID +\| PAGE +\|\n\+-+\+-+\+\n\| 1 +\| home;index +\|\n\| 2 +\| it's +\|\n\+-+\+-+\+\nQuery terminated\n$/);
  });

  it('prints an error with its statement and exits 1 at the first failing statement of -e', async () => {
    const result = await ksql(['--server', server, '-e', 'DESCRIBE nope; SHOW STREAMS;']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("Could not find STREAM/TABLE 'NOPE' in the Metastore\nStatement: DESCRIBE nope;\n");
    expect(result.stdout).toBe('');
  });

  it('-f runs a script file, with --define variables, comments and RUN SCRIPT', async () => {
    writeFileSync(join(dir, 'insert.sql'), "INSERT INTO ${name} (id, amount) VALUES (7, 12.50);\n");
    writeFileSync(
      join(dir, 'setup.sql'),
      [
        '-- a table of orders; the name comes from --define',
        'CREATE STREAM ${name} (id INT KEY, amount DECIMAL(6, 2))',
        "  WITH (kafka_topic='${name}', partitions=1, value_format='json'); /* created; */",
        `RUN SCRIPT '${join(dir, 'insert.sql')}';`,
        'SELECT * FROM ${name}',
      ].join('\n'),
    );
    const result = await ksql(['--server', server, '-f', join(dir, 'setup.sql'), '--define', 'name=orders']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('| Stream created |');
    expect(result.stdout).toContain('| ID | AMOUNT |\n+----+--------+\n| 7  | 12.50  |\n');
  });

  it('--output json prints the entities and the query lines as JSON', async () => {
    const result = await ksql(['--server', server, '--output', 'JSON', '-e', 'SHOW STREAMS; SELECT * FROM pageviews WHERE id = 1;']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const [entitiesText, queryText] = result.stdout.split(/(?<=^\])\n/m);
    const entities = JSON.parse(entitiesText!) as { '@type': string; streams: { name: string }[] }[];
    expect(entities[0]!['@type']).toBe('streams');
    expect(entities[0]!.streams.map((s) => s.name)).toEqual(['KSQL_PROCESSING_LOG', 'ORDERS', 'PAGEVIEWS']);
    const lines = queryText!.trim().split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ columnNames: ['ID', 'PAGE'], columnTypes: ['INTEGER', 'STRING'] });
    expect(lines.slice(1)).toEqual(['[1,"home;index"]']);
  });

  it('reads statements from standard input: one over several lines, SET then a query, going on after an error', async () => {
    const stdin = ['SHOW', '  TABLES', ';', 'DESCRIBE nope;', "SET 'auto.offset.reset'='earliest';", 'SELECT page', '  FROM pageviews', "  WHERE page = 'it''s; really'", '     OR id = 1 EMIT CHANGES LIMIT 1;', 'exit', 'SHOW STREAMS;'].join('\n');
    const result = await ksql(['--server', server], { stdin });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe("Could not find STREAM/TABLE 'NOPE' in the Metastore\nStatement: DESCRIBE nope;\n");
    expect(result.stdout).toMatch(/^(\+-+)+\+\n\| Table Name \| Kafka Topic \| Key Format \| Value Format \| Windowed \|\n/);
    expect(result.stdout).toContain("Successfully changed local property 'auto.offset.reset' to 'earliest'.");
    expect(result.stdout).toMatch(/\| PAGE +\|\n\+-+\+\n\| home;index +\|\n\+-+\+\nQuery terminated\n$/);
    // Nothing after `exit` ran.
    expect(result.stdout).not.toContain('Stream Name');
  });

  it('Ctrl-C stops a running push query and the session goes on', async () => {
    const stdin = ['SELECT * FROM pageviews EMIT CHANGES;', 'SHOW STREAMS;'].join('\n');
    let interrupted = false;
    const result = await ksql(['--server', server], {
      stdin,
      onOutput: (stdout, child) => {
        // The header is printed once the query runs on the server.
        if (!interrupted && stdout.includes('| PAGE')) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(interrupted).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/\| ID +\| PAGE +\|\n\+-+\+-+\+\n\+-+\+-+\+\nQuery terminated\n\+-+/);
    expect(result.stdout).toMatch(/\| PAGEVIEWS +\| pageviews +\|/);
    expect(running.ksql.transientQueries()).toEqual([]);
  });

  it('says how to start a server when none answers', async () => {
    const port = await freePort();
    const result = await ksql(['--server', `http://127.0.0.1:${port}`, '-e', 'SHOW STREAMS;']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`Could not connect to the server at http://127.0.0.1:${port}: connection refused. Is it running? Start one with \`freshet start\`, or pass --server <URL>.\n`);
  });
});
