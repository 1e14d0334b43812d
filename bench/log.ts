/**
 * The log's raw speed against the disk's floor, one partition, 100-byte values:
 * - append_vs_raw_write: ~16 KiB pre-encoded batches (as a wire producer sends them) through the
 *   append path (CRC check, offset assignment, indexes, write) vs the same bytes written with
 *   plain fs in 1 MiB chunks.
 * - read_vs_raw_read: every batch read back by offset through the log vs plain sequential reads.
 * - The in-process producer and consumer APIs on a broker (encoding and decoding included):
 *   producer_records_per_s with sendBatch (one acknowledgement per call, as kafkajs sends),
 *   producer_send_records_per_s with one send() promise per record, consumer_records_per_s
 *   polling with the default consumer settings (max.poll.records 500).
 */
import { closeSync, openSync, readSync, writeSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from './run.js';
import { Log } from '../storage/log/log.js';
import { buildLogConfig } from '../storage/log/log-config.js';
import { RecordBatchBuilder, batchSize, readInt64, LAST_OFFSET_DELTA, BASE_OFFSET } from '../storage/log/record-batch.js';
import { silentLogger } from '../storage/logger.js';
import { Broker } from '../storage/broker/broker.js';

const VALUE_SIZE = 100;
const BATCH_BYTES = 16 * 1024;

export function encodeBatches(records: number): Buffer[] {
  const value = Buffer.alloc(VALUE_SIZE, 'v');
  const batches: Buffer[] = [];
  let builder = new RecordBatchBuilder({ sizeLimit: BATCH_BYTES }, BATCH_BYTES + 256);
  const now = Date.now();
  for (let i = 0; i < records; i++) {
    if (!builder.tryAppend({ key: null, value, timestamp: now + i })) {
      batches.push(builder.build());
      builder = new RecordBatchBuilder({ sizeLimit: BATCH_BYTES }, BATCH_BYTES + 256);
      builder.tryAppend({ key: null, value, timestamp: now + i });
    }
  }
  if (builder.recordCount > 0) batches.push(builder.build());
  return batches;
}

function seconds(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-log-'));
  try {
    const batches = encodeBatches(ctx.records);
    const totalBytes = batches.reduce((n, b) => n + b.length, 0);
    ctx.log(`${batches.length} batches, ${(totalBytes / 1e6).toFixed(1)} MB`);

    // Floor: the same bytes in 1 MiB chunks with plain fs.
    const chunk = Buffer.allocUnsafe(1 << 20);
    const rawPath = join(dir, 'raw.bin');
    const rawWrite = (): number => {
      const fd = openSync(rawPath, 'w');
      const start = process.hrtime.bigint();
      let used = 0;
      for (const b of batches) {
        if (used + b.length > chunk.length) {
          writeSync(fd, chunk, 0, used);
          used = 0;
        }
        b.copy(chunk, used);
        used += b.length;
      }
      if (used > 0) writeSync(fd, chunk, 0, used);
      const s = seconds(start);
      closeSync(fd);
      return s;
    };

    const env = { now: () => Date.now(), logger: silentLogger };
    const logAppend = (name: string): { s: number; log: Log } => {
      const log = Log.open(join(dir, name), 'bench', 0, buildLogConfig(), env, { clean: false });
      const start = process.hrtime.bigint();
      for (const b of batches) log.append(b);
      log.flushPending();
      return { s: seconds(start), log };
    };

    // Warm up both paths once (JIT, page cache), then measure.
    rawWrite();
    logAppend('warmup').log.delete();
    const rawWriteS = rawWrite();
    const { s: appendS, log } = logAppend('log');

    const rawRead = (): number => {
      const fd = openSync(rawPath, 'r');
      const start = process.hrtime.bigint();
      let n = 0;
      let pos = 0;
      while ((n = readSync(fd, chunk, 0, chunk.length, pos)) > 0) pos += n;
      const s = seconds(start);
      closeSync(fd);
      return s;
    };
    const logRead = (): { s: number; bytes: number } => {
      const start = process.hrtime.bigint();
      let offset = 0;
      let bytes = 0;
      const end = log.logEndOffset;
      const scratch = Buffer.allocUnsafe((1 << 20) + 64 * 1024);
      while (offset < end) {
        const { records } = log.read(offset, 1 << 20, 'read_uncommitted', scratch);
        bytes += records.length;
        let pos = 0;
        let last = 0;
        while (pos < records.length) {
          last = pos;
          pos += batchSize(records, pos);
        }
        offset = readInt64(records, last + BASE_OFFSET) + records.readInt32BE(last + LAST_OFFSET_DELTA) + 1;
      }
      return { s: seconds(start), bytes };
    };
    rawRead();
    logRead();
    const rawReadS = rawRead();
    const { s: readS, bytes } = logRead();
    if (bytes !== totalBytes) throw new Error(`read ${bytes} bytes, wrote ${totalBytes}`);
    log.close();

    const mb = totalBytes / 1e6;
    const clients = await clientFigures(dir, ctx);
    return {
      results: {
        ...clients,
        append_mb_per_s: mb / appendS,
        append_records_per_s: ctx.records / appendS,
        raw_write_mb_per_s: mb / rawWriteS,
        read_mb_per_s: mb / readS,
        read_records_per_s: ctx.records / readS,
        raw_read_mb_per_s: mb / rawReadS,
      },
      ratios: {
        append_vs_raw_write: rawWriteS / appendS,
        read_vs_raw_read: rawReadS / readS,
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** In-process producer and consumer throughput on a broker, 100-byte values, one partition. */
async function clientFigures(dir: string, ctx: BenchContext): Promise<Record<string, number>> {
  const broker = await Broker.open({ dataDir: join(dir, 'broker'), logger: silentLogger });
  try {
    broker.createTopic('bench', { partitions: 1 });
    broker.createTopic('bench-send', { partitions: 1 });
    const value = Buffer.alloc(VALUE_SIZE, 'v');
    const n = ctx.records;
    const producer = broker.producer();
    // sendBatch: calls of 10,000 records, a few in flight, as a pipelining client does.
    const call = Array.from({ length: 10_000 }, () => ({ topic: 'bench', value }));
    // Warm up (JIT) on another topic, as with the raw paths above.
    broker.createTopic('warmup', { partitions: 1 });
    const warm = call.map((r) => ({ ...r, topic: 'warmup' }));
    for (let i = 0; i < 20; i++) await producer.sendBatch(warm);
    const warmConsumer = broker.consumer();
    warmConsumer.assign([{ topic: 'warmup', partition: 0 }]);
    warmConsumer.seekToBeginning();
    for (let got = 0; got < 200_000; ) got += (await warmConsumer.poll(100)).length;
    await warmConsumer.close();
    let start = process.hrtime.bigint();
    const inflight: Promise<unknown>[] = [];
    for (let sent = 0; sent < n; sent += call.length) {
      inflight.push(producer.sendBatch(sent + call.length <= n ? call : call.slice(0, n - sent)));
      if (inflight.length >= 8) await inflight.shift();
    }
    await Promise.all(inflight);
    const produceS = seconds(start);
    ctx.log(`producer (sendBatch): ${Math.round(n / produceS).toLocaleString('en-US')} records/s`);
    // send(): one promise per record, 10,000 outstanding at a time.
    const sendN = Math.min(n, 500_000);
    start = process.hrtime.bigint();
    for (let sent = 0; sent < sendN; sent += 10_000) {
      const pending: Promise<unknown>[] = [];
      for (let i = sent; i < Math.min(sendN, sent + 10_000); i++) pending.push(producer.send({ topic: 'bench-send', value }));
      await Promise.all(pending);
    }
    const sendS = seconds(start);
    await producer.close();
    const consumer = broker.consumer();
    consumer.assign([{ topic: 'bench', partition: 0 }]);
    consumer.seekToBeginning();
    start = process.hrtime.bigint();
    let got = 0;
    let bytes = 0;
    while (got < n) {
      for (const r of await consumer.poll(100)) {
        got++;
        bytes += r.value!.length;
      }
    }
    const consumeS = seconds(start);
    await consumer.close();
    ctx.log(`consumer: ${Math.round(n / consumeS).toLocaleString('en-US')} records/s`);
    return {
      producer_records_per_s: n / produceS,
      producer_mb_per_s: (n * VALUE_SIZE) / 1e6 / produceS,
      producer_send_records_per_s: sendN / sendS,
      consumer_records_per_s: n / consumeS,
      consumer_mb_per_s: bytes / 1e6 / consumeS,
    };
  } finally {
    await broker.close();
  }
}
