/**
 * The SQL engine against the streams DSL and hand-written loops on Nexmark-style bids
 * (`npm run bench -- sql --records 200000 --json`), on the embedded broker, one partition.
 * Five Nexmark queries, each run three ways over the same records of the `bid` topic:
 *   q0 passthrough (SELECT *), q1 projection with BIGINT arithmetic, q2 a filter on the auction
 *   id, q5 hot items (bids per auction in 10-second windows every 2 seconds), q7 highest bid
 *   (MAX(PRICE) per auction in 10-second tumbling windows);
 *   sql:  the persistent query SqlEngine plans for the CREATE … AS SELECT, built to a topology;
 *   dsl:  the StreamsBuilder topology one would write by hand for it (Long keys, JSON values);
 *   loop: a plain consumer over the same log doing the same work (JSON.parse, compute,
 *         JSON.stringify, a Map per window) and producing what it outputs: the floor.
 * `--records` counts events (bench/_nexmark.ts); 92% are bids, and rates are bids per second.
 * Ratios: SQL over DSL per query and their geometric mean (`sql_vs_dsl`, the figure to watch);
 * `sql_vs_loop` and `dsl_vs_loop` are the geometric means against the floor.
 *
 * Measured as bench/streams.ts measures, with one more round: each way first runs once over the
 * first WARMUP bids (JIT, allocation sites), then ROUNDS times over all of them, the ways taking
 * turns, and the fastest run counts. An engine run is timed from the moment the app is RUNNING
 * (planning, building, the group join and opening stores are setup) until it has processed
 * every bid. Every run writes to its own topic.
 *
 * The last round's outputs are read back and compared: for q0–q2 the three ways must write the
 * same records (count and bytes); for q5 and q7 the same final result per window. How many
 * updates a windowed query writes depends on when its record cache flushes (wall-clock commits,
 * and eviction by entry size, which differs between the SQL and DSL stores), so for those the
 * counts compared are windows, and the updates written are reported as they came.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchResult } from './run.js';
import { runApp, seconds } from './_streams-app.js';
import { NEXMARK_DDL, NEXMARK_TOPICS, nexmarkEvents, readLongKey, longKey, type Bid } from './_nexmark.js';
import { Broker } from '../storage/broker/broker.js';
import { silentLogger } from '../storage/logger.js';
import type { Producer, ProducerRecord } from '../storage/client/types.js';
import { LATEST_TIMESTAMP } from '../storage/types.js';
import { StreamsBuilder } from '../engine/dsl/streams-builder.js';
import type { KStream } from '../engine/dsl/kstream.js';
import { TimeWindows } from '../engine/dsl/windows.js';
import { Serdes } from '../engine/serde/serdes.js';
import { timeWindowedSerde } from '../engine/serde/windowed.js';
import type { Topology } from '../engine/topology/topology.js';
import { SqlEngine, type TopicAdmin } from '../sql/engine/sql-engine.js';

export const defaultRecords = 200_000;

const WARMUP = 200_000;
/** Measured runs per way after the warm-ups, interleaved across the ways; the fastest counts. */
const ROUNDS = 2;
const BID = NEXMARK_TOPICS.bid;
const LONG = Serdes.Long();
const DAY = 86_400_000;
/** ksqlDB's grace for windows that name none (24 hours); the DSL topologies use the same. */
const GRACE = DAY;
const SIZE = 10_000;
const ADVANCE = 2_000;
const WINDOWED_LONG = timeWindowedSerde(LONG, SIZE);

const WAYS = ['sql', 'dsl', 'loop'] as const;
type Way = (typeof WAYS)[number];

/** What a hand loop does per bid; `end` emits what it kept (the final windows). */
interface Loop {
  fn(key: Buffer, value: Buffer, timestamp: number): void;
  end?(): void;
}

type Emit = (key: Buffer, value: string, timestamp: number) => void;

interface Query {
  readonly name: string;
  /** Windowed results: checked per window rather than per record written. */
  readonly windowed: boolean;
  /** The statement writing `sink` (its name upper-cased) to `topic`. */
  sql(sink: string, topic: string): string;
  /** The equivalent DSL, from the bids to `topic`. */
  dsl(bids: KStream<number, Bid>, topic: string): void;
  loop(emit: Emit): Loop;
}

const parse = (value: Buffer): Bid => JSON.parse(value.toString('utf8')) as Bid;

/** Window starts of the hopping (or, advance = size, tumbling) windows holding `t`, as Kafka's TimeWindows.windowsFor. */
function windowStarts(t: number, size: number, advance: number): number[] {
  const first = Math.max(0, t - size + advance);
  const starts: number[] = [];
  for (let start = first - (first % advance); start <= t; start += advance) starts.push(start);
  return starts;
}

