/** Shared by the kafka-* benchmarks: a broker with its Kafka listener, and kcat. */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../storage/broker/broker.js';
import { silentLogger } from '../storage/logger.js';
import { KafkaListener } from '../server/kafka/index.js';

export const VALUE_SIZE = 100;

export interface KafkaBench {
  broker: Broker;
  bootstrap: string;
  /** A scratch directory removed at close. */
  dir: string;
  close(): Promise<void>;
}

export function requireKcat(): void {
  try {
    execFileSync('kcat', ['-V'], { stdio: 'ignore' });
  } catch {
    throw new Error('This benchmark drives kcat: install it first (apt-get install -y kcat).');
  }
}

export async function startKafka(): Promise<KafkaBench> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-kafka-'));
  const broker = await Broker.open({ dataDir: join(dir, 'broker'), logger: silentLogger });
  const listener = new KafkaListener(broker, { host: '127.0.0.1', port: 0, logger: silentLogger });
  const { host, port } = await listener.start();
  return {
    broker,
    bootstrap: `${host}:${port}`,
    dir,
    close: async () => {
      await listener.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs kcat with its stdin read from the file `inputPath` (when given; kcat reads it itself, so
 * feeding it costs this process nothing), its stdout going to a file (a pipe back into this
 * process would make kcat wait on our event loop); resolves with the output's size and the
 * elapsed seconds.
 */
export function runKcat(args: string[], inputPath?: string): Promise<{ seconds: number; stdoutBytes: number }> {
  const outDir = mkdtempSync(join(tmpdir(), 'freshet-kcat-'));
  const outPath = join(outDir, 'stdout');
  const out = openSync(outPath, 'w');
  const input = inputPath === undefined ? 'ignore' : openSync(inputPath, 'r');
  return new Promise<{ seconds: number; stdoutBytes: number }>((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn('kcat', args, { stdio: [input, out, 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code === 0) resolve({ seconds, stdoutBytes: statSync(outPath).size });
      else reject(new Error(`kcat ${args.join(' ')} exited with ${code}: ${stderr.slice(0, 500)}`));
    });
  }).finally(() => {
    closeSync(out);
    if (typeof input === 'number') closeSync(input);
    rmSync(outDir, { recursive: true, force: true });
  });
}

/** Writes n newline-separated values of VALUE_SIZE bytes (kcat's input format) to a file in `dir`; returns its path. */
export function kcatInputFile(dir: string, n: number): string {
  const path = join(dir, `kcat-input-${n}.txt`);
  writeFileSync(path, kcatInput(n));
  return path;
}

/** n newline-separated values of VALUE_SIZE bytes (kcat's input format). */
function kcatInput(n: number): Buffer {
  const line = Buffer.alloc(VALUE_SIZE + 1, 'v');
  line[VALUE_SIZE] = 0x0a;
  const buf = Buffer.allocUnsafe(n * line.length);
  for (let i = 0; i < n; i++) line.copy(buf, i * line.length);
  return buf;
}

/** The in-process producer writing n values (sendBatch, a few calls in flight). */
export async function produceInProcess(broker: Broker, topic: string, n: number): Promise<number> {
  const producer = broker.producer();
  const value = Buffer.alloc(VALUE_SIZE, 'v');
  const call = Array.from({ length: 10_000 }, () => ({ topic, value }));
  const start = process.hrtime.bigint();
  const inflight: Promise<unknown>[] = [];
  for (let sent = 0; sent < n; sent += call.length) {
    inflight.push(producer.sendBatch(sent + call.length <= n ? call : call.slice(0, n - sent)));
    if (inflight.length >= 8) await inflight.shift();
  }
  await Promise.all(inflight);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await producer.close();
  return seconds;
}

/** The in-process consumer reading n records from the start of partition 0. */
export async function consumeInProcess(broker: Broker, topic: string, n: number): Promise<number> {
  const consumer = broker.consumer();
  consumer.assign([{ topic, partition: 0 }]);
  consumer.seekToBeginning();
  const start = process.hrtime.bigint();
  let got = 0;
  while (got < n) got += (await consumer.poll(100)).length;
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await consumer.close();
  return seconds;
}
