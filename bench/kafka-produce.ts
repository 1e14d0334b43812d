/**
 * kcat (librdkafka: linger.ms=5, batch.num.messages=10000) produces n 100-byte messages to the
 * Kafka listener; in the same run the in-process producer writes the same records.
 * Ratio wire_vs_inprocess = wire records/s / in-process records/s. broker_cpu_busy_during_wire is
 * the share of the wire run this process (broker + listener) spent on the CPU.
 */
import type { BenchContext, BenchResult } from './run.js';
import { kcatInput, produceInProcess, requireKcat, runKcat, startKafka, VALUE_SIZE } from './_kafka.js';

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  requireKcat();
  const k = await startKafka();
  try {
    const n = ctx.records;
    k.broker.createTopic('wire', { partitions: 1 });
    k.broker.createTopic('inprocess', { partitions: 1 });
    k.broker.createTopic('warmup', { partitions: 1 });
    const input = kcatInput(n);
    // Warm up both paths (JIT) before measuring.
    await runKcat(['-P', '-b', k.bootstrap, '-t', 'warmup', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'], kcatInput(Math.min(n, 200_000)));
    await produceInProcess(k.broker, 'warmup', Math.min(n, 200_000));
    const cpuBefore = process.cpuUsage();
    const wire = await runKcat(['-P', '-b', k.bootstrap, '-t', 'wire', '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'], input);
    const cpu = process.cpuUsage(cpuBefore);
    // The broker's share of the wire run: kcat itself is CPU-bound, the broker is not.
    const brokerCpuS = (cpu.user + cpu.system) / 1e6;
    const stored = k.broker.listOffset('wire', 0, -1).offset;
    if (stored !== n) throw new Error(`kcat produced ${stored} records, expected ${n}`);
    ctx.log(`kcat: ${Math.round(n / wire.seconds).toLocaleString('en-US')} records/s`);
    const inSeconds = await produceInProcess(k.broker, 'inprocess', n);
    ctx.log(`in-process: ${Math.round(n / inSeconds).toLocaleString('en-US')} records/s`);
    const mb = (n * VALUE_SIZE) / 1e6;
    return {
      results: {
        wire_records_per_s: n / wire.seconds,
        wire_mb_per_s: mb / wire.seconds,
        inprocess_records_per_s: n / inSeconds,
        inprocess_mb_per_s: mb / inSeconds,
        broker_cpu_busy_during_wire: brokerCpuS / wire.seconds,
      },
      ratios: { wire_vs_inprocess: inSeconds / wire.seconds },
    };
  } finally {
    await k.close();
  }
}
