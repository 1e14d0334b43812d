/**
 * kcat (librdkafka: linger.ms=5, batch.num.messages=10000) produces n 100-byte messages to the
 * Kafka listener; in the same run the in-process producer writes the same records. kcat reads
 * its input from a file, as it would in use (a pipe fed by this process would charge the
 * feeding to the broker's CPU). Three rounds of each, alternating, after a warm-up of both; the
 * figures are the medians. Ratio wire_vs_inprocess = wire records/s / in-process records/s.
 * broker_cpu_busy_during_wire is the share of the wire rounds this process (broker + listener)
 * spent on the CPU.
 */
import type { BenchContext, BenchResult } from './run.js';
import { kcatInputFile, produceInProcess, requireKcat, runKcat, startKafka, VALUE_SIZE } from './_kafka.js';
import { median } from './_stats.js';

const ROUNDS = 3;

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  requireKcat();
  const k = await startKafka();
  try {
    const n = ctx.records;
    const kcatArgs = (topic: string): string[] => ['-P', '-b', k.bootstrap, '-t', topic, '-X', 'linger.ms=5', '-X', 'batch.num.messages=10000'];
    k.broker.createTopic('warmup', { partitions: 1 });
    const input = kcatInputFile(k.dir, n);
    // Warm up both paths (JIT, page cache) before measuring.
    await runKcat(kcatArgs('warmup'), kcatInputFile(k.dir, Math.min(n, 200_000)));
    await produceInProcess(k.broker, 'warmup', Math.min(n, 200_000));
    const wireS: number[] = [];
    const inS: number[] = [];
    const busy: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const wireTopic = `wire-${round}`;
      k.broker.createTopic(wireTopic, { partitions: 1 });
      k.broker.createTopic(`inprocess-${round}`, { partitions: 1 });
      const cpuBefore = process.cpuUsage();
      const wire = await runKcat(kcatArgs(wireTopic), input);
      const cpu = process.cpuUsage(cpuBefore);
      const stored = k.broker.listOffset(wireTopic, 0, -1).offset;
      if (stored !== n) throw new Error(`kcat produced ${stored} records, expected ${n}`);
      wireS.push(wire.seconds);
      busy.push((cpu.user + cpu.system) / 1e6 / wire.seconds);
      inS.push(await produceInProcess(k.broker, `inprocess-${round}`, n));
      ctx.log(`round ${round}: kcat ${Math.round(n / wire.seconds).toLocaleString('en-US')} records/s, in-process ${Math.round(n / inS[round]!).toLocaleString('en-US')} records/s`);
    }
    const wire = median(wireS);
    const inSeconds = median(inS);
    const mb = (n * VALUE_SIZE) / 1e6;
    return {
      results: {
        wire_records_per_s: n / wire,
        wire_mb_per_s: mb / wire,
        inprocess_records_per_s: n / inSeconds,
        inprocess_mb_per_s: mb / inSeconds,
        broker_cpu_busy_during_wire: median(busy),
      },
      ratios: { wire_vs_inprocess: inSeconds / wire },
    };
  } finally {
    await k.close();
  }
}
