/**
 * The streams engine against hand-written loops doing the same work on the same records
 * (`npm run bench -- streams --records 1000000 --json`), on the embedded broker, one partition:
 *   (a) stateless: filter + mapValues from topic to topic;
 *   (b) count by key over 100k keys in a RocksDB store with a changelog, and the same on the
 *       default engine (LevelDB, which measured faster here; storage/state/README.md);
 *   (c) a 1-minute tumbling-window count per key.
 * The hand loops read the same records from the same log with a plain consumer and keep state in
 * plain Maps (the floor). Ratios: engine records/s over hand-loop records/s.
 *
 * Both sides are measured in steady state and alike: each first runs once over the first
 * WARMUP records (JIT, allocation sites), then the measured runs time processing only. For
 * the engine that starts once the app is RUNNING — topic creation, the group join and opening
 * the stores are setup, as creating, assigning and seeking the hand loop's consumer is — and
 * its rate counts the records processed after that point. Each part measures both sides
 * ROUNDS times, alternating (a fresh app and a fresh hand loop each round), and reports the
 * medians: one run of either side varies by up to 1.5x on this shared machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from './run.js';
import { runApp, seconds } from './_streams-app.js';
import { median } from './_stats.js';
import { Broker } from '../storage/broker/broker.js';
import { silentLogger } from '../storage/logger.js';
import { StreamsBuilder } from '../engine/dsl/streams-builder.js';
import { Serdes } from '../engine/serde/serdes.js';
import type { Topology } from '../engine/topology/topology.js';
import { TimeWindows } from '../engine/dsl/windows.js';

const KEYS = 100_000;
const WARMUP = 200_000;
const S = Serdes.String();
const MINUTE = 60_000;
const ROUNDS = 3;

async function fill(broker: Broker, topic: string, n: number): Promise<void> {
  broker.createTopic(topic, { partitions: 1 });
  const producer = broker.producer();
  const base = 1_700_000_000_000;
  for (let i = 0; i < n; i += 10_000) {
    const batch = [];
    for (let j = i; j < Math.min(n, i + 10_000); j++) {
      // Values of ~100 bytes; timestamps spread over ~n/1000 seconds so windows roll.
      batch.push({ topic, key: `key-${j % KEYS}`, value: `value-${j}-`.padEnd(100, 'x'), timestamp: base + j });
    }
    await producer.sendBatch(batch);
  }
  await producer.close();
}


/** A warm-up run of the app over the first WARMUP records. */
async function warmApp(broker: Broker, dir: string, build: (warmup: boolean) => Topology, name: string, n: number): Promise<void> {
  await runApp(broker, dir, build(true), `${name}-warmup`, Math.min(n, WARMUP));
}

/** One measured run of a fresh app over n records: seconds per record. */
function measureApp(broker: Broker, dir: string, build: (warmup: boolean) => Topology, name: string, n: number, round: number): Promise<number> {
  return runApp(broker, dir, build(false), `${name}-${round}`, n);
}

/** A consumer reading n records of a topic, calling `fn` per record; returns seconds per record. */
async function handLoop(broker: Broker, topic: string, n: number, fn: (key: string, value: string, timestamp: number) => void, end?: () => Promise<void>): Promise<number> {
  const consumer = broker.consumer({ maxPollRecords: 1000 });
  consumer.assign([{ topic, partition: 0 }]);
  consumer.seekToBeginning();
  const start = process.hrtime.bigint();
  let got = 0;
  while (got < n) {
    for (const r of await consumer.poll(100)) {
      fn(S.deserialize(topic, r.key)!, S.deserialize(topic, r.value)!, r.timestamp);
      got++;
    }
  }
  await end?.();
  const s = seconds(start);
  await consumer.close();
  return s / got;
}

type HandLoop = () => { fn: (key: string, value: string, timestamp: number) => void; end?: () => Promise<void> };

/** A warm-up run of a fresh hand loop over the first WARMUP records. */
async function warmHandLoop(broker: Broker, topic: string, n: number, make: HandLoop): Promise<void> {
  const warm = make();
  await handLoop(broker, topic, Math.min(n, WARMUP), warm.fn, warm.end);
}

/** One measured run of a fresh hand loop over n records: seconds per record. */
function measureHandLoop(broker: Broker, topic: string, n: number, make: HandLoop): Promise<number> {
  const run = make();
  return handLoop(broker, topic, n, run.fn, run.end);
}

