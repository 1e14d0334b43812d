/**
 * `freshet topics | produce | consume | groups` as a user runs them: the real command in a child
 * process, against a real server on loopback, over the Kafka protocol; the tests read what it
 * prints and its exit code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Running } from '../../../server/cli/start.js';
import { freePort, freshetBin, runFreshet, startQuietly, type CliOptions, type CliResult } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';


let running: Running;
let bootstrap: string;
let dir: string;
let cleanup: () => void;

function freshet(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return runFreshet(args, { timeoutMs: 45_000, ...options });
}

/** The command against the test server. */
function kafka(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return freshet([...args, '--bootstrap-server', bootstrap], options);
}

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  // Kafka's 3 s group.initial.rebalance.delay.ms would only make the group tests wait.
  const config = join(dir, 'broker.json');
  writeFileSync(config, JSON.stringify({ groupInitialRebalanceDelayMs: 0 }));
  running = await startQuietly({ dataDir: join(dir, 'data'), host: '127.0.0.1', kafkaPort: 0, httpPort: 0, config });
  bootstrap = `127.0.0.1:${running.kafka.port}`;
});

afterAll(async () => {
  await running?.stop();
  cleanup?.();
});

describe('freshet topics', () => {
  it('creates a topic with partitions and configs, lists, describes and deletes it', async () => {
    const created = await kafka(['topics', 'create', 'orders', '--partitions', '3', '--config', 'cleanup.policy=compact', '--config', 'retention.ms=3600000']);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('Created topic orders with 3 partitions.\n');

    const listed = await kafka(['topics', 'list']);
    expect(listed.code).toBe(0);
    const names = listed.stdout.trimEnd().split('\n');
    expect(names).toContain('orders');
    expect(names).toEqual([...names].sort());
    expect(names).not.toContain('__consumer_offsets');

    // A compacted topic takes keyed records only: the broker says so.
    const unkeyed = await kafka(['produce', 'orders'], { stdin: 'a\n' });
    expect(unkeyed.code).toBe(1);
    expect(unkeyed.stderr).toMatch(/^Producing 1 record\(s\) failed: the broker answered INVALID_RECORD \(87\): Compacted topic orders cannot accept a record without a key/);
    expect((await kafka(['produce', 'orders', '--partition', '2', '--key-separator', '='], { stdin: 'a=1\nb=2\n' })).code).toBe(0);
    const described = await kafka(['topics', 'describe', 'orders']);
    expect(described.stderr).toBe('');
    expect(described.code).toBe(0);
    expect(described.stdout.replace(/^(Topic ID\s+: )[0-9a-f-]{36}$/m, '$1<uuid>')).toBe(
      [
        'Topic              : orders',
        'Topic ID           : <uuid>',
        'Partitions         : 3',
        'Replication factor : 1',
        'Records            : 2',
        'Configs            : cleanup.policy=compact',
        '                     retention.ms=3600000',
        '+-----------+--------+----------+---------+--------------+------------+',
        '| Partition | Leader | Replicas | In sync | Start offset | End offset |',
        '+-----------+--------+----------+---------+--------------+------------+',
        '| 0         | 1      | 1        | 1       | 0            | 0          |',
        '| 1         | 1      | 1        | 1       | 0            | 0          |',
        '| 2         | 1      | 1        | 1       | 0            | 2          |',
        '+-----------+--------+----------+---------+--------------+------------+',
        '',
      ].join('\n'),
    );

    const again = await kafka(['topics', 'create', 'orders']);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("Topic 'orders' already exists (`freshet topics describe orders` shows it).\n");

    const deleted = await kafka(['topics', 'delete', 'orders']);
    expect(deleted.stderr).toBe('');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toBe('Deleted topic orders.\n');
    expect((await kafka(['topics', 'list'])).stdout.split('\n')).not.toContain('orders');
  });

  it('says which topic is missing, with exit code 1, for describe and delete', async () => {
    const described = await kafka(['topics', 'describe', 'nope']);
    expect(described.code).toBe(1);
    expect(described.stdout).toBe('');
    expect(described.stderr).toBe("Topic 'nope' does not exist. Create it with `freshet topics create nope` (`freshet topics list` shows the topics).\n");
    const deleted = await kafka(['topics', 'delete', 'nope']);
    expect(deleted.code).toBe(1);
    expect(deleted.stderr).toBe(described.stderr);
  });

  it('rejects a --config that is not key=value, and a config the broker does not know', async () => {
    const syntax = await kafka(['topics', 'create', 'bad', '--config', 'retention.ms']);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toContain("error: option '--config <key=value>' argument 'retention.ms' is invalid. --config takes key=value (for example retention.ms=86400000), not 'retention.ms'.");
    const unknown = await kafka(['topics', 'create', 'bad', '--config', 'retention.hours=1']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^Creating topic 'bad' failed: the broker answered INVALID_CONFIG \(40\): .*retention\.hours/);
    expect((await kafka(['topics', 'list'])).stdout.split('\n')).not.toContain('bad');
  });
});

