import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Broker } from '../../../storage/broker/broker.js';
import { silentLogger } from '../../../storage/logger.js';
import { tempDir } from '../../helpers/tmp.js';
import { pollUntil } from '../client/client-suite.js';

const script = fileURLToPath(new URL('../../fixtures/produce-loop.ts', import.meta.url));

/** Runs the produce loop until `acks` records are acknowledged, then SIGKILLs it. Returns the acks seen. */
function runAndKill(dataDir: string, start: number, acks: number): Promise<Map<string, { partition: number; offset: number }>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir, 'crash', String(start)], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen = new Map<string, { partition: number; offset: number }>();
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        const [kind, value, partition, offset] = line.split(' ');
        if (kind === 'ack') seen.set(value!, { partition: Number(partition), offset: Number(offset) });
      }
      if (seen.size >= acks && !child.killed) child.kill('SIGKILL');
    });
    child.on('exit', (_code, signal) => (signal === 'SIGKILL' ? resolve(seen) : reject(new Error(`produce loop exited without being killed (signal ${signal})`))));
  });
}

describe('crash safety', () => {
  it('keeps every acknowledged record exactly once across SIGKILLs, with a clean tail', async () => {
    const { dir, cleanup } = tempDir();
    try {
      const acked = new Map<string, { partition: number; offset: number }>();
      let start = 0;
      for (let round = 0; round < 3; round++) {
        const seen = await runAndKill(dir, start, 2000 + round * 500);
        for (const [k, v] of seen) acked.set(k, v);
        start += 1_000_000;
      }
      const broker = await Broker.open({ dataDir: dir, logger: silentLogger });
      try {
        const consumer = broker.consumer({ autoOffsetReset: 'earliest' });
        consumer.assign([0, 1, 2].map((partition) => ({ topic: 'crash', partition })));
        const end = (await consumer.endOffsets([0, 1, 2].map((partition) => ({ topic: 'crash', partition })))).reduce((a, b) => a + b, 0);
        const records = await pollUntil(consumer, end, 30_000);
        expect(records).toHaveLength(end);
        const found = new Map<string, { partition: number; offset: number }[]>();
        for (const r of records) {
          const v = r.value!.toString();
          found.set(v, [...(found.get(v) ?? []), { partition: r.partition, offset: r.offset }]);
        }
        for (const [value, where] of acked) {
          expect(found.get(value), `acknowledged ${value} is missing`).toEqual([where]);
        }
        for (const [value, where] of found) expect(where, `${value} appears more than once`).toHaveLength(1);
        // The tail is clean: the log takes new appends right after the recovered end.
        const producer = broker.producer();
        const meta = await producer.send({ topic: 'crash', partition: 0, value: 'after' });
        expect(meta.offset).toBe((await consumer.endOffsets([{ topic: 'crash', partition: 0 }]))[0]! - 1);
        await producer.close();
        await consumer.close();
      } finally {
        await broker.close();
      }
    } finally {
      cleanup();
    }
  });
});
