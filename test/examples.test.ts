/** The README's examples are programs in examples/: each must run to completion. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Broker } from '../storage/broker/broker.js';
import { silentLogger } from '../storage/logger.js';
import { KafkaListener } from '../server/kafka/index.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples', () => {
  it('broker-quickstart produces, consumes in a group and commits', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/broker-quickstart.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain('alice -> /index.html');
    expect(stdout).toContain('bob -> /about.html');
    expect(stdout).toContain('alice -> /pricing.html');
    expect(stdout).toMatch(/lag: 0/);
  });

  it('transactions copies orders exactly once with their offsets', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/transactions.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain("'o1: shipped', 'o2: shipped', 'o3: shipped'");
    expect(stdout).toMatch(/offset: 3,\s+logEndOffset: 3,\s+lag: 0/);
  });

  it('remote-client talks to a broker over the Kafka protocol', async () => {
    const { dir, cleanup } = tempDir();
    const broker = await Broker.open({ dataDir: dir, logger: silentLogger, groupInitialRebalanceDelayMs: 0, offsetsTopicPartitions: 2 });
    const listener = new KafkaListener(broker, { port: 0, logger: silentLogger });
    const { host, port } = await listener.start();
    try {
      const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/remote-client.ts'], { cwd: root, env: { ...process.env, FRESHET_BOOTSTRAP: `${host}:${port}` } });
      for (const user of ['alice', 'bob', 'carol']) expect(stdout).toContain(`${user}: signed up: ${user}`);
      expect(stdout).toMatch(/lag: 0/);
    } finally {
      await listener.close();
      await broker.close();
      cleanup();
    }
  });

  it('word-count counts words with the streams engine and answers an interactive query', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/word-count.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toMatch(/the: 3/);
    expect(stdout).toMatch(/dog: 2/);
    expect(stdout).toContain('store says: "the" -> 3');
  });

  it('processor-api runs a hand-written processor with a store and a punctuation', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/processor-api.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain('Processor: leaderboard (stores: [clicks-per-user])');
    expect(stdout).toContain("[ 'ann with 1 clicks', 'bob with 3 clicks', 'bob with 3 clicks' ]");
  });

  it('session-windows merges sessions a late click bridges', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/session-windows.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout).toContain('alice 0s..10s: 2 clicks');
    expect(stdout).toContain('alice 60s..60s: 1 clicks');
    expect(stdout).toContain('alice 0s..10s: merged away');
    expect(stdout).toContain('alice 0s..60s: 4 clicks');
    expect(stdout).toContain('bob 5s..5s: 1 clicks');
  });

  it('test-driver runs a topology on three partitions without a broker', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/test-driver.ts'], { cwd: root });
    expect(stdout).toContain("Map(2) { 'alice' => 50, 'bob' => 12.5 }");
  });

  it('page-views enriches views from a table and counts them per region in tumbling windows', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/page-views.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout.trim().split('\n')).toEqual(['12:00 americas  1 views', '12:00 europe  2 views', '12:01 americas  2 views', '12:01 europe  1 views']);
  });

  it('sql-engine compiles ksqlDB statements to a topology and counts views per page and minute', async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'examples/sql-engine.ts'], { cwd: root, env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    expect(stdout.trim().split('\n')).toEqual([
      'CTAS_VIEWS_PER_PAGE_1 [{"name":"PAGE","type":{"kind":"STRING"}}] -> VIEWS_PER_PAGE',
      '/home 0 {"VIEWS":1,"SLOWEST":120}',
      '/home 0 {"VIEWS":2,"SLOWEST":300}',
      '/cart 60000 {"VIEWS":1,"SLOWEST":80}',
    ]);
  });
});
