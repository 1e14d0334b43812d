import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../helpers/tmp.js';
import { openBroker, readAll, str } from './helpers.js';

const script = fileURLToPath(new URL('./fixtures/eos-count-app.ts', import.meta.url));
const TARGET = 4000;
const KILLS = 10;

interface Run {
  child: ChildProcess;
  ready: Promise<void>;
  table: Promise<Record<string, number>>;
  exited: Promise<number | null>;
}

function run(brokerDir: string, stateDir: string): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', script, brokerDir, stateDir, String(TARGET)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let onReady!: () => void;
  let onTable!: (t: Record<string, number>) => void;
  const ready = new Promise<void>((r) => (onReady = r));
  const table = new Promise<Record<string, number>>((r) => (onTable = r));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line === 'ready') onReady();
    else if (line.startsWith('table ')) onTable(JSON.parse(line.slice(6)) as Record<string, number>);
  });
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, ready, table, exited };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('exactly_once_v2 under SIGKILL', () => {
  const brokerTmp = tempDir('freshet-eos-broker-');
  const stateTmp = tempDir('freshet-eos-state-');
  afterAll(() => {
    brokerTmp.cleanup();
    stateTmp.cleanup();
  });

  it('outputs every count update exactly once and ends with the recomputed counts', async () => {
    const killedAt: string[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const r = run(brokerTmp.dir, stateTmp.dir);
      // Every third run dies early: during broker recovery, restore or the first transactions.
      if (kill % 3 === 2) {
        await sleep(300 + Math.random() * 900);
        killedAt.push('startup');
      } else {
        await Promise.race([r.ready, r.exited]);
        await sleep(Math.random() * 700);
        killedAt.push('processing');
      }
      r.child.kill('SIGKILL');
      await r.exited;
    }
    const last = run(brokerTmp.dir, stateTmp.dir);
    const table = await Promise.race([last.table, last.exited.then((code) => Promise.reject(new Error(`the final run exited with ${code} before finishing`)))]);
    expect(await last.exited).toBe(0);

    const env = await openBroker(brokerTmp.dir);
    try {
      const client = env.broker.client();
      const input = await readAll(client, 'input');
      expect(input).toHaveLength(TARGET);
      const expected = new Map<string, number>();
      for (const r of input) expected.set(str(r.key)!, (expected.get(str(r.key)!) ?? 0) + 1);

      // Each key's updates, in output order, are exactly 1, 2, ..., its input count.
      const output = await readAll(client, 'output', 'read_committed');
      const seen = new Map<string, number[]>();
      for (const r of output) {
        const list = seen.get(str(r.key)!) ?? [];
        list.push(Number(str(r.value)));
        seen.set(str(r.key)!, list);
      }
      expect([...seen.keys()].sort()).toEqual([...expected.keys()].sort());
      for (const [key, n] of expected) expect(seen.get(key), `updates of ${key}`).toEqual(Array.from({ length: n }, (_, i) => i + 1));
      expect(output).toHaveLength(TARGET);
      expect(table).toEqual(Object.fromEntries(expected));

      // The kills did cut transactions: aborted output is in the log, hidden from read_committed.
      const uncommitted = await readAll(client, 'output', 'read_uncommitted');
      console.log(`exactly-once crash test: ${KILLS} kills (${killedAt.join(', ')}), ${output.length} committed outputs, ${uncommitted.length - output.length} aborted records in the output log`);
    } finally {
      await env.cleanup();
    }
  }, 90_000);
});