/** ROUNDS alternating runs of each side (after their warm-ups); the median seconds per record of each. */
async function compare(sides: { warm: () => Promise<void>; run: (round: number) => Promise<number> }[]): Promise<number[]> {
  for (const side of sides) await side.warm();
  const times: number[][] = sides.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < sides.length; i++) times[i]!.push(await sides[i]!.run(round));
  }
  return times.map(median);
}

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-streams-'));
  const broker = await Broker.open({ dataDir: join(dir, 'broker'), logger: silentLogger, groupInitialRebalanceDelayMs: 0 });
  try {
    const n = ctx.records;
    await fill(broker, 'input', n);
    ctx.log(`${n} records in 'input'`);

    // (a) stateless
    const keep = (v: string): boolean => !v.endsWith('7x');
    const upper = (v: string): string => v.slice(0, 20).toUpperCase();
    broker.createTopic('stateless-out');
    broker.createTopic('stateless-warmup-out');
    const stateless = (warmup: boolean): Topology => {
      const a = new StreamsBuilder();
      a.stream<string, string>('input', { keySerde: S, valueSerde: S })
        .filter((_, v) => keep(v))
        .mapValues(upper)
        .to(warmup ? 'stateless-warmup-out' : 'stateless-out', { keySerde: S, valueSerde: S });
      return a.build();
    };
    broker.createTopic('hand-out');
    const producer = broker.producer();
    const handStateless: HandLoop = () => {
      let pending: { topic: string; key: string; value: string; timestamp: number }[] = [];
      const sends: Promise<unknown>[] = [];
      return {
        fn: (k, v, t) => {
          if (!keep(v)) return;
          pending.push({ topic: 'hand-out', key: k, value: upper(v), timestamp: t });
          if (pending.length >= 1000) {
            sends.push(producer.sendBatch(pending));
            pending = [];
          }
        },
        end: async () => {
          sends.push(producer.sendBatch(pending));
          await Promise.all(sends);
        },
      };
    };
    const [statelessS, handStatelessS] = (await compare([
      { warm: () => warmApp(broker, dir, stateless, 'bench-stateless', n), run: (r) => measureApp(broker, dir, stateless, 'bench-stateless', n, r) },
      { warm: () => warmHandLoop(broker, 'input', n, handStateless), run: () => measureHandLoop(broker, 'input', n, handStateless) },
    ])) as [number, number];
    await producer.close();
    ctx.log(`stateless: engine ${(1 / statelessS).toFixed(0)}/s, hand loop ${(1 / handStatelessS).toFixed(0)}/s`);

    // (b) count by key, persistent store + changelog: RocksDB as the issue states it, then the default engine
    const countOn = (storeType: 'rocksdb' | 'leveldb') => (): Topology => {
      const b = new StreamsBuilder();
      b.stream<string, string>('input', { keySerde: S, valueSerde: S }).groupByKey().count({ materialized: { storeName: 'counts', storeType } });
      return b.build();
    };
    const handCount: HandLoop = () => {
      const counts = new Map<string, number>();
      return { fn: (k) => counts.set(k, (counts.get(k) ?? 0) + 1) };
    };
    const [countS, countLevelS, handCountS] = (await compare([
      { warm: () => warmApp(broker, dir, countOn('rocksdb'), 'bench-count', n), run: (r) => measureApp(broker, dir, countOn('rocksdb'), 'bench-count', n, r) },
      { warm: () => warmApp(broker, dir, countOn('leveldb'), 'bench-count-leveldb', n), run: (r) => measureApp(broker, dir, countOn('leveldb'), 'bench-count-leveldb', n, r) },
      { warm: () => warmHandLoop(broker, 'input', n, handCount), run: () => measureHandLoop(broker, 'input', n, handCount) },
    ])) as [number, number, number];
    ctx.log(`count: engine ${(1 / countS).toFixed(0)}/s (RocksDB), ${(1 / countLevelS).toFixed(0)}/s (LevelDB), hand loop ${(1 / handCountS).toFixed(0)}/s`);

    // (c) 1-minute tumbling window count
    const windowed = (): Topology => {
      const c = new StreamsBuilder();
      c.stream<string, string>('input', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(MINUTE)).count({ materialized: { storeName: 'window-counts' } });
      return c.build();
    };
    const handWindow: HandLoop = () => {
      const windows = new Map<string, number>();
      return {
        fn: (k, _v, t) => {
          const w = `${k}@${t - (t % MINUTE)}`;
          windows.set(w, (windows.get(w) ?? 0) + 1);
        },
      };
    };
    const [windowS, handWindowS] = (await compare([
      { warm: () => warmApp(broker, dir, windowed, 'bench-window', n), run: (r) => measureApp(broker, dir, windowed, 'bench-window', n, r) },
      { warm: () => warmHandLoop(broker, 'input', n, handWindow), run: () => measureHandLoop(broker, 'input', n, handWindow) },
    ])) as [number, number];
    ctx.log(`window: engine ${(1 / windowS).toFixed(0)}/s, hand loop ${(1 / handWindowS).toFixed(0)}/s`);

    return {
      results: {
        stateless_records_per_s: 1 / statelessS,
        stateless_handloop_records_per_s: 1 / handStatelessS,
        count_records_per_s: 1 / countS,
        count_leveldb_records_per_s: 1 / countLevelS,
        count_handloop_records_per_s: 1 / handCountS,
        window_records_per_s: 1 / windowS,
        window_handloop_records_per_s: 1 / handWindowS,
      },
      ratios: {
        stateless_vs_handloop: handStatelessS / statelessS,
        count_vs_handloop: handCountS / countS,
        count_leveldb_vs_handloop: handCountS / countLevelS,
        window_vs_handloop: handWindowS / windowS,
      },
    };
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
