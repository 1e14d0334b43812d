/** `freshet start` as a user runs it: a real process, a real Kafka client, Ctrl-C. */
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { tempDir } from '../../helpers/tmp.js';

const bin = fileURLToPath(new URL('../../../bin/freshet.js', import.meta.url));

describe('freshet start', () => {
  it('runs the broker with its Kafka listener, serves a Kafka client and stops cleanly on SIGINT', async () => {
    const { dir, cleanup } = tempDir();
    const child = spawn(process.execPath, [bin, 'start', '--data-dir', dir, '--kafka-port', '0', '--http-port', '0', '--schema-registry-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FRESHET_LOG_LEVEL: 'warn' } });
    try {
      let out = '';
      const port = await new Promise<number>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const m = /Kafka protocol: 127\.0\.0\.1:(\d+)/.exec(out);
          if (m) resolve(Number(m[1]));
        });
        child.on('exit', (code) => reject(new Error(`freshet start exited with ${code}: ${out}`)));
      });
      expect(out).toContain(`data directory: ${dir}`);
      const kafka = new Kafka({ brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      await admin.createTopics({ topics: [{ topic: 'greetings', numPartitions: 2 }] });
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic: 'greetings', messages: [{ key: 'a', value: 'hello' }] });
      expect(await admin.fetchTopicOffsets('greetings')).toEqual(expect.arrayContaining([expect.objectContaining({ high: '1' })]));
      await producer.disconnect();
      await admin.disconnect();
      const code = await new Promise<number | null>((resolve) => {
        child.on('exit', resolve);
        child.kill('SIGINT');
      });
      expect(code).toBe(0);
      expect(existsSync(join(dir, '.clean-shutdown'))).toBe(true);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      cleanup();
    }
  });
});
