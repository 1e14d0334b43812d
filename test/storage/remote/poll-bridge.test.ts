/**
 * The poll bridge without a server: a scripted fetch function stands in for the broker, so the
 * tests can hold a fetch in flight, seek or pause meanwhile, and see what poll() returns.
 */
import { describe, expect, it } from 'vitest';
import { KafkaError } from '../../../storage/errors.js';
import type { ConsumerRecord } from '../../../storage/client/types.js';
import { PollBridge, type PartitionFetch, type PartitionFetchResult } from '../../../storage/remote/poll-bridge.js';

const T = 'orders';

function records(partition: number, from: number, count: number): ConsumerRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic: T,
    partition,
    offset: from + i,
    timestamp: 1000 + from + i,
    timestampType: 'CreateTime' as const,
    key: null,
    value: Buffer.from(`v${from + i}`),
    headers: [],
  }));
}

/** A log per partition (offset -> record), served `batch` records per fetch; every call is recorded. */
class FakeBroker {
  readonly calls: PartitionFetch[][] = [];
  readonly logs = new Map<number, number>();
  /** When set, fetches wait for release() (to hold one in flight). */
  held: { resolve: () => void } | null = null;
  hold = false;
  batch = 5;
  errors = new Map<number, KafkaError>();

  constructor(lengths: Record<number, number>) {
    for (const [p, n] of Object.entries(lengths)) this.logs.set(Number(p), n);
  }

  fetch = async (targets: PartitionFetch[]): Promise<PartitionFetchResult[]> => {
    this.calls.push(targets);
    if (this.hold) await new Promise<void>((resolve) => (this.held = { resolve }));
    return targets.map((t) => {
      const error = this.errors.get(t.partition) ?? null;
      if (error) return { ...t, records: [], nextOffset: t.offset, error };
      const end = this.logs.get(t.partition) ?? 0;
      const count = Math.max(0, Math.min(this.batch, end - t.offset));
      return { ...t, records: records(t.partition, t.offset, count), nextOffset: t.offset + count, error: null };
    });
  };

  release(): void {
    this.hold = false;
    const h = this.held;
    this.held = null;
    h?.resolve();
  }
}

function bridge(broker: FakeBroker, opts: { maxPollRecords?: number; maxBufferedRecords?: number; transient?: KafkaError[] } = {}): PollBridge {
  return new PollBridge(broker.fetch, {
    maxPollRecords: opts.maxPollRecords ?? 500,
    maxBufferedRecords: opts.maxBufferedRecords ?? 1000,
    onTransientError: (e) => opts.transient?.push(e),
  });
}

const offsets = (rs: ConsumerRecord[]) => rs.map((r) => r.offset);