describe('freshet produce and consume', () => {
  it('produces keyed lines from stdin and reads them back from the beginning', async () => {
    await kafka(['topics', 'create', 'greetings', '--partitions', '1']);
    const produced = await kafka(['produce', 'greetings', '--key-separator', ':', '--header', 'source=cli'], { stdin: 'k1:hello\nk2:hello: world\nk3:\n' });
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    // 3 keys of 2 bytes, values of 5, 12 and 0 bytes.
    expect(produced.stdout).toMatch(/^Produced 3 records \(23 bytes\) to greetings in \d+\.\d\d s \([\d.,]+ records\/s\)\.\n$/);

    // What reached the broker, read with the in-process client: keys, values and the header.
    const reader = running.broker.client().consumer();
    try {
      reader.assign([{ topic: 'greetings', partition: 0 }]);
      reader.seekToBeginning();
      const stored = await reader.poll(5000);
      expect(stored.map((r) => [r.key?.toString(), r.value?.toString(), r.headers.map((h) => `${h.key}=${h.value?.toString()}`).join()])).toEqual([
        ['k1', 'hello', 'source=cli'],
        ['k2', 'hello: world', 'source=cli'],
        ['k3', '', 'source=cli'],
      ]);
    } finally {
      await reader.close();
    }

    const withKeys = await kafka(['consume', 'greetings', '--from-beginning', '--max', '3', '--print-key']);
    expect(withKeys.code).toBe(0);
    expect(withKeys.stdout).toBe('k1\thello\nk2\thello: world\nk3\t\n');
    expect(withKeys.stderr).toBe('Consumed 3 records.\n');

    const values = await kafka(['consume', 'greetings', '--from-beginning', '--max', '2']);
    expect(values.stdout).toBe('hello\nhello: world\n');
    const separated = await kafka(['consume', 'greetings', '--from-beginning', '--max', '1', '--print-key', '--key-separator', ' => ']);
    expect(separated.stdout).toBe('k1 => hello\n');
  });

  it('spreads keyed records over partitions and reads one partition with --partition', async () => {
    await kafka(['topics', 'create', 'spread', '--partitions', '3']);
    const lines = Array.from({ length: 30 }, (_, i) => `key${i}:value${i}`);
    expect((await kafka(['produce', 'spread', '--key-separator', ':'], { stdin: `${lines.join('\n')}\n` })).code).toBe(0);
    const all = await kafka(['consume', 'spread', '--from-beginning', '--max', '30', '--print-key', '--key-separator', ':']);
    expect(all.stdout.trimEnd().split('\n').sort()).toEqual([...lines].sort());
    const perPartition = await Promise.all([0, 1, 2].map((p) => kafka(['consume', 'spread', '--from-beginning', '--partition', String(p), '--timeout-ms', '1500'])));
    const counts = perPartition.map((r) => (r.stdout === '' ? 0 : r.stdout.trimEnd().split('\n').length));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(30);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1);
  });

  it('produces a file and prints a summary line on stdout; no progress bar when stderr is not a terminal', async () => {
    await kafka(['topics', 'create', 'lines', '--partitions', '2']);
    const file = join(dir, 'lines.txt');
    writeFileSync(file, Array.from({ length: 2500 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const produced = await kafka(['produce', 'lines', '--file', file]);
    expect(produced.code).toBe(0);
    expect(produced.stderr).toBe('');
    expect(produced.stdout).toMatch(/^Produced 2,500 records \(21\.4 kB\) to lines in \d+\.\d\d s \([\d.,]+ records\/s\)\.\n$/);
    const consumed = await kafka(['consume', 'lines', '--from-beginning', '--max', '2500']);
    expect(consumed.stdout.trimEnd().split('\n').sort()).toEqual(readFileSync(file, 'utf8').trimEnd().split('\n').sort());
  });

  it('stops after --timeout-ms without records, and at Ctrl-C', async () => {
    await kafka(['topics', 'create', 'quiet', '--partitions', '1']);
    const idle = await kafka(['consume', 'quiet', '--timeout-ms', '500']);
    expect(idle.code).toBe(0);
    expect(idle.stdout).toBe('');
    expect(idle.stderr).toBe('Consumed 0 records.\n');

    await kafka(['produce', 'quiet'], { stdin: 'one\ntwo\n' });
    let interrupted = false;
    const tailing = await kafka(['consume', 'quiet', '--from-beginning'], {
      onOutput: (stdout, child) => {
        if (!interrupted && stdout === 'one\ntwo\n') {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    expect(tailing.code).toBe(0);
    expect(tailing.stdout).toBe('one\ntwo\n');
    expect(tailing.stderr).toBe('Consumed 2 records.\n');
  });

  it('explains bad input with exit code 1', async () => {
    const missing = await kafka(['produce', 'nope'], { stdin: 'x\n' });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("Topic 'nope' does not exist. Create it with `freshet topics create nope` (`freshet topics list` shows the topics).\n");
    const consumeMissing = await kafka(['consume', 'nope', '--max', '1']);
    expect(consumeMissing.code).toBe(1);
    expect(consumeMissing.stderr).toBe(missing.stderr);

    const noSeparator = await kafka(['produce', 'greetings', '--key-separator', ':'], { stdin: 'k9:fine\njust a value\n' });
    expect(noSeparator.code).toBe(1);
    expect(noSeparator.stderr).toBe("Line 2 has no key separator ':': with --key-separator every line is key:value. The 1 record before it was sent.\n");

    const partition = await kafka(['consume', 'greetings', '--partition', '5']);
    expect(partition.code).toBe(1);
    expect(partition.stderr).toBe("Topic 'greetings' has no partition 5: it has 1 partition (0).\n");

    const noFile = await kafka(['produce', 'greetings', '--file', join(dir, 'absent.txt')]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toBe(`Cannot read ${join(dir, 'absent.txt')}: no such file.\n`);

    const header = await kafka(['produce', 'greetings', '--header', 'novalue']);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain("--header takes key=value (for example source=cli), not 'novalue'.");
  });

  it('fails fast, naming the address and `freshet start`, when no broker is there', async () => {
    const port = await freePort();
    for (const args of [['topics', 'list'], ['consume', 'greetings', '--max', '1'], ['produce', 'greetings']]) {
      const result = await freshet([...args, '--bootstrap-server', `127.0.0.1:${port}`], { stdin: 'x\n' });
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`Cannot reach a Kafka broker at 127.0.0.1:${port} (connection refused). Is Freshet running? Start it with \`freshet start\`, or point --bootstrap-server at a running broker.\n`);
      // Node and the TypeScript loader start in about a second; the connection attempts take half of one.
      expect(result.ms).toBeLessThan(15_000);
    }
    const malformed = await freshet(['topics', 'list', '--bootstrap-server', 'localhost']);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("--bootstrap-server is host:port (for example 127.0.0.1:9092), not 'localhost'.");
  });
});

describe('freshet groups', () => {
  it('commits the offsets of the records a group member printed; describe shows them with the lag', async () => {
    await kafka(['topics', 'create', 'events', '--partitions', '2']);
    await kafka(['produce', 'events', '--partition', '0'], { stdin: 'a\nb\nc\n' });
    await kafka(['produce', 'events', '--partition', '1'], { stdin: 'd\n' });

    const consumed = await kafka(['consume', 'events', '--group', 'readers', '--from-beginning', '--max', '4']);
    expect(consumed.code).toBe(0);
    expect(consumed.stdout.trimEnd().split('\n').sort()).toEqual(['a', 'b', 'c', 'd']);

    const described = await kafka(['groups', 'describe', 'readers']);
    expect(described.stderr).toBe('');
    expect(described.code).toBe(0);
    expect(described.stdout).toBe(
      [
        'Group     : readers',
        'State     : Empty',
        'Protocol  : consumer',
        'Members   : 0',
        'Total lag : 0',
        '',
        '+--------+-----------+------------------+------------+-----+',
        '| Topic  | Partition | Committed offset | End offset | Lag |',
        '+--------+-----------+------------------+------------+-----+',
        '| events | 0         | 3                | 3          | 0   |',
        '| events | 1         | 1                | 1          | 0   |',
        '+--------+-----------+------------------+------------+-----+',
        '',
      ].join('\n'),
    );

    const listed = await kafka(['groups', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^\| readers +\| Empty +\| consumer +\|$/m);

    // Two more records: the lag shows them, and the group's next member starts after the committed ones.
    await kafka(['produce', 'events', '--partition', '0'], { stdin: 'e\nf\n' });
    const lagging = await kafka(['groups', 'describe', 'readers']);
    expect(lagging.stdout).toContain('Total lag : 2\n');
    expect(lagging.stdout).toContain('| events | 0         | 3                | 5          | 2   |\n');
    const resumed = await kafka(['consume', 'events', '--group', 'readers', '--from-beginning', '--timeout-ms', '1500']);
    expect(resumed.stdout).toBe('e\nf\n');
    expect((await kafka(['groups', 'describe', 'readers'])).stdout).toContain('| events | 0         | 5                | 5          | 0   |\n');
  });

  it('shows a running member and the partitions it owns', async () => {
    await kafka(['topics', 'create', 'live', '--partitions', '2']);
    let described: CliResult | undefined;
    const member = kafka(['consume', 'live', '--group', 'watchers', '--from-beginning'], {
      onOutput: (stdout, child) => {
        if (stdout === 'first\n') {
          void kafka(['groups', 'describe', 'watchers']).then((result) => {
            described = result;
            child.kill('SIGINT');
          });
        }
      },
    });
    await kafka(['produce', 'live', '--partition', '1'], { stdin: 'first\n' });
    expect((await member).stdout).toBe('first\n');
    expect(described?.code).toBe(0);
    expect(described!.stdout).toMatch(/^State +: Stable\nProtocol +: consumer \(range\)\nMembers +: 1\n/m);
    expect(described!.stdout).toMatch(/^\| freshet-consume-[0-9a-f-]{36} \| freshet-consume \| \/127\.0\.0\.1 \| live-0, live-1 \|$/m);
    expect(described!.stdout).toContain('| live  | 1         | 1                | 1          | 0   |\n');
  });

  it('says when a group does not exist', async () => {
    const result = await kafka(['groups', 'describe', 'nobody']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("Consumer group 'nobody' does not exist (`freshet groups list` shows the groups).\n");
  });
});

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const NO_TMUX = 'tmux is not installed: the progress bar test runs the command in a tmux pane (apt-get install tmux)';

describe('freshet produce --file in a terminal', () => {
  it('draws a progress bar with the rate on stderr', async (ctx) => {
    if (!hasTmux) console.warn(`Skipped: ${NO_TMUX}.`);
    ctx.skip(!hasTmux, NO_TMUX);
    await kafka(['topics', 'create', 'bar', '--partitions', '1']);
    const file = join(dir, 'bar.txt');
    writeFileSync(file, Array.from({ length: 20_000 }, (_, i) => `record ${i}`).join('\n') + '\n');
    const out = join(dir, 'bar.out');
    const socket = `freshet-test-${process.pid}`;
    const tmux = (...args: string[]): string => {
      const r = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`tmux ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    // stdout goes to a file: whatever is on the screen came through stderr.
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(freshetBin)} produce bar --file ${JSON.stringify(file)} --bootstrap-server ${bootstrap} > ${JSON.stringify(out)}; echo EXIT=$?; sleep 60`;
    try {
      tmux('new-session', '-d', '-s', 'bar', '-x', '120', '-y', '20', command);
      let screen = '';
      for (const deadline = Date.now() + 30_000; Date.now() < deadline && !screen.includes('EXIT='); ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        screen = tmux('capture-pane', '-p', '-J', '-t', 'bar');
      }
      expect(screen).toContain('EXIT=0');
      expect(screen).toMatch(/^█{30} 100% \| 20,000 records \| [\d.,]+ records\/s \| \d+s *$/m);
      expect(screen).not.toContain('Produced');
      expect(readFileSync(out, 'utf8')).toMatch(/^Produced 20,000 records \(228\.9 kB\) to bar in \d+\.\d\d s \([\d.,]+ records\/s\)\.\n$/);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
  });
});
