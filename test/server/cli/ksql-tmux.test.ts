/**
 * The ksql REPL as a user drives it: `freshet ksql` in a real terminal (a tmux pane) against a
 * real server on loopback. Keys are typed into the pane and the assertions read the screen.
 * Skipped, with a note, where tmux is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Running } from '../../../server/cli/start.js';
import { freshetBin, startQuietly } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/tmp.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
// A tmux server of its own (-L), so the test never touches a user's sessions.
const socket = `freshet-ksql-test-${process.pid}`;
const session = 'ksql';

let running: Running | undefined;
let server: string;
let dir: string;
let cleanup: (() => void) | undefined;

function tmux(...args: string[]): string {
  const result = spawnSync('tmux', ['-L', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`tmux ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Types a line and Enter. The text goes as hex bytes: tmux would take a trailing `;` for a command separator. */
function type(line: string): void {
  tmux('send-keys', '-t', session, '-H', ...[...Buffer.from(line)].map((b) => b.toString(16).padStart(2, '0')));
  tmux('send-keys', '-t', session, 'Enter');
}

/** The whole pane, scrollback included, wrapped lines joined, without the empty lines below the cursor. */
function screen(): string {
  return tmux('capture-pane', '-p', '-J', '-S', '-', '-t', session).trimEnd();
}

/** What the screen shows after the `nth` (0-based) time `text` appears on it; null before that. */
function after(text: string, nth: number): string | null {
  const shown = screen();
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = shown.indexOf(text, at + 1);
    if (at < 0) return null;
  }
  return shown.slice(at + text.length);
}

function occurrences(text: string): number {
  return screen().split(text).length - 1;
}

async function waitFor(what: string, done: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}. The screen:\n${screen()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Types `lines` (the first at the `ksql>` prompt) and returns a handle on what the screen shows
 * after the last one: `output()` so far, and `prompt()` waits for the output to end with a new
 * prompt and returns it.
 */
function enter(...lines: string[]): { output: () => string; prompt: () => Promise<string> } {
  const last = lines.at(-1)!;
  const nth = occurrences(last);
  for (const line of lines) type(line);
  const output = (): string => after(last, nth) ?? '';
  return {
    output,
    prompt: async () => {
      await waitFor(`the prompt after ${last}`, () => /\nksql>$/.test(output()));
      return output();
    },
  };
}

async function insert(statement: string): Promise<void> {
  const res = await fetch(`${server}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: {} }),
  });
  expect(res.status).toBe(200);
}

const NO_TMUX = 'tmux is not installed: this test drives the REPL in a tmux pane (apt-get install tmux)';

beforeAll(async () => {
  if (!hasTmux) {
    console.warn(`Skipped: ${NO_TMUX}.`);
    return;
  }
  ({ dir, cleanup } = tempDir());
  running = await startQuietly({ dataDir: join(dir, 'data'), host: '127.0.0.1', kafkaPort: 0, httpPort: 0 });
  server = `http://127.0.0.1:${running.http.port}`;
});

afterAll(async () => {
  await running?.stop();
  cleanup?.();
});

describe('freshet ksql in a terminal', () => {
  it('runs statements typed at the prompt, draws tables, and stops a push query at Ctrl-C', async (ctx) => {
    ctx.skip(!hasTmux, NO_TMUX);
    const command = [process.execPath, freshetBin, 'ksql', '--server', server].map((a) => JSON.stringify(a)).join(' ');
    try {
      tmux('new-session', '-d', '-s', session, '-x', '160', '-y', '50', '-e', `FRESHET_HISTORY=${join(dir, 'history')}`, command);
      await waitFor('the first prompt', () => /^ksql>$/m.test(screen()));
      expect(screen()).toContain(`Freshet ksql CLI, server ${server}`);

      // A statement over two lines: the second line gets the continuation prompt.
      const created = await enter('CREATE STREAM clicks (id INT KEY, page STRING)', "  WITH (kafka_topic='clicks', partitions=1, value_format='json');").prompt();
      expect(screen()).toContain("ksql> CREATE STREAM clicks (id INT KEY, page STRING)\n>  WITH (kafka_topic='clicks', partitions=1, value_format='json');\n");
      expect(created).toBe(['', '+----------------+', '| Message        |', '+----------------+', '| Stream created |', '+----------------+', 'ksql>'].join('\n'));

      expect(await enter("INSERT INTO clicks (id, page) VALUES (1, 'home');").prompt()).toBe('\nksql>');
      expect(await enter("INSERT INTO clicks (id, page) VALUES (2, 'cart');").prompt()).toBe('\nksql>');

      const streams = await enter('SHOW STREAMS;').prompt();
      expect(streams).toMatch(/^\+-+\+-+\+-+\+-+\+-+\+\n\| Stream Name +\| Kafka Topic +\| Key Format +\| Value Format +\| Windowed +\|$/m);
      expect(streams).toMatch(/^\| CLICKS +\| clicks +\| KAFKA +\| JSON +\| false +\|$/m);

      // A push query with LIMIT: the rows, the bottom border, and the prompt back by itself.
      await enter("SET 'auto.offset.reset'='earliest';").prompt();
      const limited = await enter('SELECT id, page FROM clicks EMIT CHANGES LIMIT 2;').prompt();
      expect(limited).toMatch(/^\n\+-+\+-+\+\n\| ID +\| PAGE +\|\n\+-+\+-+\+\n\| 1 +\| home +\|\n\| 2 +\| cart +\|\n\+-+\+-+\+\nQuery terminated\nksql>$/);

      // Without LIMIT it runs until Ctrl-C, showing rows inserted meanwhile.
      const push = enter('SELECT * FROM clicks EMIT CHANGES;');
      await waitFor('the rows already in the stream', () => /^\| 2 +\| cart +\|$/m.test(push.output()));
      await insert("INSERT INTO clicks (id, page) VALUES (3, 'checkout');");
      await waitFor('the row inserted while the query runs', () => /^\| 3 +\| checkout +\|$/m.test(push.output()));
      expect(push.output()).not.toMatch(/ksql>$/);
      tmux('send-keys', '-t', session, 'C-c');
      expect(await push.prompt()).toMatch(/^\| 1 +\| home +\|\n\| 2 +\| cart +\|\n\| 3 +\| checkout +\|\n\+-+\+-+\+\nQuery terminated\nksql>$/m);

      // The session goes on after Ctrl-C, and `exit` leaves it.
      expect(await enter('SHOW STREAMS;').prompt()).toMatch(/^\| CLICKS +\| clicks +\|/m);
      type('exit');
      await waitFor('the REPL to exit', () => spawnSync('tmux', ['-L', socket, 'has-session', '-t', session]).status !== 0);
    } finally {
      spawnSync('tmux', ['-L', socket, 'kill-session', '-t', session]);
      spawnSync('tmux', ['-L', socket, 'kill-server']);
    }
  });
});