/** A windowed result key as the sink writes it: the BIGINT, then the window start. */
function windowedKey(key: number, start: number): Buffer {
  return Buffer.concat([longKey(key), longKey(start)]);
}

/** Per-window aggregation in nested Maps (window start -> auction -> aggregate), emitted at the end. */
function windowLoop(emit: Emit, advance: number, update: (bid: Bid, previous: number | undefined) => number, column: string): Loop {
  const windows = new Map<number, Map<number, number>>();
  return {
    fn: (key, value, timestamp) => {
      const auction = readLongKey(key);
      const bid = parse(value);
      for (const start of windowStarts(timestamp, SIZE, advance)) {
        let perAuction = windows.get(start);
        if (!perAuction) windows.set(start, (perAuction = new Map()));
        perAuction.set(auction, update(bid, perAuction.get(auction)));
      }
    },
    end: () => {
      for (const [start, perAuction] of windows) {
        for (const [auction, aggregate] of perAuction) emit(windowedKey(auction, start), JSON.stringify({ [column]: aggregate }), start);
      }
    },
  };
}

const QUERIES: readonly Query[] = [
  {
    name: 'q0',
    windowed: false,
    sql: (sink, topic) => `CREATE STREAM ${sink} WITH (KAFKA_TOPIC='${topic}') AS SELECT * FROM BID EMIT CHANGES;`,
    dsl: (bids, topic) => bids.to(topic, { keySerde: LONG, valueSerde: Serdes.Json() }),
    loop: (emit) => ({ fn: (key, value, timestamp) => emit(key, JSON.stringify(parse(value)), timestamp) }),
  },
  {
    // PRICE * 0.908 is a DECIMAL(24,3), which JSON writes as 1816.000; BIGINT arithmetic (truncating, as Java's) is what JS numbers write alike.
    name: 'q1',
    windowed: false,
    sql: (sink, topic) => `CREATE STREAM ${sink} WITH (KAFKA_TOPIC='${topic}') AS SELECT AUCTION, BIDDER, PRICE * 908 / 1000 AS EURO_PRICE, DATETIME FROM BID EMIT CHANGES;`,
    dsl: (bids, topic) =>
      bids.mapValues((b) => ({ BIDDER: b.BIDDER, EURO_PRICE: Math.trunc((b.PRICE * 908) / 1000), DATETIME: b.DATETIME })).to(topic, { keySerde: LONG, valueSerde: Serdes.Json() }),
    loop: (emit) => ({
      fn: (key, value, timestamp) => {
        const b = parse(value);
        emit(key, JSON.stringify({ BIDDER: b.BIDDER, EURO_PRICE: Math.trunc((b.PRICE * 908) / 1000), DATETIME: b.DATETIME }), timestamp);
      },
    }),
  },
  {
    name: 'q2',
    windowed: false,
    sql: (sink, topic) => `CREATE STREAM ${sink} WITH (KAFKA_TOPIC='${topic}') AS SELECT AUCTION, PRICE FROM BID WHERE AUCTION % 123 = 0 EMIT CHANGES;`,
    dsl: (bids, topic) =>
      bids
        .filter((auction) => auction % 123 === 0)
        .mapValues((b) => ({ PRICE: b.PRICE }))
        .to(topic, { keySerde: LONG, valueSerde: Serdes.Json() }),
    loop: (emit) => ({
      fn: (key, value, timestamp) => {
        const b = parse(value);
        if (readLongKey(key) % 123 === 0) emit(key, JSON.stringify({ PRICE: b.PRICE }), timestamp);
      },
    }),
  },
  {
    name: 'q5',
    windowed: true,
    sql: (sink, topic) =>
      `CREATE TABLE ${sink} WITH (KAFKA_TOPIC='${topic}') AS SELECT AUCTION, COUNT(*) AS BIDS FROM BID WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS) GROUP BY AUCTION EMIT CHANGES;`,
    dsl: (bids, topic) =>
      bids
        .groupByKey()
        .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE).advanceBy(ADVANCE))
        .count()
        .toStream()
        .mapValues((n) => (n === null ? null : { BIDS: n }))
        .to(topic, { keySerde: WINDOWED_LONG, valueSerde: Serdes.Json() }),
    loop: (emit) => windowLoop(emit, ADVANCE, (_bid, n) => (n ?? 0) + 1, 'BIDS'),
  },
  {
    name: 'q7',
    windowed: true,
    sql: (sink, topic) =>
      `CREATE TABLE ${sink} WITH (KAFKA_TOPIC='${topic}') AS SELECT AUCTION, MAX(PRICE) AS MAXPRICE FROM BID WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY AUCTION EMIT CHANGES;`,
    dsl: (bids, topic) =>
      bids
        .mapValues((b) => b.PRICE)
        .groupByKey({ valueSerde: LONG })
        .windowedBy(TimeWindows.ofSizeAndGrace(SIZE, GRACE))
        .reduce((a, b) => Math.max(a, b))
        .toStream()
        .mapValues((price) => (price === null ? null : { MAXPRICE: price }))
        .to(topic, { keySerde: WINDOWED_LONG, valueSerde: Serdes.Json() }),
    loop: (emit) => windowLoop(emit, SIZE, (bid, max) => (max === undefined || bid.PRICE > max ? bid.PRICE : max), 'MAXPRICE'),
  },
];