describe('poll bridge', () => {
  it('returns at most maxPollRecords per poll and keeps the position at the next record to return', async () => {
    const broker = new FakeBroker({ 0: 10 });
    broker.batch = 10;
    const b = bridge(broker, { maxPollRecords: 4 });
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 0);
    expect(offsets(await b.poll(1000))).toEqual([0, 1, 2, 3]);
    expect(s.position).toBe(4);
    expect(offsets(await b.poll(1000))).toEqual([4, 5, 6, 7]);
    expect(s.position).toBe(8);
    expect(offsets(await b.poll(1000))).toEqual([8, 9]);
    expect(s.position).toBe(10);
  });

  it('fetches the next records while the application works on the last ones', async () => {
    const broker = new FakeBroker({ 0: 20 });
    const b = bridge(broker);
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 0);
    expect(offsets(await b.poll(1000))).toEqual([0, 1, 2, 3, 4]);
    // Already on its way before the next poll is called.
    expect(b.fetching).toBe(true);
    expect(broker.calls.at(-1)).toEqual([{ topic: T, partition: 0, offset: 5 }]);
    expect(offsets(await b.poll(1000))).toEqual([5, 6, 7, 8, 9]);
  });

  it('keeps memory bounded: no fetch while the buffers are full, and none for a partition with buffered records', async () => {
    const broker = new FakeBroker({ 0: 100, 1: 100 });
    broker.batch = 10;
    const b = bridge(broker, { maxPollRecords: 3, maxBufferedRecords: 15 });
    for (const partition of [0, 1]) b.seek(b.add({ topic: T, partition }), 0);
    expect(await b.poll(1000)).toHaveLength(3);
    // 17 records buffered: at the limit, so nothing more is asked for.
    expect(b.bufferedCount()).toBe(17);
    expect(b.fetching).toBe(false);
    expect(await b.poll(1000)).toHaveLength(3);
    // 14 buffered, under the limit, but both partitions still hold records: still nothing.
    expect(b.bufferedCount()).toBe(14);
    expect(b.fetching).toBe(false);
    expect(broker.calls).toHaveLength(1);
    let most = 0;
    for (let i = 0; i < 30; i++) {
      await b.poll(1000);
      await b.waitForInflight(1000);
      most = Math.max(most, b.bufferedCount());
    }
    // At most the limit plus one fetch of every partition.
    expect(most).toBeLessThanOrEqual(15 + 2 * 10);
    for (const call of broker.calls.slice(1)) for (const t of call) expect(t.offset % 10).toBe(0);
  });

  it('drops records of a fetch that was in flight when the application sought elsewhere', async () => {
    const broker = new FakeBroker({ 0: 100 });
    const b = bridge(broker);
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 0);
    broker.hold = true;
    expect(await b.poll(0)).toEqual([]);
    expect(b.fetching).toBe(true);
    b.seek(s, 50);
    broker.release();
    await b.waitForInflight(1000);
    expect(s.buffered).toEqual([]);
    expect(offsets(await b.poll(1000))).toEqual([50, 51, 52, 53, 54]);
  });

  it('drops records of a partition revoked while its fetch was in flight', async () => {
    const broker = new FakeBroker({ 0: 100 });
    const b = bridge(broker);
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 0);
    broker.hold = true;
    await b.poll(0);
    b.remove({ topic: T, partition: 0 });
    const again = b.add({ topic: T, partition: 0 });
    broker.release();
    await b.waitForInflight(1000);
    expect(again.buffered).toEqual([]);
    expect(again.position).toBeNull();
  });

  it('holds back a paused partition without losing its buffer, and neither fetches it', async () => {
    const broker = new FakeBroker({ 0: 10, 1: 10 });
    broker.batch = 10;
    const b = bridge(broker, { maxPollRecords: 4 });
    const p0 = b.add({ topic: T, partition: 0 });
    const p1 = b.add({ topic: T, partition: 1 });
    b.seek(p0, 0);
    b.seek(p1, 0);
    await b.poll(1000);
    p0.paused = true;
    const calls = broker.calls.length;
    const got: ConsumerRecord[] = [];
    for (let i = 0; i < 5; i++) got.push(...(await b.poll(50)));
    expect(got.every((r) => r.partition === 1)).toBe(true);
    expect(broker.calls.slice(calls).flat().some((t) => t.partition === 0)).toBe(false);
    const kept = p0.buffered.length;
    expect(kept).toBeGreaterThan(0);
    p0.paused = false;
    const resumed = await b.poll(1000);
    expect(resumed.filter((r) => r.partition === 0).length).toBeGreaterThan(0);
    expect(resumed[0]!.offset).toBe(p0.position! - resumed.filter((r) => r.partition === 0).length);
  });

  it('moves the position past batches that hold no records for the application (markers, aborted data)', async () => {
    const b = new PollBridge(async (targets) => targets.map((t) => ({ ...t, records: [], nextOffset: t.offset + 3, error: null })), { maxPollRecords: 10, maxBufferedRecords: 100 });
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 7);
    expect(await b.poll(0)).toEqual([]);
    await b.waitForInflight(1000);
    expect(s.position).toBe(10);
    expect(s.fetchOffset).toBe(10);
  });

  it('unresolves the position on OFFSET_OUT_OF_RANGE so the reset policy applies', async () => {
    const broker = new FakeBroker({ 0: 10 });
    broker.errors.set(0, new KafkaError('OFFSET_OUT_OF_RANGE', 'gone'));
    const b = bridge(broker);
    const s = b.add({ topic: T, partition: 0 });
    b.seek(s, 3);
    await b.poll(100);
    expect(s.position).toBeNull();
    expect(s.reset).toBe('policy');
  });

  it('reports retriable fetch errors and retries after a back-off, without hammering the broker', async () => {
    const broker = new FakeBroker({ 0: 10 });
    const transient: KafkaError[] = [];
    broker.errors.set(0, new KafkaError('NOT_LEADER_OR_FOLLOWER', 'moved'));
    const b = new PollBridge(broker.fetch, { maxPollRecords: 500, maxBufferedRecords: 1000, retryBackoffMs: 50, onTransientError: (e) => transient.push(e) });
    b.seek(b.add({ topic: T, partition: 0 }), 0);
    expect(await b.poll(120)).toEqual([]);
    expect(transient.map((e) => e.code)).toContain('NOT_LEADER_OR_FOLLOWER');
    expect(broker.calls.length).toBeLessThanOrEqual(4);
    broker.errors.clear();
    const got: ConsumerRecord[] = [];
    for (let i = 0; i < 10 && got.length === 0; i++) got.push(...(await b.poll(100)));
    expect(offsets(got)).toEqual([0, 1, 2, 3, 4]);
  });

  it('throws other fetch errors (a corrupt batch) from poll() instead of retrying them', async () => {
    const broker = new FakeBroker({ 0: 10 });
    broker.errors.set(0, new KafkaError('CORRUPT_MESSAGE', 'Record batch at byte 0 fails its CRC'));
    const b = bridge(broker);
    b.seek(b.add({ topic: T, partition: 0 }), 0);
    let thrown: unknown = null;
    for (let i = 0; i < 10 && thrown === null; i++) await b.poll(50).catch((err: unknown) => (thrown = err));
    expect(thrown).toMatchObject({ code: 'CORRUPT_MESSAGE' });
    broker.errors.clear();
    expect(offsets(await b.poll(1000))).toEqual([0, 1, 2, 3, 4]);
  });

  it('waits up to the timeout when nothing arrives, and returns nothing', async () => {
    const b = new PollBridge(async (targets) => {
      await new Promise((r) => setTimeout(r, 30));
      return targets.map((t) => ({ ...t, records: [], nextOffset: t.offset, error: null }));
    }, { maxPollRecords: 10, maxBufferedRecords: 100 });
    b.seek(b.add({ topic: T, partition: 0 }), 0);
    const started = Date.now();
    expect(await b.poll(150)).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('does not fetch partitions whose position is still unresolved', async () => {
    const broker = new FakeBroker({ 0: 10 });
    const b = bridge(broker);
    b.add({ topic: T, partition: 0 });
    expect(await b.poll(20)).toEqual([]);
    expect(broker.calls).toEqual([]);
  });
});
