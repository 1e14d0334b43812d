/**
 * Fetch on the wire: long polling, limits, isolation, topic ids, and incremental fetch sessions
 * as the Java client drives them (KIP-227).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '../../../../storage/log/record-batch.js';
import type { FetchResponse } from '../../../../server/kafka/protocol/index.js';
import { RawClient, startKafka, type KafkaHarness } from '../helpers.js';

let k: KafkaHarness;
let c: RawClient;

beforeAll(async () => {
  k = await startKafka();
  k.broker.createTopic('f', { partitions: 2 });
  c = await RawClient.connect(k.port);
});

afterAll(async () => {
  c?.close();
  await k?.stop();
});

async function produce(partition: number, ...values: string[]): Promise<void> {
  await k.broker.produce('f', partition, encodeBatch(values.map((v) => ({ key: null, value: Buffer.from(v), timestamp: Date.now() }))));
}

type Part = { partition: number; fetchOffset: bigint; partitionMaxBytes: number };

function part(partition: number, fetchOffset: number, partitionMaxBytes = 1 << 20): Part {
  return { partition, fetchOffset: BigInt(fetchOffset), partitionMaxBytes };
}

/** Fetch v12 (names, sessions). */
function fetchV12(sessionId: number, sessionEpoch: number, parts: Part[], extra: { forgotten?: number[]; maxWaitMs?: number; minBytes?: number } = {}): Promise<FetchResponse> {
  return c.request(1, 12, {
    maxWaitMs: extra.maxWaitMs ?? 0,
    minBytes: extra.minBytes ?? 0,
    maxBytes: 1 << 20,
    sessionId,
    sessionEpoch,
    topics: parts.length > 0 ? [{ topic: 'f', partitions: parts }] : [],
    forgottenTopicsData: extra.forgotten ? [{ topic: 'f', partitions: extra.forgotten }] : [],
  });
}

function partitionsOf(r: FetchResponse): { partition: number; hw: number; records: number }[] {
  return r.responses.flatMap((t) => t.partitions.map((p) => ({ partition: p.partitionIndex, hw: Number(p.highWatermark), records: p.records?.length ?? 0 })));
}

describe('Fetch', () => {
  it('long-polls until a record arrives, then answers at once', async () => {
    const end = k.broker.listOffset('f', 1, -1).offset;
    const started = Date.now();
    const pending = c.request(1, 11, { maxWaitMs: 5000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'f', partitions: [part(1, end)] }] });
    setTimeout(() => void produce(1, 'wake-up'), 150);
    const r = await pending;
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(100);
    expect(elapsed).toBeLessThan(3000);
    expect(r.responses[0]!.partitions[0]!.records!.includes(Buffer.from('wake-up'))).toBe(true);
  });

  it('reports per-partition errors: unknown partition, offset out of range', async () => {
    const r = await c.request(1, 11, { maxWaitMs: 1000, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic: 'f', partitions: [part(7, 0), part(0, 1_000_000)] }, { topic: 'nope', partitions: [part(0, 0)] }] });
    const codes = r.responses.flatMap((t) => t.partitions.map((p) => [t.topic, p.partitionIndex, p.errorCode]));
    expect(codes).toEqual([
      ['f', 7, 3],
      ['f', 0, 1],
      ['nope', 0, 3],
    ]);
  });

  it('returns at least one whole batch even when it is larger than the partition limit', async () => {
    await produce(0, 'x'.repeat(500));
    const start = k.broker.listOffset('f', 0, -1).offset - 1;
    const r = await c.request(1, 11, { maxWaitMs: 0, minBytes: 0, maxBytes: 10, topics: [{ topic: 'f', partitions: [part(0, start, 10)] }] });
    expect(r.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(500);
  });

  it('under read_committed stops at the last stable offset and lists aborted transactions', async () => {
    k.broker.createTopic('f-txn', { partitions: 1 });
    const producer = k.broker.producer({ transactionalId: 'fetch-txn' });
    await producer.initTransactions();
    producer.beginTransaction();
    await producer.send({ topic: 'f-txn', value: 'aborted' });
    await producer.abortTransaction();
    producer.beginTransaction();
    await producer.send({ topic: 'f-txn', value: 'open' });
    const log = k.broker.topics.log('f-txn', 0);
    const committed = await c.request(1, 11, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 1, topics: [{ topic: 'f-txn', partitions: [part(0, 0)] }] });
    const p = committed.responses[0]!.partitions[0]!;
    expect(Number(p.lastStableOffset)).toBe(log.lastStableOffset);
    expect(Number(p.highWatermark)).toBe(log.highWatermark);
    expect(p.lastStableOffset).toBeLessThan(p.highWatermark);
    expect(p.abortedTransactions).toHaveLength(1);
    expect(p.records!.includes(Buffer.from('open'))).toBe(false);
    const uncommitted = await c.request(1, 11, { maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, isolationLevel: 0, topics: [{ topic: 'f-txn', partitions: [part(0, 0)] }] });
    expect(uncommitted.responses[0]!.partitions[0]!.abortedTransactions).toBeNull();
    expect(uncommitted.responses[0]!.partitions[0]!.records!.includes(Buffer.from('open'))).toBe(true);
    await producer.abortTransaction();
    await producer.close();
  });

  it('names topics by id from v13; an unknown id is UNKNOWN_TOPIC_ID', async () => {
    const topicId = k.broker.describeTopic('f').topicId;
    const r = await c.request(1, 13, {
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes: 1 << 20,
      topics: [
        { topicId, partitions: [part(1, 0)] },
        { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', partitions: [part(0, 0)] },
      ],
    });
    expect(r.responses.map((t) => [t.topicId, t.partitions[0]!.errorCode])).toEqual([
      [topicId, 0],
      ['AAAAAAAAAAAAAAAAAAAAAQ', 100],
    ]);
    expect(r.responses[0]!.partitions[0]!.records!.length).toBeGreaterThan(0);
  });
});