/** The engine's view of the broker's topics. */
function brokerTopics(broker: Broker): TopicAdmin {
  return {
    partitions: (topic) => (broker.listTopics().includes(topic) ? broker.describeTopic(topic).partitions.length : undefined),
    createTopic: async (topic, partitions, configs) => void broker.createTopic(topic, { partitions, ...(configs ? { configs } : {}) }),
    deleteTopic: async (topic) => broker.deleteTopic(topic),
    produce: async () => {
      throw new Error('The SQL benchmark runs no INSERT … VALUES.');
    },
  };
}

/** Writes `events` Nexmark events to their topics; returns the number of bids. */
async function fill(broker: Broker, events: number): Promise<number> {
  for (const topic of Object.values(NEXMARK_TOPICS)) broker.createTopic(topic, { partitions: 1 });
  const producer = broker.producer();
  let bids = 0;
  let batch: ProducerRecord[] = [];
  for (const r of nexmarkEvents(events)) {
    if (r.topic === BID) bids++;
    batch.push(r);
    if (batch.length === 10_000) {
      await producer.sendBatch(batch);
      batch = [];
    }
  }
  await producer.sendBatch(batch);
  await producer.close();
  return bids;
}


/** A consumer reading n bids, handing each to the loop, producing what it emits; returns seconds per bid. */
async function runLoop(broker: Broker, producer: Producer, topic: string, n: number, make: (emit: Emit) => Loop): Promise<number> {
  const consumer = broker.consumer({ maxPollRecords: 1000 });
  consumer.assign([{ topic: BID, partition: 0 }]);
  consumer.seekToBeginning();
  let pending: ProducerRecord[] = [];
  const sends: Promise<unknown>[] = [];
  const loop = make((key, value, timestamp) => {
    pending.push({ topic, key, value, timestamp });
    if (pending.length >= 1000) {
      sends.push(producer.sendBatch(pending));
      pending = [];
    }
  });
  const start = process.hrtime.bigint();
  let got = 0;
  while (got < n) {
    for (const r of await consumer.poll(100)) {
      loop.fn(r.key!, r.value!, r.timestamp);
      got++;
    }
  }
  loop.end?.();
  sends.push(producer.sendBatch(pending));
  await Promise.all(sends);
  const s = seconds(start);
  await consumer.close();
  return s / got;
}

interface Output {
  /** Records written. */
  records: number;
  /** Windowed: the windows with a result; otherwise the records again. */
  results: number;
  /** SHA-256 of the records in order, or of the final result per window. */
  digest: string;
}

/** Reads back a sink topic. */
async function readOutput(broker: Broker, topic: string, windowed: boolean): Promise<Output> {
  const end = broker.listOffset(topic, 0, LATEST_TIMESTAMP).offset;
  const consumer = broker.consumer({ maxPollRecords: 10_000 });
  consumer.assign([{ topic, partition: 0 }]);
  consumer.seekToBeginning();
  const hash = createHash('sha256');
  const finals = new Map<string, string>();
  let records = 0;
  let next = 0;
  while (next < end) {
    for (const r of await consumer.poll(100)) {
      records++;
      next = r.offset + 1;
      const key = r.key?.toString('hex') ?? '';
      const value = r.value?.toString('utf8') ?? '';
      if (windowed) finals.set(key, value);
      else hash.update(`${key} ${value}\n`);
    }
  }
  await consumer.close();
  if (windowed) {
    for (const key of [...finals.keys()].sort()) hash.update(`${key} ${finals.get(key)!}\n`);
  }
  return { records, results: windowed ? finals.size : records, digest: hash.digest('hex') };
}

const geomean = (xs: number[]): number => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

