/**
 * kcat (librdkafka) consumes n 100-byte messages back through the Kafka listener; in the same
 * run the in-process consumer reads the same records. Ratio wire_vs_inprocess.
 */
import type { BenchContext, BenchResult } from './run.js';
import { consumeInProcess, produceInProcess, requireKcat, runKcat, startKafka, VALUE_SIZE } from './_kafka.js';

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  requireKcat();
  const k = await startKafka();
  try {
    const n = ctx.records;
    k.broker.createTopic('data', { partitions: 1 });
    await produceInProcess(k.broker, 'data', n);
    // Warm up, then measure.
    await consumeInProcess(k.broker, 'data', Math.min(n, 200_000));
    const wire = await runKcat(['-C', '-b', k.bootstrap, '-t', 'data', '-o', 'beginning', '-e', '-q', '-c', String(n)]);
    const expected = n * (VALUE_SIZE + 1);
    if (wire.stdoutBytes !== expected) throw new Error(`kcat printed ${wire.stdoutBytes} bytes, expected ${expected}`);
    ctx.log(`kcat: ${Math.round(n / wire.seconds).toLocaleString('en-US')} records/s`);
    const inSeconds = await consumeInProcess(k.broker, 'data', n);
    ctx.log(`in-process: ${Math.round(n / inSeconds).toLocaleString('en-US')} records/s`);
    const mb = (n * VALUE_SIZE) / 1e6;
    return {
      results: {
        wire_records_per_s: n / wire.seconds,
        wire_mb_per_s: mb / wire.seconds,
        inprocess_records_per_s: n / inSeconds,
        inprocess_mb_per_s: mb / inSeconds,
      },
      ratios: { wire_vs_inprocess: inSeconds / wire.seconds },
    };
  } finally {
    await k.close();
  }
}