describe('fetch sessions', () => {
  it('answers sessionless full fetches (sessionId 0, epoch -1) with session 0', async () => {
    const r = await fetchV12(0, -1, [part(0, 0), part(1, 0)]);
    expect(r.sessionId).toBe(0);
    expect(partitionsOf(r).map((p) => p.partition)).toEqual([0, 1]);
  });

  it('creates a session, then sends only what changed', async () => {
    const end0 = k.broker.listOffset('f', 0, -1).offset;
    const end1 = k.broker.listOffset('f', 1, -1).offset;
    const full = await fetchV12(0, 0, [part(0, end0), part(1, end1)]);
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(partitionsOf(full).map((p) => p.partition)).toEqual([0, 1]);
    const id = full.sessionId;

    // Nothing new: an empty incremental response.
    const quiet = await fetchV12(id, 1, []);
    expect(quiet.sessionId).toBe(id);
    expect(partitionsOf(quiet)).toEqual([]);

    // New data on partition 1 only: only partition 1 comes back, with its records.
    await produce(1, 'incremental');
    const changed = await fetchV12(id, 2, []);
    expect(partitionsOf(changed)).toEqual([{ partition: 1, hw: end1 + 1, records: expect.any(Number) }]);
    expect(partitionsOf(changed)[0]!.records).toBeGreaterThan(0);

    // The client moves its position: partition 1 has nothing new past it.
    expect(partitionsOf(await fetchV12(id, 3, [part(1, end1 + 1)]))).toEqual([]);

    // A forgotten partition is no longer fetched, even with new data.
    await produce(0, 'unwatched');
    expect(partitionsOf(await fetchV12(id, 4, [], { forgotten: [0] }))).toEqual([]);

    // Epochs must follow on; a wrong one is refused without touching the session.
    const wrong = await fetchV12(id, 9, []);
    expect([wrong.errorCode, wrong.sessionId, wrong.responses]).toEqual([71, 0, []]);
    expect((await fetchV12(id, 5, [])).errorCode).toBe(0);

    // Epoch -1 closes it: a full answer without a session, and the id is gone.
    const closing = await fetchV12(id, -1, [part(0, end0)]);
    expect(closing.sessionId).toBe(0);
    expect(partitionsOf(closing).map((p) => p.partition)).toEqual([0]);
    const gone = await fetchV12(id, 6, []);
    expect(gone.errorCode).toBe(70);
    expect(k.listener.fetchSessions.size).toBe(0);
  });

  it('long-polls an incremental fetch on every partition of the session', async () => {
    const end = k.broker.listOffset('f', 0, -1).offset;
    const full = await fetchV12(0, 0, [part(0, end)]);
    const started = Date.now();
    setTimeout(() => void produce(0, 'late'), 150);
    const r = await fetchV12(full.sessionId, 1, [], { maxWaitMs: 5000, minBytes: 1 });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(partitionsOf(r).map((p) => p.partition)).toEqual([0]);
  });

  it('is refused for an unknown session id', async () => {
    const r = await fetchV12(123456, 1, [part(0, 0)]);
    expect([r.errorCode, r.sessionId, r.responses]).toEqual([70, 0, []]);
  });
});