export default async function run(ctx: BenchContext): Promise<BenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'freshet-bench-sql-'));
  const broker = await Broker.open({ dataDir: join(dir, 'broker'), logger: silentLogger, groupInitialRebalanceDelayMs: 0 });
  try {
    const bids = await fill(broker, ctx.records);
    const warmup = Math.min(bids, WARMUP);
    ctx.log(`${ctx.records} events, ${bids} bids in '${BID}'`);

    let processingErrors = 0;
    const engine = new SqlEngine({ topics: brokerTopics(broker), onProcessingError: () => processingErrors++ });
    await engine.execute(NEXMARK_DDL);
    const producer = broker.producer();

    const results: Record<string, number> = { bids };
    const ratios: Record<string, number> = {};
    const perQuery: { sqlVsDsl: number; sqlVsLoop: number; dslVsLoop: number }[] = [];
    for (const q of QUERIES) {
      const topicOf = (way: Way, round: number): string => `${q.name}-${way}-${round === 0 ? 'warmup' : round}`;
      const sqlTopology = async (topic: string): Promise<Topology> => {
        const [started] = await engine.execute(q.sql(topic.replace(/-/g, '_').toUpperCase(), topic));
        if (started?.kind !== 'QueryStarted') throw new Error(`${q.name}: the statement started no query.`);
        return (await started.query.build()).topology;
      };
      const dslTopology = (topic: string): Topology => {
        const b = new StreamsBuilder();
        q.dsl(b.stream<number, Bid>(BID, { keySerde: LONG, valueSerde: Serdes.Json<Bid>() }), topic);
        return b.build();
      };
      /** One run of a way: round 0 is the warm-up; seconds per bid. */
      const runs: Record<Way, (round: number) => Promise<number>> = {
        sql: async (round) => runApp(broker, dir, await sqlTopology(topicOf('sql', round)), `bench-${topicOf('sql', round)}`, round === 0 ? warmup : bids, { failOnSkipped: true }),
        dsl: (round) => runApp(broker, dir, dslTopology(topicOf('dsl', round)), `bench-${topicOf('dsl', round)}`, round === 0 ? warmup : bids, { failOnSkipped: true }),
        loop: (round) => runLoop(broker, producer, topicOf('loop', round), round === 0 ? warmup : bids, q.loop),
      };
      const best: Record<Way, number> = { sql: Infinity, dsl: Infinity, loop: Infinity };
      for (let round = 0; round <= ROUNDS; round++) {
        for (const way of WAYS) {
          broker.createTopic(topicOf(way, round), { partitions: 1 });
          const s = await runs[way](round);
          if (round > 0) best[way] = Math.min(best[way], s);
        }
      }
      const { sql: sqlS, dsl: dslS, loop: loopS } = best;

      const out = {
        sql: await readOutput(broker, topicOf('sql', ROUNDS), q.windowed),
        dsl: await readOutput(broker, topicOf('dsl', ROUNDS), q.windowed),
        loop: await readOutput(broker, topicOf('loop', ROUNDS), q.windowed),
      };
      const what = q.windowed ? 'windows' : 'records';
      for (const other of ['dsl', 'loop'] as const) {
        if (out.sql.results !== out[other].results) {
          ctx.log(`WARNING ${q.name}: sql wrote ${out.sql.results} ${what}, ${other} ${out[other].results}.`);
        } else if (out.sql.digest !== out[other].digest) {
          ctx.log(`WARNING ${q.name}: sql and ${other} wrote ${out.sql.results} ${what} each, but not the same ones.`);
        }
      }
      ctx.log(
        `${q.name}: sql ${(1 / sqlS).toFixed(0)}/s, dsl ${(1 / dslS).toFixed(0)}/s, loop ${(1 / loopS).toFixed(0)}/s (sql/dsl ${(dslS / sqlS).toFixed(3)}); ` +
          `written sql ${out.sql.records}, dsl ${out.dsl.records}, loop ${out.loop.records}${q.windowed ? `; windows ${out.sql.results}` : ''}`,
      );

      results[`${q.name}_sql`] = 1 / sqlS;
      results[`${q.name}_dsl`] = 1 / dslS;
      results[`${q.name}_loop`] = 1 / loopS;
      results[`${q.name}_sql_out`] = out.sql.records;
      results[`${q.name}_dsl_out`] = out.dsl.records;
      results[`${q.name}_loop_out`] = out.loop.records;
      if (q.windowed) {
        results[`${q.name}_sql_windows`] = out.sql.results;
        results[`${q.name}_dsl_windows`] = out.dsl.results;
      }
      ratios[`${q.name}_sql_vs_dsl`] = dslS / sqlS;
      perQuery.push({ sqlVsDsl: dslS / sqlS, sqlVsLoop: loopS / sqlS, dslVsLoop: loopS / dslS });
    }
    await producer.close();
    if (processingErrors > 0) ctx.log(`WARNING: the SQL queries reported ${processingErrors} processing errors.`);

    ratios.sql_vs_dsl = geomean(perQuery.map((p) => p.sqlVsDsl));
    ratios.sql_vs_loop = geomean(perQuery.map((p) => p.sqlVsLoop));
    ratios.dsl_vs_loop = geomean(perQuery.map((p) => p.dslVsLoop));
    return { results, ratios };
  } finally {
    await broker.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
