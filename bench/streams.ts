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
 * WARMUP records (JIT, allocation sites), then the measured run times processing only. For
 * the engine that starts once the app is RUNNING — topic creation, the group join and opening
 * the stores are setup, as creating, assigning and seeking the hand loop's consumer is — and
 * its rate counts the records processed after that point.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from './run.js';
import { runApp, seconds } from './_streams-app.js';
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


/** A warm-up run over the first WARMUP records, then the measured run: seconds per record. */
async function measureApp(broker: Broker, dir: string, build: (warmup: boolean) => Topology, name: string, n: number): Promise<number> {
  await runApp(broker, dir, build(true), `${name}-warmup`, Math.min(n, WARMUP));
  return runApp(broker, dir, build(false), name, n);
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

/** A warm-up run of a fresh hand loop over the first WARMUP records, then the measured run. */
async function measureHandLoop(broker: Broker, topic: string, n: number, make: () => { fn: (key: string, value: string, timestamp: number) => void; end?: () => Promise<void> }): Promise<number> {
  const warm = make();
  await handLoop(broker, topic, Math.min(n, WARMUP), warm.fn, warm.end);
  const run = make();
  return handLoop(broker, topic, n, run.fn, run.end);
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
    const statelessS = await measureApp(
      broker,
      dir,
      (warmup) => {
        const a = new StreamsBuilder();
        a.stream<string, string>('input', { keySerde: S, valueSerde: S })
          .filter((_, v) => keep(v))
          .mapValues(upper)
          .to(warmup ? 'stateless-warmup-out' : 'stateless-out', { keySerde: S, valueSerde: S });
        return a.build();
      },
      'bench-stateless',
      n,
    );
    broker.createTopic('hand-out');
    const producer = broker.producer();
    const handStatelessS = await measureHandLoop(broker, 'input', n, () => {
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
    });
    await producer.close();
    ctx.log(`stateless: engine ${(1 / statelessS).toFixed(0)}/s, hand loop ${(1 / handStatelessS).toFixed(0)}/s`);

    // (b) count by key, persistent store + changelog: RocksDB as the issue states it, then the default engine
    const countOn = (storeType: 'rocksdb' | 'leveldb', name: string): Promise<number> =>
      measureApp(
        broker,
        dir,
        () => {
          const b = new StreamsBuilder();
          b.stream<string, string>('input', { keySerde: S, valueSerde: S }).groupByKey().count({ materialized: { storeName: 'counts', storeType } });
          return b.build();
        },
        name,
        n,
      );
    const countS = await countOn('rocksdb', 'bench-count');
    const countLevelS = await countOn('leveldb', 'bench-count-leveldb');
    const handCountS = await measureHandLoop(broker, 'input', n, () => {
      const counts = new Map<string, number>();
      return { fn: (k) => counts.set(k, (counts.get(k) ?? 0) + 1) };
    });
    ctx.log(`count: engine ${(1 / countS).toFixed(0)}/s (RocksDB), ${(1 / countLevelS).toFixed(0)}/s (LevelDB), hand loop ${(1 / handCountS).toFixed(0)}/s`);

    // (c) 1-minute tumbling window count
    const windowS = await measureApp(
      broker,
      dir,
      () => {
        const c = new StreamsBuilder();
        c.stream<string, string>('input', { keySerde: S, valueSerde: S }).groupByKey().windowedBy(TimeWindows.ofSizeWithNoGrace(MINUTE)).count({ materialized: { storeName: 'window-counts' } });
        return c.build();
      },
      'bench-window',
      n,
    );
    const handWindowS = await measureHandLoop(broker, 'input', n, () => {
      const windows = new Map<string, number>();
      return {
        fn: (k, _v, t) => {
          const w = `${k}@${t - (t % MINUTE)}`;
          windows.set(w, (windows.get(w) ?? 0) + 1);
        },
      };
    });
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
